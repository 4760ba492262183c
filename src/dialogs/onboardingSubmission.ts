// Submit: the reviewed draft becomes an OnboardingRequest, pending approval, stored with a short
// id and a first audit entry. Nothing in Partner Center or Azure is touched here.
import { randomUUID } from 'crypto';
import type { TurnContext } from 'botbuilder';
import type { OnboardingRequest, RequestId } from '../onboarding/model';
import { newRequestId } from '../onboarding/requests/requestIds';
import { type BotStore } from '../store/types';
import { ConcurrencyError } from '../onboarding/ports';
import { conversationIdOf, requesterFrom, tenantIdOf } from '../bot/activity';
import { nextMissingStep, type DraftStep, type OnboardingDraft } from './onboardingDraft';

export type Submission =
  | { ok: true; request: OnboardingRequest }
  | { ok: false; step: DraftStep; problem: string }
  /** Submit was clicked more than once (e.g. on two bot instances at once); another click made the request. */
  | { ok: false; alreadySubmitted: true };

/** A draft's submit claim outlives the draft (DRAFT_TTL_HOURS is at most a year; a week covers double clicks and stale cards). */
const SUBMIT_CLAIM_MS = 7 * 24 * 3_600_000;

/** Ids are drawn at random; a taken one is drawn again, longer after a few collisions. */
const ID_ATTEMPTS = 8;

export async function submitOnboardingRequest(
  context: TurnContext,
  draft: OnboardingDraft,
  store: Pick<BotStore, 'requests' | 'audit'> & Partial<Pick<BotStore, 'leases'>>,
): Promise<Submission> {
  const { customer, subscription, registration, access } = draft;
  if (!customer || !subscription || !registration || !access) {
    return { ok: false, step: nextMissingStep(draft), problem: 'This part of the draft is not filled in yet.' };
  }
  const requester = requesterFrom(context.activity);
  if (!requester) {
    return {
      ok: false,
      step: 'review',
      problem: 'I cannot tell who you are: Teams sent no Entra object id with your click, and approvals need it. Try again from Teams.',
    };
  }
  // The per-conversation turn queue serialises clicks only within one instance; with several
  // instances on a shared store, two Submit clicks can both see the open draft. One claim per draft.
  if (store.leases && !(await store.leases.acquire(`submit:${draft.id}`, `submit-${randomUUID()}`, SUBMIT_CLAIM_MS))) {
    return { ok: false, alreadySubmitted: true };
  }
  const now = new Date().toISOString();
  const base: Omit<OnboardingRequest, 'id'> = {
    kind: 'onboard',
    status: 'pending_approval',
    teamsTenantId: tenantIdOf(context.activity) ?? '',
    requester,
    conversationId: conversationIdOf(context.activity),
    customer,
    subscription,
    registration: registration.ref,
    access,
    steps: [],
    results: {},
    createdAt: now,
    updatedAt: now,
  };
  const request = await createWithFreshId(base, store);
  await store.audit.append({
    requestId: request.id,
    at: now,
    actor: requester.aadObjectId,
    actorName: requester.name,
    action: 'submitted',
    detail: `Onboarding of ${customer.companyName} (${customer.kind} customer) onto ${registration.ref.name} submitted for approval.`,
  });
  return { ok: true, request };
}

async function createWithFreshId(base: Omit<OnboardingRequest, 'id'>, store: Pick<BotStore, 'requests'>): Promise<OnboardingRequest> {
  for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
    const id: RequestId = newRequestId('onboard', attempt < 4 ? 4 : 5);
    const request: OnboardingRequest = { id, ...base };
    try {
      return (await store.requests.create(request)).value;
    } catch (err) {
      if (!(err instanceof ConcurrencyError)) throw err;
    }
  }
  throw new Error(`No free request id after ${ID_ATTEMPTS} attempts`);
}
