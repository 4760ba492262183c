// The request's life after submit: approval card, decision, cancel, retry, abandon and the Continue
// after a customer-agreement pause. Every transition is a compare-and-set on the stored request
// (the first writer wins; a loser re-reads and is told what happened) and leaves an audit entry,
// refusals included.
import { randomUUID } from 'crypto';
import type { Actor, ApprovalPolicy, Authorization, DecisionOrigin, RefusalReason } from './approvalPolicy';
import { pausedStep, type AuditEntry, type ServiceRequest, type RequestId, type RequestStatus } from '../model';
import { ConcurrencyError, type AttentionReason, type AuditLog, type LeaseStore, type RequestStore, type RunNotifier, type Versioned } from '../ports';

export type TransitionResult =
  | { ok: true; request: ServiceRequest }
  | { ok: false; reason: RefusalReason; message: string; request?: ServiceRequest };

export interface RequestLifecycle {
  /** The intake stored a new request (pending_approval): post the approval card and record where it went. */
  requestApproval(request: ServiceRequest): Promise<void>;
  /** `origin`: the request's card (default) or the approver's `pending` inbox. */
  decide(id: RequestId, actor: Actor, outcome: 'approved' | 'rejected', reason?: string, origin?: DecisionOrigin): Promise<TransitionResult>;
  /** Could this actor decide now? Writes nothing but the audit entry of a refusal (e.g. before asking for a reject reason). */
  mayDecide(id: RequestId, actor: Actor, outcome: 'approved' | 'rejected', origin?: DecisionOrigin): Promise<TransitionResult>;
  /**
   * Posts the approval card of every pending request that has none: the bot stopped between storing
   * and posting, or Teams or the directory failed when it tried. Run at start-up and periodically.
   */
  postMissingApprovals(): Promise<void>;
  /** Before the run starts (requester or approver). A failed run is abandoned instead (approvers). */
  cancel(id: RequestId, actor: Actor): Promise<TransitionResult>;
  retry(id: RequestId, actor: Actor, from: 'card' | 'command'): Promise<TransitionResult>;
  abandon(id: RequestId, actor: Actor, from: 'card' | 'command'): Promise<TransitionResult>;
  /** An approver confirmed the customer agreement in Partner Center and clicked Continue. */
  continueAfterAgreement(id: RequestId, actor: Actor): Promise<TransitionResult>;
  /** Its requester submits an expired request again (from its card): it waits for approval afresh. */
  resubmit(id: RequestId, actor: Actor): Promise<TransitionResult>;
  /**
   * Reminds the approvers of every request waiting longer than the reminder period (once per period)
   * and expires those waiting longer than the expiry period. Safe on every instance at once: each
   * request is handled under a lease and written by compare-and-set. Returns what it did.
   */
  sweepWaitingApprovals(): Promise<{ reminded: RequestId[]; expired: RequestId[] }>;
  /** An operator clicked "The customer has consented": the run checks the directory on the stamp again. */
  continueAfterConsent(id: RequestId, actor: Actor): Promise<TransitionResult>;
}

/** APPROVAL_REMIND_HOURS and APPROVAL_EXPIRE_HOURS, in milliseconds. */
export interface ApprovalTimers {
  remindAfterMs: number;
  expireAfterMs: number;
}

export interface RequestLifecycleDeps {
  requests: RequestStore;
  audit: AuditLog;
  policy: ApprovalPolicy;
  notifier: RunNotifier;
  /** The runner: picks an approved / resumed request up in the background. */
  runs: { schedule(id: RequestId): void };
  now?: () => Date;
  logger?: { warn(obj: object, msg: string): void };
  /**
   * Several instances look for requests whose approval card was never posted (at start-up and
   * periodically), while one may be posting it at submit. A lease per request lets one of them post it.
   */
  leases?: LeaseStore;
  /** Reminders and expiry of waiting requests; without it the sweep does nothing. */
  timers?: ApprovalTimers;
}

/** Long enough to post one card and record it; a crashed poster's claim lapses after this. */
const APPROVAL_POST_LEASE_MS = 60_000;

/**
 * Long enough to remind or expire one request; short, so that when an instance dies holding it
 * another acts well within the 30 s promised after a reminder or an expiry falls due.
 */
const APPROVAL_WAIT_LEASE_MS = 15_000;

