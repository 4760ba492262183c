// The one way a request comes in, whatever it asks for: the onboarding dialog's Submit and the
// tenant commands hand their plan here. The intake claims the submission's idempotency key (a second
// click, a retried invoke or another instance gets the first request, never a second one), refuses a
// second open request for the same mapping change, draws a free short id, stores the request pending
// approval with its one `submitted` audit entry, and hands it to the approvals (the approval card).
// Nothing in Partner Center or Azure is touched here.
import { randomUUID } from 'crypto';
import type { RequestBase, RequestId, RequestOrigin, RequestPlan, RequestStatus, ServiceRequest } from '../model';
import { ConcurrencyError, type CoreStore } from '../ports';
import { newRequestId } from './requestIds';

export type IntakeResult<R extends ServiceRequest = ServiceRequest> =
  /** Stored and audited. `approvalProblem`: posting it for approval failed (the request stays stored). */
  | { ok: true; request: R; approvalProblem?: unknown }
  /** The key was used before (a double click, another instance): the request it made, once it is stored. */
  | { ok: false; reason: 'already-submitted'; request?: ServiceRequest }
  /** A request for the same mapping change is still open. */
  | { ok: false; reason: 'open-request'; request: ServiceRequest }
  /** Someone is submitting the same mapping change right now; nothing was stored. */
  | { ok: false; reason: 'busy' };

export interface Intake {
  /**
   * Takes in a request. `idempotencyKey` names one submission (e.g. `submit:<draft id>`): the same
   * key again never makes a second request. Throws only when the store fails; nothing is then kept.
   */
  submit<P extends RequestPlan>(plan: P, origin: RequestOrigin, idempotencyKey: string): Promise<IntakeResult<Extract<ServiceRequest, { kind: P['kind'] }>>>;
}

export interface IntakeDependencies {
  store: Pick<CoreStore, 'requests' | 'audit' | 'leases' | 'facts'>;
  /** Tells the approvers once the request is stored (the lifecycle posts the approval card). */
  approvals?: { requestApproval(request: ServiceRequest): Promise<void> };
  now?: () => Date;
  /** How long a mapping change waits for another submission of the same change. Default 3 s. */
  changeWait?: { attempts: number; delayMs: number };
}

/** A submission's claim outlives any draft (DRAFT_TTL_HOURS is at most a year; a week covers double clicks and stale cards). */
const KEY_CLAIM_MS = 7 * 24 * 3_600_000;
/** The lease that makes "check for an open request, then create one" a single step across instances. */
const CHANGE_LEASE_MS = 10_000;
const CHANGE_WAIT = { attempts: 30, delayMs: 100 };
/** Ids are drawn at random; a taken one is drawn again, longer after a few collisions. */
const ID_ATTEMPTS = 8;
const OPEN: RequestStatus[] = ['pending_approval', 'approved', 'running', 'paused', 'failed'];

