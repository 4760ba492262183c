// One operator's onboarding draft in one conversation. In a channel thread everyone shares the
// conversation, so the dialog state is a conversation-state property named after the operator:
// two operators onboarding in one thread never see each other's draft. Also here: the draft's
// clock (it expires after DRAFT_TTL_HOURS untouched) and what a turn shows: a card returned in
// place for a button, or a message for a typed command.
import { randomUUID } from 'crypto';
import { type Activity, type ConversationState, MessageFactory, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
// botbuilder-dialogs' own modules, not its index (which loads the text recognizers): see onboardingDialog.ts.
import { DialogTurnStatus } from 'botbuilder-dialogs/lib/dialog';
import type { DialogState } from 'botbuilder-dialogs/lib/dialogContext';
import { DialogSet } from 'botbuilder-dialogs/lib/dialogSet';
import { markdownText } from '../cards/markdown';
import { cardAttachment, type AdaptiveCard } from '../cards/render';
import type { OnboardingRequest } from '../onboarding/model';
import { actorFrom } from '../bot/activity';
import { noteCard } from './onboardingCards';
import {
  CARD_ACTION_KEY,
  cardToShow,
  ONBOARDING_DIALOG,
  OnboardingDialog,
  VERBS,
  type CardAction,
  type OnboardingDialogDependencies,
  type OnboardingOutcome,
} from './onboardingDialog';
import { newDraft, type DraftOwner } from './onboardingDraft';

export interface OnboardingSessionOptions extends OnboardingDialogDependencies {
  conversationState: ConversationState;
  draftTtlHours: number;
  /** Told when posting a submitted request for approval failed (the request is stored regardless). */
  onHookError?: (err: unknown, request: OnboardingRequest) => void;
}

/** When the draft was started and last touched (the expiry clock), and whose it is, for the expiry note. */
interface DraftClock {
  startedAt: string;
  touchedAt: string;
  teamsUserId?: string;
  name?: string;
}

const HOUR_MS = 3_600_000;
const DIALOG_PREFIX = 'onboardingDialog:';
const CLOCK_PREFIX = 'onboardingDraftClock:';

/** The operators (keys) with a draft in this conversation state that has been left alone longer than the TTL. */
export function staleDraftOperators(conversationStateValue: Record<string, unknown>, draftTtlHours: number, now = Date.now()): string[] {
  return Object.keys(conversationStateValue)
    .filter((name) => name.startsWith(CLOCK_PREFIX))
    .filter((name) => isStale(conversationStateValue[name] as DraftClock | undefined, draftTtlHours, now))
    .map((name) => name.slice(CLOCK_PREFIX.length));
}

function isStale(clock: DraftClock | undefined, draftTtlHours: number, now: number): boolean {
  return clock !== undefined && now - Date.parse(clock.touchedAt) > draftTtlHours * HOUR_MS;
}

export class OnboardingSession {
  private readonly dialog: OnboardingDialog;

  constructor(private readonly options: OnboardingSessionOptions) {
    this.dialog = new OnboardingDialog(options);
  }

  /** `onboard`: a new draft, or the open one where the operator left it. Sends the card as a message. */
  async start(context: TurnContext): Promise<void> {
    const operator = operatorOf(context);
    const expired = await this.expireIfStale(context, operator);
    if (expired) await sendCard(context, expired);
    const dc = await this.dialogsFor(operator).createContext(context);
    let resumed: string | undefined;
    if (dc.activeDialog) {
      const clock = await this.clockFor(operator).get(context);
      resumed = `You already have an onboarding draft open (started ${formatTime(clock?.startedAt)}): here is where you were. Type cancel to drop it.`;
      context.turnState.set(CARD_ACTION_KEY, { verb: VERBS.resume, data: {} } satisfies CardAction);
      await dc.continueDialog();
    } else {
      await dc.beginDialog(ONBOARDING_DIALOG, newDraft(randomUUID(), operator, new Date()));
    }
    await this.touch(context, operator);
    const card = cardToShow(context);
    // The "already open" line and the card in one message: one post to Teams instead of two.
    if (card) await sendCard(context, card, resumed);
    else if (resumed) await context.sendActivity(resumed);
  }

  /** A button on an onboarding card. Returns the card to show in its place. */
  async act(context: TurnContext, action: CardAction): Promise<AdaptiveCard> {
    const operator = operatorOf(context);
    const owner = typeof action.data.ownerId === 'string' ? action.data.ownerId : undefined;
    if (owner && owner !== operator.key) {
      const ownerName = typeof action.data.ownerName === 'string' ? action.data.ownerName : 'another operator';
      return noteCard(`This is ${ownerName}'s onboarding draft`, 'Only they can change it, so nothing changed. Type onboard to start your own.', 'Warning');
    }
    const expired = await this.expireIfStale(context, operator);
    if (expired) return expired;
    const dc = await this.dialogsFor(operator).createContext(context);
    if (!dc.activeDialog) {
      return noteCard('This onboarding draft is no longer open', 'It was submitted or cancelled. Type onboard to start a new one.');
    }
    context.turnState.set(CARD_ACTION_KEY, action);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.complete) return this.finish(context, operator, result.result as OnboardingOutcome);
    await this.touch(context, operator);
    return cardToShow(context) ?? noteCard('Nothing to show', 'Type onboard to see your draft.');
  }

  /** Bare `cancel`: drops the operator's open draft, if any. */
  async cancel(context: TurnContext): Promise<void> {
    const operator = operatorOf(context);
    const expired = await this.expireIfStale(context, operator);
    if (expired) return sendCard(context, expired);
    const dc = await this.dialogsFor(operator).createContext(context);
    if (!dc.activeDialog) {
      await context.sendActivity('You have no onboarding draft open, so there is nothing to cancel. To cancel a submitted request, type cancel and its id, e.g. cancel ONB-7F3K.');
      return;
    }
    await this.forget(context, operator.key);
    await sendCard(context, cancelledNote());
  }

  private async finish(context: TurnContext, operator: DraftOwner, outcome: OnboardingOutcome): Promise<AdaptiveCard> {
    await this.forget(context, operator.key);
    if (outcome.kind === 'cancelled') return cancelledNote();
    if (outcome.kind === 'already-submitted') {
      return noteCard('This draft was already submitted', 'Submit was clicked more than once; the first click made the request, which now waits for approval. Type onboard to start another.', 'Warning');
    }
    const request = outcome.request;
    let hookProblem = '';
    if (outcome.approvalProblem !== undefined) {
      this.options.onHookError?.(outcome.approvalProblem, request);
      hookProblem = ` The request is stored, but posting it for approval failed; type status ${request.id} and tell an administrator.`;
    }
    return noteCard(
      `Request ${request.id} submitted — waiting for approval`,
      `Nothing is created in Partner Center or Azure until an approver approves it. Type status ${request.id} to follow it.${hookProblem}`,
      hookProblem ? 'Warning' : 'Good',
      [
        { title: 'Customer', value: request.customer.companyName },
        { title: 'Registration', value: request.registration.name },
      ],
    );
  }

  /**
   * In a turn of a conversation (the expiry sweep's proactive one): discards every draft there left
   * alone longer than DRAFT_TTL_HOURS, tells each operator (mentioned), and saves the state.
   */
  async expireStaleDrafts(context: TurnContext): Promise<number> {
    const state = (await this.options.conversationState.load(context)) as Record<string, unknown>;
    const stale = staleDraftOperators(state, this.options.draftTtlHours);
    for (const key of stale) {
      const clock = state[`${CLOCK_PREFIX}${key}`] as DraftClock;
      await this.forget(context, key);
      await context.sendActivity(expiryMention(clock, this.options.draftTtlHours));
    }
    if (stale.length > 0) await this.options.conversationState.saveChanges(context);
    return stale.length;
  }

  /** Discards a draft left alone longer than DRAFT_TTL_HOURS; returns the note saying so. */
  private async expireIfStale(context: TurnContext, operator: DraftOwner): Promise<AdaptiveCard | undefined> {
    const clock = await this.clockFor(operator).get(context);
    if (!clock || !isStale(clock, this.options.draftTtlHours, Date.now())) return undefined;
    await this.forget(context, operator.key);
    return noteCard(
      'Your onboarding draft expired',
      `Your onboarding draft from ${formatTime(clock.startedAt)} expired after ${this.options.draftTtlHours} hours; type onboard to start again.`,
      'Warning',
    );
  }

  private async touch(context: TurnContext, operator: DraftOwner): Promise<void> {
    const accessor = this.clockFor(operator);
    const now = new Date().toISOString();
    const clock = await accessor.get(context);
    await accessor.set(context, { startedAt: clock?.startedAt ?? now, touchedAt: now, teamsUserId: operator.teamsUserId, name: operator.name });
  }

  private async forget(context: TurnContext, operatorKey: string): Promise<void> {
    await this.dialogStateFor(operatorKey).delete(context);
    await this.clockFor(operatorKey).delete(context);
  }

  private dialogsFor(operator: DraftOwner): DialogSet {
    return new DialogSet(this.dialogStateFor(operator.key)).add(this.dialog);
  }

  private dialogStateFor(operatorKey: string): StatePropertyAccessor<DialogState> {
    return this.options.conversationState.createProperty<DialogState>(`${DIALOG_PREFIX}${operatorKey}`);
  }

  private clockFor(operator: DraftOwner | string): StatePropertyAccessor<DraftClock> {
    const key = typeof operator === 'string' ? operator : operator.key;
    return this.options.conversationState.createProperty<DraftClock>(`${CLOCK_PREFIX}${key}`);
  }
}

