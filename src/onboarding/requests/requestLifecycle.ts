// The request's life after submit: approval card, decision, cancel, retry, abandon and the Continue
// after a customer-agreement pause. Every transition is a compare-and-set on the stored request
// (the first writer wins; a loser re-reads and is told what happened) and leaves an audit entry,
// refusals included.
import { randomUUID } from 'crypto';
import type { Actor, ApprovalPolicy, Authorization, RefusalReason } from './approvalPolicy';
import type { ServiceRequest, RequestId, RequestStatus } from '../model';
import { ConcurrencyError, type AuditLog, type LeaseStore, type RequestStore, type RunNotifier, type Versioned } from '../ports';

export type TransitionResult =
  | { ok: true; request: ServiceRequest }
  | { ok: false; reason: RefusalReason; message: string; request?: ServiceRequest };

export interface RequestLifecycle {
  /** The intake stored a new request (pending_approval): post the approval card and record where it went. */
  requestApproval(request: ServiceRequest): Promise<void>;
  decide(id: RequestId, actor: Actor, outcome: 'approved' | 'rejected', reason?: string): Promise<TransitionResult>;
  /** Could this actor decide now? Writes nothing but the audit entry of a refusal (e.g. before asking for a reject reason). */
  mayDecide(id: RequestId, actor: Actor, outcome: 'approved' | 'rejected'): Promise<TransitionResult>;
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
  /** An operator clicked "The customer has consented": the run checks the directory on the stamp again. */
  continueAfterConsent(id: RequestId, actor: Actor): Promise<TransitionResult>;
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
}

/** Long enough to post one card and record it; a crashed poster's claim lapses after this. */
const APPROVAL_POST_LEASE_MS = 60_000;

/** A compare-and-set can lose to another writer (a card-ref update, a concurrent click); re-read and decide again. */
const MAX_CAS_ATTEMPTS = 8;

interface TransitionSpec {
  /** Audit verb, e.g. `approved`; refusals are audited as `<verb>-refused`. */
  action: string;
  from: readonly RequestStatus[];
  authorize(request: ServiceRequest): Promise<Authorization>;
  apply(request: ServiceRequest, at: string): ServiceRequest;
  detail(request: ServiceRequest): string;
  /** Start (or resume) the run afterwards. */
  startsRun?: boolean;
}

export function createRequestLifecycle(deps: RequestLifecycleDeps): RequestLifecycle {
  const now = deps.now ?? (() => new Date());

  async function audit(request: { id: RequestId }, actor: Actor | 'bot', action: string, detail: string, data?: Record<string, string>) {
    await deps.audit.append({
      requestId: request.id,
      at: now().toISOString(),
      actor: actor === 'bot' ? 'bot' : (actor.aadObjectId ?? actor.teamsUserId),
      actorName: actor === 'bot' ? undefined : actor.name,
      action,
      detail,
      data,
    });
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
        written = await deps.requests.replace({ ...spec.apply(current.value, at), updatedAt: at }, current.etag);
      } catch (e) {
        if (e instanceof ConcurrencyError) continue;
        throw e;
      }
      await audit(written.value, actor, spec.action, spec.detail(written.value));
      // The click is answered at once; the shared card follows in the background.
      void notify(written.value);
      if (spec.startsRun) deps.runs.schedule(id);
      return { ok: true, request: written.value };
    }
    return refuse(id, actor, spec, 'already-decided', `Request ${id} is changing right now; try again in a moment.`);
  }

  /** The shared card follows the request; a failed update must not undo a stored decision. */
  async function notify(request: ServiceRequest) {
    try {
      await deps.notifier.requestChanged(request);
    } catch (e) {
      deps.logger?.warn({ requestId: request.id, err: (e as Error).message }, 'could not update the request card');
    }
  }

  const asApprover = (actor: Actor) => (request: ServiceRequest) => deps.policy.authorizeDecision(request, actor);
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

    decide(id, actor, outcome, reason) {
      return transition(id, actor, {
        action: outcome,
        from: ['pending_approval'],
        authorize: asApprover(actor),
        apply: (r, at) => ({
          ...r,
          status: outcome,
          decision: { outcome, at, reason: reason?.trim() || undefined, by: personOf(actor) },
        }),
        detail: (r) => (outcome === 'approved' ? `Approved by ${actor.name}.` : `Rejected by ${actor.name}: ${r.decision?.reason ?? 'no reason given'}.`),
        startsRun: outcome === 'approved',
      });
    },

    async mayDecide(id, actor, outcome) {
      const spec: TransitionSpec = {
        action: outcome,
        from: ['pending_approval'],
        authorize: asApprover(actor),
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
        authorize: asApprover(actor),
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

    continueAfterConsent(id, actor) {
      return transition(id, actor, {
        action: 'stamp-consent-continued',
        from: ['paused'],
        authorize: async (r) => {
          const waiting = r.steps.find((s) => s.name === 'stamp-consent' && s.status === 'waiting');
          if (!waiting || r.kind !== 'onboard' || !r.stamp) return { allowed: false, reason: 'wrong-state', message: `${r.id} is not waiting for the customer's consent.` };
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

  /**
   * Runs `post` holding the request's approval-post lease, so a sweep and a submit (or two
   * instances' sweeps) never post the same card twice; skipped when another holds it. Released
   * afterwards, so the next sweep can try again at once when this attempt failed.
   */
  async function withApprovalPostClaim(id: RequestId, post: () => Promise<void>): Promise<void> {
    const name = `approval-post:${id}`;
    const owner = `approvals-${randomUUID()}`;
    if (deps.leases && !(await deps.leases.acquire(name, owner, APPROVAL_POST_LEASE_MS))) return;
    try {
      await post();
    } finally {
      await deps.leases?.release(name, owner).catch(() => undefined);
    }
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
      return `Request ${request.id} is waiting for approval.`;
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
