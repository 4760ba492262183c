// The request card's buttons: approve, reject (asks for a reason), retry, abandon, continue, and the
// refresh Teams sends on its own. Only the request id and the verb are taken from the card; who
// clicked, from which tenant and conversation, and what the request looks like come from the
// activity and the store. Answered at once; the shared card is updated for everyone in the
// background, never while answering an automatic refresh (that loops).
import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import type { Actor, ApprovalPolicy } from '../../onboarding/requests/approvalPolicy';
import { actorFrom } from '../../bot/activity';
import { cardResponse, messageResponse as message } from '../../bot/invokeResponses';
import { type ServiceRequest, type RequestId, requestIdSchema } from '../../onboarding/model';
import { readableBy, type RequestLifecycle, type TransitionResult } from '../../onboarding/requests/requestLifecycle';
import type { RequestStore } from '../../onboarding/ports';
import type { CardActionHandler } from '../../bot/handlers';
import { type CardSettings, REQUEST_VERBS, requestCard } from '../../cards/requestCards';

export interface ApprovalActionsOptions {
  lifecycle: RequestLifecycle;
  policy: ApprovalPolicy;
  requests: RequestStore;
  cardSettings: Omit<CardSettings, 'warnings'>;
}

const MAX_REASON_LENGTH = 500;
const VERBS = new Set<string>(Object.values(REQUEST_VERBS));

export class ApprovalActions implements CardActionHandler {
  constructor(private readonly options: ApprovalActionsOptions) {}

  matches(verb: string): boolean {
    return VERBS.has(verb);
  }

  async handle(context: TurnContext, verb: string, data: Record<string, unknown>): Promise<AdaptiveCardInvokeResponse> {
    const parsed = requestIdSchema.safeParse(data.requestId);
    if (!parsed.success) return message('This card does not name a request I know.');
    const id = parsed.data;
    const actor = actorFrom(context.activity);
    const { lifecycle } = this.options;
    switch (verb) {
      case REQUEST_VERBS.refresh:
        return this.view(id, actor);
      case REQUEST_VERBS.approve:
        return this.answer(actor, await lifecycle.decide(id, actor, 'approved'));
      case REQUEST_VERBS.reject: {
        const may = await lifecycle.mayDecide(id, actor, 'rejected');
        return may.ok ? this.cardFor(may.request, actor, { askReason: true }) : this.answer(actor, may);
      }
      case REQUEST_VERBS.rejectConfirm: {
        const reason = typeof data.reason === 'string' ? data.reason.trim().slice(0, MAX_REASON_LENGTH) : '';
        if (!reason) {
          const may = await lifecycle.mayDecide(id, actor, 'rejected');
          if (!may.ok) return this.answer(actor, may);
          return this.cardFor(may.request, actor, { askReason: true, notice: 'Give a reason, so the requester knows what to change.' });
        }
        return this.answer(actor, await lifecycle.decide(id, actor, 'rejected', reason));
      }
      case REQUEST_VERBS.retry:
        return this.answer(actor, await lifecycle.retry(id, actor, 'card'));
      case REQUEST_VERBS.abandon:
        return this.answer(actor, await lifecycle.abandon(id, actor, 'card'));
      case REQUEST_VERBS.continue:
        return this.answer(actor, await lifecycle.continueAfterAgreement(id, actor));
      case REQUEST_VERBS.resubmit:
        return this.answer(actor, await lifecycle.resubmit(id, actor));
      case REQUEST_VERBS.consented:
        return this.answer(actor, await lifecycle.continueAfterConsent(id, actor));
      case REQUEST_VERBS.retryRow:
      case REQUEST_VERBS.abandonRow:
        return this.rowAction(id, actor, verb, data.rowRequestId);
      default:
        return message('This button is not one I know.');
    }
  }

  /**
   * Retry or Abandon one row of a bulk onboarding from the batch's card: the row must be one of this
   * batch's (the ids come from the card); the lifecycle authorises the click on the row as on any
   * request. The answer is the batch's card, which the batch's run keeps up to date.
   */
  private async rowAction(batchId: RequestId, actor: Actor, verb: string, rowData: unknown): Promise<AdaptiveCardInvokeResponse> {
    const rowId = requestIdSchema.safeParse(rowData);
    const batch = await this.options.requests.get(batchId);
    if (!batch || !readableBy(batch.value, actor)) return message(`There is no request ${batchId}.`);
    const isRow = batch.value.kind === 'bulk' && rowId.success && (batch.value.results.bulkRows ?? []).some((r) => r.requestId === rowId.data);
    if (!rowId.success || !isRow) return this.cardFor(batch.value, actor, { notice: 'That row is not one of this bulk onboarding.' });
    const { lifecycle } = this.options;
    const result = verb === REQUEST_VERBS.retryRow ? await lifecycle.retry(rowId.data, actor, 'card') : await lifecycle.abandon(rowId.data, actor, 'card');
    const fresh = (await this.options.requests.get(batchId))?.value ?? batch.value;
    const done = verb === REQUEST_VERBS.retryRow ? `${rowId.data} runs again from where it stopped.` : `${rowId.data} is abandoned.`;
    return this.cardFor(fresh, actor, { notice: result.ok ? done : result.message });
  }

  /** The refresh answer: the card as this viewer should see it. Changes nothing, updates nothing. */
  private async view(id: RequestId, actor: Actor): Promise<AdaptiveCardInvokeResponse> {
    const stored = await this.options.requests.get(id);
    if (!stored || !readableBy(stored.value, actor)) return message(`There is no request ${id}.`);
    return this.cardFor(stored.value, actor, {});
  }

  private async answer(actor: Actor, result: TransitionResult): Promise<AdaptiveCardInvokeResponse> {
    if (result.ok) return this.cardFor(result.request, actor, {});
    if (!result.request) return message(result.message);
    return this.cardFor(result.request, actor, { notice: result.message });
  }

  private async cardFor(request: ServiceRequest, actor: Actor, view: { askReason?: boolean; notice?: string }): Promise<AdaptiveCardInvokeResponse> {
    // A failed run's card offers Retry / Abandon; every other card, the decision.
    const { policy } = this.options;
    const runControl = request.status === 'failed' || (request.kind === 'bulk' && request.status !== 'pending_approval');
    const authorization = runControl ? await policy.authorizeRunControl(request, actor) : await policy.authorizeDecision(request, actor);
    const showButtons = authorization.allowed;
    const card = requestCard(request, this.options.cardSettings, { showButtons, askReason: view.askReason, notice: view.notice });
    return cardResponse(card);
  }
}
