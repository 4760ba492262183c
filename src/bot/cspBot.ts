// The Teams bot: tenant allow-list, @mention removal, routing of typed commands and card actions
// to their handlers (asking the policy first when a handler is for operators only), the help card,
// and conversation references for proactive posts. Features live in the handlers (./handlers.ts);
// this class only routes.
import {
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type ConversationState,
  type InvokeResponse,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
  type UserState,
} from 'botbuilder';
import type { Config } from '../config';
import { helpCommandFromUsage, renderHelpCard, type HelpCommand } from '../cards/helpCard';
import { cardAttachment, type AdaptiveCard } from '../cards/render';
import type { Logger } from '../logger';
import type { Cloud } from '../onboarding/ports';
import type { ApprovalPolicy } from '../onboarding/requests/approvalPolicy';
import type { BotStore } from '../store/types';
import type { CardActionHandler, CommandHandler, HandlerRequirement } from './handlers';
import { nameTurn } from './turnSpan';
import { isStateConflict } from './concurrentState';
import { TurnQueue } from './turnQueue';
import { attachTurnLogger, turnLogger } from './turnLogger';
import { actorFrom, conversationIdOf, tenantIdOf } from './activity';
import { ADAPTIVE_CARD_TYPE, asInvokeResponse, errorResponse, messageText } from './invokeResponses';

export interface CspBotOptions {
  commands: CommandHandler[];
  cardActions: CardActionHandler[];
  store: Pick<BotStore, 'conversations'>;
  conversationState: ConversationState;
  userState: UserState;
  logger: Logger;
  config: Pick<Config, 'ALLOWED_TENANT_IDS'>;
  cloud: Pick<Cloud, 'simulated'>;
  /** Who may use the handlers that declare `requires: 'operator'` (app.ts passes the approval policy; absent: everyone). */
  policy?: Pick<ApprovalPolicy, 'authorizeOperation'>;
}

/** The answer to a turn whose state lost to another turn of the same conversation. */
export const STATE_CONFLICT_MESSAGE =
  'That card changed in another window at the same moment, so this click was not applied to your draft. Please try again: if the card is out of date, you will see where your draft is now.';
const HELP_USAGE: HelpCommand = { usage: 'help', description: 'this list of commands' };
/** Conversation references saved this process lifetime, to skip identical writes (bounded). */
const MAX_REMEMBERED_REFERENCES = 10_000;

export class CspBot extends TeamsActivityHandler {
  private readonly queue = new TurnQueue();
  private readonly allowedTenants: Set<string>;
  private readonly savedReferences = new Map<string, string>();
  private readonly helpCards = new Map<string, AdaptiveCard>();
  private readonly commandWords: Array<{ handler: CommandHandler; command: string }>;

  constructor(private readonly options: CspBotOptions) {
    super();
    this.allowedTenants = new Set(options.config.ALLOWED_TENANT_IDS.map((t) => t.toLowerCase()));
    this.commandWords = options.commands.map((handler) => ({ handler, command: normalise(handler.command).toLowerCase() }));

    this.onMessage(async (context, next) => {
      await this.routeMessage(context);
      await next();
    });
    // Teams announces an install with installationUpdate; the Emulator and Web Chat only send
    // conversationUpdate. Greeting on both in Teams would say hello twice.
    this.onInstallationUpdateAdd(async (context, next) => {
      await this.greet(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient?.id);
      if (botAdded && context.activity.channelId !== 'msteams') await this.greet(context);
      await next();
    });
  }

