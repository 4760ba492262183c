// `pending`: what waits for this person. For an approver, the requests waiting for their decision;
// for an operator, their own open requests. Each row has the request card's buttons (Approve,
// Reject with a reason, Cancel), decided by the same lifecycle and policy as the card: only the
// request id comes from the card, and an inbox decision is checked like a card's except for the
// conversation (the inbox is the approver's own card, wherever they typed `pending`).
import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { actorFrom } from '../../bot/activity';
import type { CardActionHandler, CommandHandler } from '../../bot/handlers';
import { cardResponse, messageResponse } from '../../bot/invokeResponses';
import { INBOX_PAGE_SIZE, INBOX_VERBS, renderInboxCard, type InboxRowModel } from '../../cards/inboxCard';
import { cardAttachment } from '../../cards/render';
import { requestTitle, stepLabel } from '../../cards/requestView';
import { requestIdSchema, type RequestStatus, type ServiceRequest } from '../../onboarding/model';
import type { RequestStore } from '../../onboarding/ports';
import type { Actor, ApprovalPolicy } from '../../onboarding/requests/approvalPolicy';
import { readableBy, type RequestLifecycle, type TransitionResult } from '../../onboarding/requests/requestLifecycle';

export interface PendingInboxOptions {
  requests: RequestStore;
  policy: ApprovalPolicy;
  lifecycle: RequestLifecycle;
  simulated: boolean;
  now?: () => Date;
}

/** A requester's requests that are not over yet. */
const OPEN: RequestStatus[] = ['pending_approval', 'approved', 'running', 'paused', 'failed'];
const MAX_REASON_LENGTH = 500;