/** A compare-and-set can lose to another writer (a card-ref update, a concurrent click); re-read and decide again. */
const MAX_CAS_ATTEMPTS = 8;

interface TransitionSpec {
  /** Audit verb, e.g. `approved`; refusals are audited as `<verb>-refused`. */
  action: string;
  from: readonly RequestStatus[];
  authorize(request: ServiceRequest): Promise<Authorization>;
  apply(request: ServiceRequest, at: string): ServiceRequest;
  detail(request: ServiceRequest): string;
  /** Start (or resume) the run afterwards (given the written request: an approval may still wait for another). */
  startsRun?: boolean | ((request: ServiceRequest) => boolean);
  /** A reply that mentions people, after the write. */
  attention?: AttentionReason;
}

export function createRequestLifecycle(deps: RequestLifecycleDeps): RequestLifecycle {
  const now = deps.now ?? (() => new Date());

  async function audit(request: { id: RequestId }, actor: Actor | 'bot', action: string, detail: string, data?: Record<string, string>) {
    await deps.audit.append(auditEntry(request, actor, action, detail, data));
  }

  function auditEntry(request: { id: RequestId }, actor: Actor | 'bot', action: string, detail: string, data?: Record<string, string>): AuditEntry {
    return {
      requestId: request.id,
      at: now().toISOString(),
      actor: actor === 'bot' ? 'bot' : (actor.aadObjectId ?? actor.teamsUserId),
      actorName: actor === 'bot' ? undefined : actor.name,
      action,
      detail,
      data,
    };
  }

  /** The decision and its trail entry: one commit where the store can (a click waits for one disk flush, not two). */
  async function writeAudited(request: ServiceRequest, etag: string, actor: Actor, action: string, detail: (r: ServiceRequest) => string): Promise<Versioned<ServiceRequest>> {
    const entry = auditEntry(request, actor, action, detail(request));
    if (deps.requests.replaceAndAudit) return deps.requests.replaceAndAudit(request, etag, [entry]);
    const written = await deps.requests.replace(request, etag);
    await deps.audit.append(entry);
    return written;
  }

  async function refuse(id: RequestId, actor: Actor, spec: TransitionSpec, reason: RefusalReason, message: string, request?: ServiceRequest): Promise<TransitionResult> {
    await audit({ id }, actor, `${spec.action}-refused`, message, { reason, conversationId: actor.conversationId, tenantId: actor.tenantId ?? '' });
    return { ok: false, reason, message, request };
  }

  /**
   * The request as this actor may read it: another organisation's request does not exist for them.
   * The probe is still audited on the request (it exists); the answer says nothing about it.
   */
  async function readFor(id: RequestId, actor: Actor, spec: TransitionSpec): Promise<Versioned<ServiceRequest> | TransitionResult> {
    const current = await deps.requests.get(id);
    if (!current) return unknownRequest(id, actor, spec);
    if (!readableBy(current.value, actor)) {
      await audit({ id }, actor, `${spec.action}-refused`, 'Refused: the request belongs to another organisation.', { reason: 'wrong-tenant', conversationId: actor.conversationId, tenantId: actor.tenantId ?? '' });
      return { ok: false, reason: 'wrong-tenant', message: noSuchRequest(id) };
    }
    return current;
  }

  /** A click on a request that does not exist is counted in the log, never audited: anyone can make up ids. */
  let unknownRequestRefusals = 0;
  function unknownRequest(id: RequestId, actor: Actor, spec: TransitionSpec): TransitionResult {
    unknownRequestRefusals++;
    deps.logger?.warn(
      { action: spec.action, requestId: id, actor: actor.aadObjectId ?? actor.teamsUserId, tenantId: actor.tenantId, unknownRequestRefusals },
      'refused an action on a request that does not exist (not audited)',
    );
    return { ok: false, reason: 'unknown-request', message: noSuchRequest(id) };
  }

  async function transition(id: RequestId, actor: Actor, spec: TransitionSpec): Promise<TransitionResult> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await readFor(id, actor, spec);
      if ('ok' in current) return current;
      const authorization = await spec.authorize(current.value);
      if (!authorization.allowed) return refuse(id, actor, spec, authorization.reason, authorization.message, current.value);
      if (!spec.from.includes(current.value.status)) {
        const reason = spec.from.includes('pending_approval') ? 'already-decided' : 'wrong-state';
        return refuse(id, actor, spec, reason, describeState(current.value), current.value);
      }
      const at = now().toISOString();
      let written: Versioned<ServiceRequest>;
      try {
        written = await writeAudited({ ...spec.apply(current.value, at), updatedAt: at }, current.etag, actor, spec.action, spec.detail);
      } catch (e) {
        if (e instanceof ConcurrencyError) continue;
        throw e;
      }
      // The click is answered at once; the shared card follows in the background.
      void notify(written.value);
      if (typeof spec.startsRun === 'function' ? spec.startsRun(written.value) : spec.startsRun) deps.runs.schedule(id);
      if (spec.attention) void callAttention(written.value, spec.attention);
      return { ok: true, request: written.value };
    }
    return refuse(id, actor, spec, 'already-decided', `Request ${id} is changing right now; try again in a moment.`);
  }

  async function callAttention(request: ServiceRequest, reason: AttentionReason) {
    try {
      await deps.notifier.attentionNeeded?.(request, reason);
    } catch (e) {
      deps.logger?.warn({ requestId: request.id, reason, err: (e as Error).message }, 'could not post the reply that mentions people');
    }
  }

  /** The shared card follows the request; a failed update must not undo a stored decision. */
  async function notify(request: ServiceRequest) {
    try {
      await deps.notifier.requestChanged(request);
    } catch (e) {
      deps.logger?.warn({ requestId: request.id, err: (e as Error).message }, 'could not update the request card');
    }
  }

  const asApprover = (actor: Actor, origin: DecisionOrigin = 'card') => (request: ServiceRequest) => deps.policy.authorizeDecision(request, actor, origin);
  /** Commands come from any chat: approver and tenant are checked, the card's conversation is not. */
  const asOperator = (actor: Actor, from: 'card' | 'command') => async (request: ServiceRequest): Promise<Authorization> => {
    if (from === 'card') return deps.policy.authorizeRunControl(request, actor);
    if (!actor.tenantId || actor.tenantId.toLowerCase() !== request.teamsTenantId.toLowerCase()) {
      return { allowed: false, reason: 'wrong-tenant', message: 'This request belongs to another organisation.' };
    }
    if (!(await deps.policy.isApprover(actor.aadObjectId))) {
      return { allowed: false, reason: 'not-approver', message: `Only approvers can change request ${request.id}.` };
    }
    return { allowed: true };
  };

  return {
    async requestApproval(request) {
      // The sweep may have found it already (it lists every pending request without a card).
      await withApprovalPostClaim(request.id, async () => {
        const posting = await deps.notifier.approvalRequested(request);
        if (!posting) {
          await audit(request, 'bot', 'approval-unreachable', 'No approver could be reached: the approval card was not posted anywhere. The bot tries again periodically.');
          return;
        }
        await recordApprovalCard(request.id, posting.card, posting.copies);
        await audit(request, 'bot', 'approval-requested', `Approval card posted to ${posting.card.conversationId}${posting.copies.length ? ` and ${posting.copies.length} more chat(s)` : ''}.`);
      });
    },

    decide(id, actor, outcome, reason, origin = 'card') {
      if (outcome === 'rejected') {
        // A single Reject ends it, whatever approvals it has collected.
        return transition(id, actor, {
          action: outcome,
          from: ['pending_approval'],
          authorize: asApprover(actor, origin),
          apply: (r, at) => ({ ...r, status: 'rejected', decision: { outcome, at, reason: reason?.trim() || undefined, by: personOf(actor) } }),
          detail: (r) => `Rejected by ${actor.name}${origin === 'inbox' ? ' from their pending inbox' : ''}: ${r.decision?.reason ?? 'no reason given'}.`,
        });
      }
      return transition(id, actor, {
        action: outcome,
        from: ['pending_approval'],
        authorize: (r) => deps.policy.authorizeApproval(r, actor, origin),
        apply: (r, at) => {
          const decision = { outcome, at, by: personOf(actor) };
          const required = deps.policy.approvalsRequired(r);
          if (required <= 1) return { ...r, status: 'approved', decision };
          // The two-person rule: each distinct approver is counted under the same compare-and-set, so
          // two clicks at once make one count each and exactly one of them approves.
          const approvals = [...(r.approvals ?? []), { by: decision.by, at }];
          return approvals.length >= required ? { ...r, approvals, status: 'approved', decision } : { ...r, approvals };
        },
        detail: (r) => {
          const required = deps.policy.approvalsRequired(r);
          const from = origin === 'inbox' ? ' from their pending inbox' : '';
          return required <= 1 ? `Approved by ${actor.name}${from}.` : `Approved by ${actor.name}${from} (${r.approvals?.length ?? 0} of ${required} approvals).`;
        },
        startsRun: (r) => r.status === 'approved',
      });
    },

    async mayDecide(id, actor, outcome, origin = 'card') {
      const spec: TransitionSpec = {
        action: outcome,
        from: ['pending_approval'],
        authorize: outcome === 'approved' ? (r) => deps.policy.authorizeApproval(r, actor, origin) : asApprover(actor, origin),
        apply: (r) => r,
        detail: () => '',
      };
      const current = await readFor(id, actor, spec);
      if ('ok' in current) return current;
      const authorization = await spec.authorize(current.value);
      if (!authorization.allowed) return refuse(id, actor, spec, authorization.reason, authorization.message, current.value);
      if (current.value.status !== 'pending_approval') return refuse(id, actor, spec, 'already-decided', describeState(current.value), current.value);
      return { ok: true, request: current.value };
    },

    async postMissingApprovals() {
      for (const listed of await deps.requests.list({ status: ['pending_approval'] })) {
        if (listed.value.approvalCard) continue;
        await withApprovalPostClaim(listed.value.id, async () => {
          // Another instance may have posted it between our listing and our claim.
          const value = (await deps.requests.get(listed.value.id))?.value;
          if (!value || value.status !== 'pending_approval' || value.approvalCard) return;
          const posting = await deps.notifier.approvalRequested(value);
          if (!posting) return;
          await recordApprovalCard(value.id, posting.card, posting.copies);
          await audit(value, 'bot', 'approval-requested', `Approval card posted to ${posting.card.conversationId} (late: it could not be posted at submit).`);
        });
      }
    },

    async cancel(id, actor) {
      const current = await deps.requests.get(id);
      if (current && readableBy(current.value, actor) && current.value.status === 'failed') return this.abandon(id, actor, 'command');
      return transition(id, actor, {
        action: 'cancelled',
        from: ['pending_approval', 'approved'],
        authorize: async (r) =>
          actor.aadObjectId?.toLowerCase() === r.requester.aadObjectId.toLowerCase() && actor.tenantId?.toLowerCase() === r.teamsTenantId.toLowerCase()
            ? { allowed: true }
            : asOperator(actor, 'command')(r),
        apply: (r) => ({ ...r, status: 'cancelled' }),
        detail: () => `Cancelled by ${actor.name} before the run started.`,
      });
    },

    retry(id, actor, from) {
      return transition(id, actor, {
        action: 'retried',
        from: ['failed'],
        authorize: asOperator(actor, from),
        apply: (r) => ({ ...r, status: 'running', steps: r.steps.map((s) => (s.status === 'failed' ? { ...s, status: 'waiting', error: undefined } : s)) }),
        detail: (r) => `Retry requested by ${actor.name}; the run continues from ${r.steps.find((s) => s.status === 'waiting')?.name ?? 'where it stopped'}.`,
        startsRun: true,
      });
    },

    abandon(id, actor, from) {
      return transition(id, actor, {
        action: 'abandoned',
        from: ['failed', 'paused'],
        authorize: asOperator(actor, from),
        apply: (r) => ({ ...r, status: 'abandoned' }),
        detail: () => `Abandoned by ${actor.name}. Anything already created stays as it is (see the steps).`,
      });
    },

    continueAfterAgreement(id, actor) {
      return transition(id, actor, {
        action: 'agreement-continued',
        from: ['paused'],
        authorize: async (r) =>
          pausedStep(r) === 'customer-agreement' ? asApprover(actor)(r) : { allowed: false, reason: 'wrong-state', message: `${r.id} is not waiting for the customer agreement.` },
        apply: (r) => ({
          ...r,
          status: 'running',
          results: { ...r.results, agreementContinuedBy: actor.aadObjectId },
          steps: r.steps.map((s) => (s.name === 'customer-agreement' && s.status !== 'done' ? { ...s, status: 'waiting' } : s)),
        }),
        detail: () => `${actor.name} confirmed the customer agreement in Partner Center and clicked Continue.`,
        startsRun: true,
      });
    },

    resubmit(id, actor) {
      return transition(id, actor, {
        action: 'resubmitted',
        from: ['expired'],
        authorize: async (r) =>
          actor.aadObjectId?.toLowerCase() === r.requester.aadObjectId.toLowerCase() && actor.tenantId?.toLowerCase() === r.teamsTenantId.toLowerCase()
            ? { allowed: true }
            : { allowed: false, reason: 'not-requester', message: `Only ${r.requester.name}, who made request ${r.id}, can submit it again.` },
        apply: (r, at) => ({ ...r, status: 'pending_approval', approvals: undefined, decision: undefined, waitingSince: at, remindersSent: 0 }),
        detail: () => `Submitted again by ${actor.name} after it expired; it waits for approval afresh.`,
        attention: 'resubmitted',
      });
    },

    async sweepWaitingApprovals() {
      const done = { reminded: [] as RequestId[], expired: [] as RequestId[] };
      const timers = deps.timers;
      if (!timers) return done;
      for (const id of await deps.requests.ids({ status: ['pending_approval'] })) {
        try {
          // Most sweeps find nothing due: a read, and no lease write, for those.
          const listed = (await deps.requests.get(id))?.value;
          if (!listed || !dueAction(listed, timers)) continue;
          const acted = await withLease(`approval-wait:${id}`, () => remindOrExpire(id, timers), APPROVAL_WAIT_LEASE_MS);
          if (acted === 'reminded') done.reminded.push(id);
          if (acted === 'expired') done.expired.push(id);
        } catch (e) {
          deps.logger?.warn({ requestId: id, err: (e as Error).message }, 'could not remind or expire a waiting request; the next sweep tries again');
        }
      }
      return done;
    },
    continueAfterConsent(id, actor) {
      return transition(id, actor, {
        action: 'stamp-consent-continued',
        from: ['paused'],
        authorize: async (r) => {
          if (pausedStep(r) !== 'stamp-consent' || r.kind !== 'onboard' || !r.stamp) return { allowed: false, reason: 'wrong-state', message: `${r.id} is not waiting for the customer's consent.` };
          return asOperator(actor, 'card')(r);
        },
        apply: (r) => ({
          ...r,
          status: 'running',
          results: { ...r.results, stampConsentContinuedBy: actor.aadObjectId },
        }),
        detail: () => `${actor.name} said the customer has consented; the run checks the directory on the Azure Stack Hub.`,
        startsRun: true,
      });
    },
  };

  /** What the sweep owes a waiting request now, if anything. */
  function dueAction(request: ServiceRequest, timers: ApprovalTimers): 'remind' | 'expire' | undefined {
    if (request.status !== 'pending_approval') return undefined;
    const waited = now().getTime() - Date.parse(request.waitingSince ?? request.createdAt);
    if (waited >= timers.expireAfterMs) return 'expire';
    return Math.floor(waited / timers.remindAfterMs) > (request.remindersSent ?? 0) ? 'remind' : undefined;
  }

  /**
   * One waiting request, under its lease: expire it when its time is up, else post the reminder that
   * is due (one, however many periods passed while no instance ran). The count is written before the
   * reply is posted, so a reminder is never posted twice (a crash in between loses that one).
   */
  async function remindOrExpire(id: RequestId, timers: ApprovalTimers): Promise<'reminded' | 'expired' | undefined> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await deps.requests.get(id);
      const action = current && dueAction(current.value, timers);
      if (!current || !action) return undefined;
      const request = current.value;
      const waited = now().getTime() - Date.parse(request.waitingSince ?? request.createdAt);
      const at = now().toISOString();
      if (action === 'expire') {
        let written: Versioned<ServiceRequest>;
        try {
          written = await deps.requests.replace({ ...request, status: 'expired', updatedAt: at }, current.etag);
        } catch (e) {
          if (e instanceof ConcurrencyError) continue;
          throw e;
        }
        await audit(written.value, 'bot', 'expired', `Expired: nobody decided within ${hoursText(timers.expireAfterMs)}. Nothing was run; ${request.requester.name} can submit it again from its card.`);
        void notify(written.value);
        await callAttention(written.value, 'expired');
        return 'expired';
      }
      const due = Math.floor(waited / timers.remindAfterMs);
      let written: Versioned<ServiceRequest>;
      try {
        written = await deps.requests.replace({ ...request, remindersSent: due }, current.etag);
      } catch (e) {
        if (e instanceof ConcurrencyError) continue;
        throw e;
      }
      await audit(written.value, 'bot', 'reminded', `Reminded the approvers: waiting for approval for ${hoursText(waited)}.`);
      await callAttention(written.value, 'reminder');
      return 'reminded';
    }
    return undefined;
  }

  /** Runs `work` holding a lease (skipped when another instance holds it), released afterwards. */
  async function withLease<T>(name: string, work: () => Promise<T>, ttlMs = APPROVAL_POST_LEASE_MS): Promise<T | undefined> {
    const owner = `approvals-${randomUUID()}`;
    if (deps.leases && !(await deps.leases.acquire(name, owner, ttlMs))) return undefined;
    try {
      return await work();
    } finally {
      await deps.leases?.release(name, owner).catch(() => undefined);
    }
  }

  /**
   * Runs `post` holding the request's approval-post lease, so a sweep and a submit (or two
   * instances' sweeps) never post the same card twice; skipped when another holds it. Released
   * afterwards, so the next sweep can try again at once when this attempt failed.
   */
  async function withApprovalPostClaim(id: RequestId, post: () => Promise<void>): Promise<void> {
    await withLease(`approval-post:${id}`, post);
  }

  async function recordApprovalCard(id: RequestId, card: ServiceRequest['approvalCard'], copies: ServiceRequest['approvalCopies']) {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await deps.requests.get(id);
      if (!current) return;
      try {
        await deps.requests.replace({ ...current.value, approvalCard: card, approvalCopies: copies }, current.etag);
        return;
      } catch (e) {
        if (!(e instanceof ConcurrencyError)) throw e;
      }
    }
    throw new Error(`Could not record the approval card of ${id}: the request kept changing.`);
  }
}

