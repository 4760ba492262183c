// The bot's extension points: one small handler per chat command and one per card verb
// (TeamsFx workflow-bot style). The bot routes to them; each handler owns one concept.
import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';

/** Who may use a handler: `operator` = only operators (the approval policy decides); absent = everyone. */
export type HandlerRequirement = 'operator';

export interface CommandHandler {
  /** Command word(s) as typed, e.g. `status`, `remove tenant`; matched case-insensitively after the @mention is removed. */
  readonly command: string;
  /** One line for the help card, e.g. `status <request id>: the request, its steps and its audit trail`. */
  readonly usage: string;
  readonly requires?: HandlerRequirement;
  /** `args` is the text after the command word(s), trimmed. */
  handle(context: TurnContext, args: string): Promise<void>;
}

export interface CardActionHandler {
  readonly requires?: HandlerRequirement;
  /** True for the verbs this handler owns (exact verb or a prefix such as `onboard.`). */
  matches(verb: string): boolean;
  /**
   * Handles an Action.Execute invoke (or its Action.Submit fallback, which arrives as a message with
   * `value.verb`). `data` is untrusted: parse it, and decide everything against stored state.
   * Must return within a few seconds (Teams' invoke limit); long work continues in the background.
   */
  handle(context: TurnContext, verb: string, data: Record<string, unknown>): Promise<AdaptiveCardInvokeResponse>;
}