  /** Every turn: tenant check, then one turn at a time per conversation, state saved once at the end. */
  override async run(context: TurnContext): Promise<void> {
    attachTurnLogger(context, this.options.logger);
    const tenantId = tenantIdOf(context.activity);
    if (!this.isTenantAllowed(tenantId)) {
      turnLogger(context).warn({ from: actorFrom(context.activity).aadObjectId }, 'activity from a tenant not in ALLOWED_TENANT_IDS ignored');
      if (context.activity.type === 'invoke') {
        await context.sendActivity({ type: 'invokeResponse', value: { status: 403 } });
      }
      return;
    }
    const conversationId = conversationIdOf(context.activity);
    await this.queue.run(conversationId, async () => {
      await this.rememberConversation(context);
      await super.run(context);
      try {
        await this.options.conversationState.saveChanges(context, false);
        await this.options.userState.saveChanges(context, false);
      } catch (err) {
        if (!isStateConflict(err)) throw err;
        // Another turn of this conversation (another instance) saved first: this turn's state is
        // dropped, not merged. Side effects of the turn are guarded by their own leases and CAS.
        // (User state is saved second; no feature keeps anything in it today.)
        turnLogger(context).warn({ err }, "state changed by another turn of this conversation; this turn's state changes were dropped");
        await this.answerStateConflict(context);
      }
    });
  }

  /** Replaces the turn's answer: an invoke gets an error the card shows, a message a short reply. */
  private async answerStateConflict(context: TurnContext): Promise<void> {
    if (context.activity.type === 'invoke') {
      // A second invokeResponse replaces the one the handler sent (the adapter answers with the last).
      await context.sendActivity({ type: 'invokeResponse', value: asInvokeResponse(errorResponse(409, 'Conflict', STATE_CONFLICT_MESSAGE)) });
    } else {
      await context.sendActivity(STATE_CONFLICT_MESSAGE);
    }
  }

  private isTenantAllowed(tenantId: string | undefined): boolean {
    if (this.allowedTenants.size === 0) return true;
    return tenantId !== undefined && this.allowedTenants.has(tenantId.toLowerCase());
  }

  private async routeMessage(context: TurnContext): Promise<void> {
    const value = context.activity.value as Record<string, unknown> | undefined;
    const text = (context.activity.text ? TurnContext.removeRecipientMention(context.activity) : '') ?? '';
    // Action.Submit (the fallback of our Action.Execute buttons on old clients) arrives as a
    // message with no text and the button's data, verb included, in `value`.
    if (!text.trim() && value && typeof value.verb === 'string') {
      await this.onSubmitFallback(context, value.verb, value);
      return;
    }
    const words = normalise(text);
    const handler = this.commandFor(words);
    if (handler) {
      nameTurn(context, handler.command);
      const refusal = await this.refusal(context, handler, { command: handler.command });
      if (refusal) {
        await context.sendActivity(refusal);
        return;
      }
      await handler.handle(context, words.slice(normalise(handler.command).length).trim());
      return;
    }
    const understood = words === '' || words.toLowerCase() === 'help';
    nameTurn(context, understood ? 'help' : 'not-understood');
    if (understood) await this.sendHelp(context, 'Here is what I can do:', true);
    else await this.sendHelp(context, `I did not understand "${truncate(words, 60)}". Here is what I can do:`);
  }

  /** The handler whose command is the longest prefix (whole words, case-insensitive) of the text. */
  private commandFor(words: string): CommandHandler | undefined {
    const lower = words.toLowerCase();
    let best: { handler: CommandHandler; command: string } | undefined;
    for (const entry of this.commandWords) {
      const matches = lower === entry.command || lower.startsWith(`${entry.command} `);
      if (matches && (!best || entry.command.length > best.command.length)) best = entry;
    }
    return best?.handler;
  }