/** Every read of a request is scoped to the caller's Teams tenant: another organisation's request does not exist for them. */
export function readableBy(request: ServiceRequest, actor: Pick<Actor, 'tenantId'>): boolean {
  return Boolean(actor.tenantId) && actor.tenantId!.toLowerCase() === request.teamsTenantId.toLowerCase();
}

function noSuchRequest(id: RequestId): string {
  return `There is no request ${id}.`;
}

function personOf(actor: Actor) {
  return { aadObjectId: (actor.aadObjectId ?? '').toLowerCase() as ServiceRequest['requester']['aadObjectId'], teamsUserId: actor.teamsUserId, name: actor.name };
}

/** What a late or concurrent click is told: who decided, when, and where the request is now. */
export function describeState(request: ServiceRequest): string {
  const d = request.decision;
  const decided = d ? `${d.outcome === 'approved' ? 'approved' : 'rejected'} by ${d.by.name} at ${d.at}` : undefined;
  switch (request.status) {
    case 'pending_approval':
      return `Request ${request.id} is waiting for approval${request.approvals?.length ? ` (approved so far by ${request.approvals.map((a) => a.by.name).join(', ')})` : ''}.`;
    case 'expired':
      return `Request ${request.id} expired: nobody decided in time. Its requester can submit it again from its card.`;
    case 'rejected':
      return `Request ${request.id} was already ${decided}${d?.reason ? ` (${d.reason})` : ''}.`;
    case 'cancelled':
      return `Request ${request.id} was cancelled.`;
    case 'abandoned':
      return `Request ${request.id} was abandoned.`;
    case 'succeeded':
      return `Request ${request.id} was already ${decided}; the run finished.`;
    case 'failed':
      return `Request ${request.id} was already ${decided}; the run failed and waits for Retry or Abandon.`;
    case 'paused':
      return `Request ${request.id} was already ${decided}; the run waits for the customer agreement.`;
    default:
      return `Request ${request.id} was already ${decided}; the run is in progress.`;
  }
}

/** e.g. "1.5 hours", "7 days". */
function hoursText(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours >= 48 && Number.isInteger(hours / 24)) return `${hours / 24} days`;
  return `${Number(hours.toFixed(2))} hour${hours === 1 ? '' : 's'}`;
}
