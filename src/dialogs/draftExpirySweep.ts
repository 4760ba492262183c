// Tells operators proactively that a draft expired, instead of only on their next turn. Every
// interval it looks through the conversations the bot knows (their stored references) for drafts
// left alone longer than DRAFT_TTL_HOURS, and only for those opens a proactive turn that discards
// them and posts the note. A conversation without a reference is left to the next-turn check.
import type { ConversationReference, TurnContext } from 'botbuilder';
import type { BotStore } from '../store/types';
import { staleDraftOperators, type OnboardingSession } from './onboardingSession';

/** Runs `logic` in a turn of the referenced conversation (CloudAdapter.continueConversationAsync). */
export type ContinueConversation = (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) => Promise<void>;

export interface DraftExpirySweepOptions {
  session: Pick<OnboardingSession, 'expireStaleDrafts'>;
  store: Pick<BotStore, 'conversations' | 'state'>;
  draftTtlHours: number;
  continueConversation: ContinueConversation;
  /** Default 15 minutes: an expiry note is at most that late. */
  intervalMs?: number;
  onError?: (err: unknown, conversationId: string) => void;
}

export class DraftExpirySweep {
  readonly name = 'onboarding-draft-expiry';
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(private readonly options: DraftExpirySweepOptions) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs ?? 15 * 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; returns how many drafts expired. A pass still running is not started twice. */
  sweep(): Promise<number> {
    this.running ??= this.sweepOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepOnce(): Promise<number> {
    let expired = 0;
    for (const { conversationId, reference } of await this.options.store.conversations.list()) {
      const ref = reference as Partial<ConversationReference>;
      try {
        if (!(await this.hasStaleDraft(ref, conversationId))) continue;
        await this.options.continueConversation(ref, async (context) => {
          expired += await this.options.session.expireStaleDrafts(context);
        });
      } catch (err) {
        this.options.onError?.(err, conversationId);
      }
    }
    return expired;
  }

  /** A cheap look at the stored conversation state, so quiet conversations get no proactive turn. */
  private async hasStaleDraft(reference: Partial<ConversationReference>, conversationId: string): Promise<boolean> {
    // botbuilder's ConversationState key (no namespace): `{channelId}/conversations/{conversationId}/`.
    const key = `${reference.channelId}/conversations/${conversationId}/`;
    const state = (await this.options.store.state.read([key]))[key] as Record<string, unknown> | undefined;
    return state !== undefined && staleDraftOperators(state, this.options.draftTtlHours).length > 0;
  }
}