/** The operator: their Entra object id when Teams sends it (it always does for signed-in users). */
export function operatorOf(context: TurnContext): DraftOwner {
  const { aadObjectId, teamsUserId, name } = actorFrom(context.activity);
  return { key: aadObjectId ?? (teamsUserId || 'unknown'), aadObjectId, teamsUserId, name };
}

/** The proactive expiry note, mentioning the operator (in a channel thread others read it too). */
function expiryMention(clock: DraftClock, draftTtlHours: number): Partial<Activity> {
  const name = clock.name ?? 'there';
  const words = `your onboarding draft from ${formatTime(clock.startedAt)} expired after ${draftTtlHours} hours; type onboard to start again.`;
  if (!clock.teamsUserId) return { type: 'message', text: `Hello ${markdownText(name)}: ${words}` };
  const at = `<at>${name}</at>`;
  return { type: 'message', text: `${at} ${words}`, entities: [{ type: 'mention', text: at, mentioned: { id: clock.teamsUserId, name } }] };
}

function cancelledNote(): AdaptiveCard {
  return noteCard('Onboarding draft cancelled', 'Nothing was submitted. Type onboard to start again.');
}

async function sendCard(context: TurnContext, card: AdaptiveCard, text?: string): Promise<void> {
  await context.sendActivity(MessageFactory.attachment(cardAttachment(card), text));
}

function formatTime(iso: string | undefined): string {
  if (!iso) return 'earlier';
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}
