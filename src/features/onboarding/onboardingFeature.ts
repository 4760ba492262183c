// The onboarding feature's entry points, in the shapes the bot routes to (src/bot/handlers.ts):
// the `onboard` and `cancel` commands, and one card-action handler for every `onboard.*` verb.
import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { DraftExpirySweep, type ContinueConversation } from '../../dialogs/draftExpirySweep';
import type { CardAction } from '../../dialogs/onboardingDialog';
import { OnboardingSession, type OnboardingSessionOptions } from '../../dialogs/onboardingSession';
import { cardResponse } from '../../bot/invokeResponses';

/** `cancel <request id>`: cancels a submitted request (the approval feature provides it). */
export type CancelRequest = (context: TurnContext, args: string) => Promise<void>;

export class OnboardCommand {
  readonly command = 'onboard';
  readonly requires = 'operator';
  readonly usage = 'onboard: onboard a customer (new or existing) onto an Azure Stack Hub registration, step by step with cards';

  constructor(private readonly session: OnboardingSession) {}

  async handle(context: TurnContext): Promise<void> {
    await this.session.start(context);
  }
}

export class CancelCommand {
  readonly command = 'cancel';
  readonly usage = 'cancel: drop your onboarding draft; cancel and a request id (e.g. cancel ONB-7F3K) cancels a submitted request';

  constructor(
    private readonly session: OnboardingSession,
    private readonly cancelRequest?: CancelRequest,
  ) {}

  async handle(context: TurnContext, args: string): Promise<void> {
    if (!args) return this.session.cancel(context);
    if (this.cancelRequest) return this.cancelRequest(context, args);
    await context.sendActivity(
      `"cancel ${args}" would cancel a submitted request, but this bot has no request cancelling switched on. Type cancel on its own to drop your onboarding draft; to stop a submitted request, ask an approver to reject it.`,
    );
  }
}

export class OnboardingCardActions {
  readonly requires = 'operator';

  constructor(private readonly session: OnboardingSession) {}

  matches(verb: string): boolean {
    return verb.startsWith('onboard.');
  }

  async handle(context: TurnContext, verb: string, data: Record<string, unknown>): Promise<AdaptiveCardInvokeResponse> {
    const action: CardAction = { verb, data };
    return cardResponse(await this.session.act(context, action));
  }
}

export interface OnboardingFeatureOptions extends OnboardingSessionOptions {
  cancelRequest?: CancelRequest;
  /** With it, expired drafts are also announced proactively (the expiry sweep, a background service). */
  continueConversation?: ContinueConversation;
  store: OnboardingSessionOptions['store'] & ConstructorParameters<typeof DraftExpirySweep>[0]['store'];
  sweepIntervalMs?: number;
  onSweepError?: (err: unknown, conversationId: string) => void;
}

/** Everything the composition root registers for onboarding. */
export function createOnboardingFeature(options: OnboardingFeatureOptions): {
  session: OnboardingSession;
  commands: [OnboardCommand, CancelCommand];
  cardActions: [OnboardingCardActions];
  services: DraftExpirySweep[];
} {
  const session = new OnboardingSession(options);
  const services = options.continueConversation
    ? [
        new DraftExpirySweep({
          session,
          store: options.store,
          draftTtlHours: options.draftTtlHours,
          continueConversation: options.continueConversation,
          intervalMs: options.sweepIntervalMs,
          onError: options.onSweepError,
        }),
      ]
    : [];
  return {
    session,
    commands: [new OnboardCommand(session), new CancelCommand(session, options.cancelRequest)],
    cardActions: [new OnboardingCardActions(session)],
    services,
  };
}