export function createIntake(deps: IntakeDependencies): Intake {
  const { requests, audit, leases, facts } = deps.store;
  const now = deps.now ?? (() => new Date());
  const changeWait = deps.changeWait ?? CHANGE_WAIT;

  async function submit(plan: RequestPlan, origin: RequestOrigin, idempotencyKey: string): Promise<IntakeResult> {
    const owner = `intake-${randomUUID()}`;
    if (!(await leases.acquire(idempotencyKey, owner, KEY_CLAIM_MS))) return alreadySubmitted(idempotencyKey);
    // A submission that failed part-way released the key; the request it may have stored is recorded.
    const earlier = await alreadySubmitted(idempotencyKey);
    if (earlier.request) return earlier;
    let outcome: IntakeResult;
    try {
      // An onboarding, an offboarding or a bulk onboarding is its own request; a re-map or removal must not be open twice.
      outcome = plan.kind === 'onboard' || plan.kind === 'offboard' || plan.kind === 'bulk' ? { ok: true, request: await store(plan, origin, idempotencyKey) } : await storeChange(plan, origin, idempotencyKey);
    } catch (err) {
      // The store failed: the same submission may be tried again.
      await leases.release(idempotencyKey, owner).catch(() => undefined);
      throw err;
    }
    if (!outcome.ok) {
      await leases.release(idempotencyKey, owner).catch(() => undefined);
      return outcome;
    }
    try {
      await deps.approvals?.requestApproval(outcome.request);
    } catch (approvalProblem) {
      return { ...outcome, approvalProblem };
    }
    return outcome;
  }

  /** The request an earlier use of the key made (undefined while that submission is still storing it). */
  async function alreadySubmitted(idempotencyKey: string): Promise<{ ok: false; reason: 'already-submitted'; request?: ServiceRequest }> {
    const id = await facts.get<RequestId>(factKey(idempotencyKey));
    const request = id ? (await requests.get(id))?.value : undefined;
    return { ok: false, reason: 'already-submitted', request };
  }

  /**
   * A re-map or removal, unless the same change is already open. Two submissions at once (two
   * instances, or Teams retrying an invoke) both pass the check, so the check and the create run
   * under a short lease in the shared store: exactly one request is made; the other sees it.
   */
  async function storeChange(plan: TenantChangePlan, origin: RequestOrigin, idempotencyKey: string): Promise<IntakeResult> {
    const lease = `tenant-change:${plan.kind}:${plan.registration.resourceId.toLowerCase()}:${changedSubscription(plan)}`;
    const owner = randomUUID();
    for (let attempt = 0; !(await leases.acquire(lease, owner, CHANGE_LEASE_MS)); attempt++) {
      if (attempt >= changeWait.attempts) {
        const open = await openRequestFor(plan);
        return open ? { ok: false, reason: 'open-request', request: open } : { ok: false, reason: 'busy' };
      }
      await new Promise((resolve) => setTimeout(resolve, changeWait.delayMs));
    }
    try {
      const open = await openRequestFor(plan);
      if (open) return { ok: false, reason: 'open-request', request: open };
      return { ok: true, request: await store(plan, origin, idempotencyKey) };
    } finally {
      await leases.release(lease, owner).catch(() => undefined);
    }
  }

  /** A request still open for the same change (a double click, the same command twice). */
  async function openRequestFor(plan: TenantChangePlan): Promise<ServiceRequest | undefined> {
    const registration = plan.registration.resourceId.toLowerCase();
    return (await requests.list({ status: OPEN }))
      .map((v) => v.value)
      .find((r) => (r.kind === 'remap' || r.kind === 'remove') && r.kind === plan.kind && changedSubscription(r) === changedSubscription(plan) && r.registration.resourceId.toLowerCase() === registration);
  }

  async function store(plan: RequestPlan, origin: RequestOrigin, idempotencyKey: string): Promise<ServiceRequest> {
    const at = now().toISOString();
    const request = await createWithFreshId(plan, { ...origin, status: 'pending_approval', steps: [], results: {}, createdAt: at, updatedAt: at });
    await facts.set(factKey(idempotencyKey), request.id);
    await audit.append({
      requestId: request.id,
      at,
      actor: origin.requester.aadObjectId,
      actorName: origin.requester.name,
      action: 'submitted',
      detail: `${describe(request)} submitted for approval.`,
    });
    return request;
  }

  async function createWithFreshId(plan: RequestPlan, base: Omit<RequestBase, 'id'>): Promise<ServiceRequest> {
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const request = { ...plan, ...base, id: newRequestId(plan.kind, attempt < 4 ? 4 : 5) } as ServiceRequest;
      try {
        return (await requests.create(request)).value;
      } catch (err) {
        if (!(err instanceof ConcurrencyError)) throw err;
      }
    }
    throw new Error(`No free request id after ${ID_ATTEMPTS} attempts`);
  }

  return { submit: submit as Intake['submit'] };
}

/** A re-map or a removal: the plans that change one mapping. */
type TenantChangePlan = Extract<RequestPlan, { kind: 'remap' | 'remove' }>;

function factKey(idempotencyKey: string): string {
  return `intake:${idempotencyKey}`;
}

/** The subscription whose mapping a re-map or removal changes. */
function changedSubscription(change: { kind: 'remap'; azureSubscriptionId: string } | { kind: 'remove'; mapping: { azureSubscriptionId: string } }): string | undefined {
  if (change.kind === 'remap') return change.azureSubscriptionId;
  return change.mapping.azureSubscriptionId;
}

/** The audit trail's first words: what was asked for. */
function describe(request: ServiceRequest): string {
  switch (request.kind) {
    case 'onboard':
      return `Onboarding of ${request.customer.companyName} (${request.customer.kind} customer) onto ${request.registration.name}`;
    case 'remap':
      return `Re-map of subscription ${request.azureSubscriptionId} to ${request.customer.companyName} (tenant ${request.customer.customerTenantId}) on ${request.registration.name}`;
    case 'remove':
      return `Removal of subscription ${request.mapping.azureSubscriptionId} (tenant ${request.mapping.customerTenantId}) from ${request.registration.name}`;
    case 'offboard':
      return `Offboarding of ${request.customer.companyName ?? `tenant ${request.customer.customerTenantId}`} (${request.mappings.length} mapping(s), ${request.stamps.length} Azure Stack Hub stamp(s))`;
    case 'bulk':
      return `Bulk onboarding of ${request.rows.length} customer(s)`;
  }
}