  /** botbuilder reads `value.action.type` unguarded: an invoke without an action object would be a TypeError (500). */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    if (context.activity.name === 'adaptiveCard/action' && !isRecord((context.activity.value as { action?: unknown } | undefined)?.action)) {
      return asInvokeResponse(unknownVerbResponse(''));
    }
    return super.onInvokeActivity(context);
  }

  protected override async onAdaptiveCardInvoke(
    context: TurnContext,
    invokeValue: AdaptiveCardInvokeValue,
  ): Promise<AdaptiveCardInvokeResponse> {
    // The card's data is untrusted JSON: a verb that is not a string, or data that is not an object, is treated as absent.
    const verb = typeof invokeValue.action?.verb === 'string' ? invokeValue.action.verb : '';
    const data = isRecord(invokeValue.action?.data) ? invokeValue.action.data : {};
    const handler = this.options.cardActions.find((h) => h.matches(verb));
    if (handler) nameTurn(context, verb);
    if (!handler) {
      turnLogger(context, this.options.logger).warn({ verb }, 'card action with an unknown verb');
      return unknownVerbResponse(verb);
    }
    const refusal = await this.refusal(context, handler, { verb });
    if (refusal) return messageResponse(refusal);
    return handler.handle(context, verb, data);
  }

  private async onSubmitFallback(context: TurnContext, verb: string, data: Record<string, unknown>): Promise<void> {
    const handler = this.options.cardActions.find((h) => h.matches(verb));
    if (handler) nameTurn(context, verb);
    const refusal = handler && (await this.refusal(context, handler, { verb }));
    if (refusal) {
      await context.sendActivity(refusal);
      return;
    }
    const response = handler ? await handler.handle(context, verb, data) : unknownVerbResponse(verb);
    // No card to replace on this path: the answer is posted as a reply instead.
    const text = messageText(response) ?? (response.value as { message?: unknown } | undefined)?.message;
    if (response.type === ADAPTIVE_CARD_TYPE && response.value) {
      await context.sendActivity({ attachments: [{ contentType: ADAPTIVE_CARD_TYPE, content: response.value }] });
    } else if (typeof text === 'string') {
      await context.sendActivity(text);
    }
  }

  /** For a handler the caller may not use: the polite refusal (logged). Undefined when they may. */
  private async refusal(context: TurnContext, handler: { requires?: HandlerRequirement }, what: { command?: string; verb?: string }): Promise<string | undefined> {
    if (handler.requires !== 'operator' || !this.options.policy) return undefined;
    const from = context.activity.from?.aadObjectId;
    const authorization = await this.options.policy.authorizeOperation(from);
    if (authorization.allowed) return undefined;
    turnLogger(context, this.options.logger).warn({ from, ...what, reason: authorization.reason }, 'refused: operators only');
    return authorization.message;
  }

  private async greet(context: TurnContext): Promise<void> {
    await this.sendHelp(context, 'Hello! I onboard CSP customers for Azure Stack Hub usage and billing. Here is what I can do:', true);
  }

  private async sendHelp(context: TurnContext, intro: string, cacheable = false): Promise<void> {
    // The commands never change after start-up, so the plain help and greeting cards are rendered
    // once: templating is the most expensive part of a help turn.
    let card = cacheable ? this.helpCards.get(intro) : undefined;
    if (!card) {
      const commands = [
        ...this.options.commands.map((h) => helpCommandFromUsage(h.command, h.usage)),
        ...(this.options.commands.some((h) => h.command.toLowerCase() === 'help') ? [] : [HELP_USAGE]),
      ];
      card = renderHelpCard({ intro, simulated: this.options.cloud.simulated, commands });
      if (cacheable) this.helpCards.set(intro, card);
    }
    await context.sendActivity(MessageFactory.attachment(cardAttachment(card)));
  }

  /** Saves the reference for proactive posts (approvals, progress), skipping unchanged ones. */
  private async rememberConversation(context: TurnContext): Promise<void> {
    const conversationId = conversationIdOf(context.activity);
    if (!conversationId || !context.activity.serviceUrl) return;
    // activityId changes every turn and is not needed to post into the conversation later.
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { activityId, ...reference } = TurnContext.getConversationReference(context.activity);
    const serialised = JSON.stringify(reference);
    if (this.savedReferences.get(conversationId) === serialised) return;
    await this.options.store.conversations.save(conversationId, reference as Record<string, unknown>);
    if (this.savedReferences.size >= MAX_REMEMBERED_REFERENCES) this.savedReferences.clear();
    this.savedReferences.set(conversationId, serialised);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function messageResponse(text: string): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text as unknown as Record<string, unknown> };
}

function unknownVerbResponse(verb: string): AdaptiveCardInvokeResponse {
  return errorResponse(400, 'BadRequest', `This button ("${truncate(verb, 40)}") is not one I know. Type help to see what I can do.`);
}