export function createPendingInbox(options: PendingInboxOptions): { command: CommandHandler; actions: CardActionHandler } {
  const now = options.now ?? (() => new Date());

  async function rowsFor(actor: Actor): Promise<{ rows: InboxRowModel[]; approver: boolean }> {
    const approver = await options.policy.isApprover(actor.aadObjectId);
    const me = actor.aadObjectId?.toLowerCase();
    const open = (await options.requests.list({ status: OPEN })).map((v) => v.value).filter((r) => readableBy(r, actor));
    const oldestFirst = (a: ServiceRequest, b: ServiceRequest) => waitingSince(a).localeCompare(waitingSince(b)) || a.id.localeCompare(b.id);
    const toDecide: InboxRowModel[] = [];
    if (approver) {
      for (const r of open.filter((x) => x.status === 'pending_approval').sort(oldestFirst)) {
        if ((r.approvals ?? []).some((a) => a.by.aadObjectId.toLowerCase() === me)) continue;
        if (!(await options.policy.mayApprove(r, actor.aadObjectId))) continue;
        toDecide.push({ requestId: r.id, title: requestTitle(r), line: decisionLine(r), canDecide: true, canCancel: false });
      }
    }
    const mine = open
      .filter((r) => r.requester.aadObjectId.toLowerCase() === me && !toDecide.some((row) => row.requestId === r.id))
      .sort(oldestFirst)
      .map((r) => ({ requestId: r.id, title: requestTitle(r), line: ownLine(r), canDecide: false, canCancel: r.status === 'pending_approval' || r.status === 'approved' }));
    return { rows: [...toDecide, ...mine], approver };
  }

  function decisionLine(r: ServiceRequest): string {
    const required = options.policy.approvalsRequired(r);
    const votes = r.approvals ?? [];
    const count = required > 1 ? ` · ${votes.length} of ${required} approvals${votes.length ? ` (${votes.map((v) => v.by.name).join(', ')})` : ''}` : '';
    return `Waiting for your decision for ${age(waitingSince(r))} · requested by ${r.requester.name}${count}`;
  }

  function ownLine(r: ServiceRequest): string {
    switch (r.status) {
      case 'pending_approval':
        return `Your request · waiting for approval for ${age(waitingSince(r))}`;
      case 'paused':
        return `Your request · paused for ${age(r.updatedAt)}: waiting for the customer agreement`;
      case 'failed':
        return `Your request · failed ${age(r.updatedAt)} ago at ${stepLabel(r.steps.find((s) => s.status === 'failed')?.name ?? '')}: an approver can Retry or Abandon it`;
      default: {
        const step = r.steps.find((s) => s.status === 'running');
        return `Your request · ${r.status === 'approved' ? 'approved, starting' : `running${step ? `: ${stepLabel(step.name)}` : ''}`}`;
      }
    }
  }

  function age(sinceIso: string): string {
    const minutes = Math.max(0, Math.floor((now().getTime() - Date.parse(sinceIso)) / 60_000));
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} days`;
  }

  async function inboxCard(actor: Actor, requestedPage: number, notice = '') {
    const { rows, approver } = await rowsFor(actor);
    const pageCount = Math.max(1, Math.ceil(rows.length / INBOX_PAGE_SIZE));
    const page = Math.min(Math.max(1, requestedPage), pageCount);
    const waiting = rows.filter((r) => r.canDecide).length;
    return renderInboxCard({
      heading: approver ? 'Pending: waiting for your decision' : 'Pending: your open requests',
      summary: `${waiting ? `${waiting} waiting for you · ` : ''}${rows.length - waiting} of your own open · page ${page} of ${pageCount}`,
      simulated: options.simulated,
      notice,
      emptyText: approver ? 'Nothing waits for your decision, and you have no open requests.' : 'You have no open requests. Type onboard to start one.',
      page,
      pageCount,
      rows: rows.slice((page - 1) * INBOX_PAGE_SIZE, page * INBOX_PAGE_SIZE),
    });
  }

  const command: CommandHandler = {
    command: 'pending',
    usage: 'pending [page]: what waits for your decision (approvers) and your own open requests, with Approve, Reject and Cancel',
    requires: 'operator',
    async handle(context: TurnContext, args: string) {
      const card = await inboxCard(actorFrom(context.activity), parsePage(args));
      await context.sendActivity({ attachments: [cardAttachment(card)] });
    },
  };

  const verbs = new Set<string>(Object.values(INBOX_VERBS));
  const actions: CardActionHandler = {
    requires: 'operator',
    matches: (verb) => verbs.has(verb),
    async handle(context, verb, data): Promise<AdaptiveCardInvokeResponse> {
      const actor = actorFrom(context.activity);
      const page = parsePage(data.page);
      if (verb === INBOX_VERBS.page) return cardResponse(await inboxCard(actor, page));
      const parsed = requestIdSchema.safeParse(data.requestId);
      if (!parsed.success) return messageResponse('This card does not name a request I know.');
      const id = parsed.data;
      let result: TransitionResult;
      if (verb === INBOX_VERBS.approve) {
        result = await options.lifecycle.decide(id, actor, 'approved', undefined, 'inbox');
      } else if (verb === INBOX_VERBS.reject) {
        const typed = data[`reason-${id}`];
        const reason = typeof typed === 'string' ? typed.trim().slice(0, MAX_REASON_LENGTH) : '';
        if (!reason) return cardResponse(await inboxCard(actor, page, `Give a reason to reject ${id}, so the requester knows what to change.`));
        result = await options.lifecycle.decide(id, actor, 'rejected', reason, 'inbox');
      } else {
        result = await options.lifecycle.cancel(id, actor);
      }
      return cardResponse(await inboxCard(actor, page, result.ok ? doneText(result.request) : result.message));
    },
  };

  return { command, actions };
}

function waitingSince(r: ServiceRequest): string {
  return r.waitingSince ?? r.createdAt;
}

function doneText(r: ServiceRequest): string {
  switch (r.status) {
    case 'approved':
      return `Approved ${r.id}: the run starts.`;
    case 'pending_approval':
      return `Your approval of ${r.id} is counted (${r.approvals?.length ?? 0} so far); it needs another approver.`;
    case 'rejected':
      return `Rejected ${r.id}.`;
    case 'cancelled':
      return `Cancelled ${r.id}; nothing was changed in Partner Center or Azure.`;
    default:
      return `${r.id} is ${r.status}.`;
  }
}

function parsePage(value: unknown): number {
  const n = typeof value === 'number' ? value : Number.parseInt(String(value ?? '').trim().split(/\s+/)[0] || '1', 10);
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : 1;
}
