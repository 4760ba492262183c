// Submit: the reviewed draft becomes the plan of an onboarding, taken in by the intake (stored
// pending approval with one audit entry, then posted for approval). Nothing in Partner Center or
// Azure is touched here.
import type { TurnContext } from 'botbuilder';
import { conversationIdOf, requesterFrom, tenantIdOf } from '../bot/activity';
import type { OnboardingRequest } from '../onboarding/model';
import type { Intake } from '../onboarding/requests/intake';
import { nextMissingStep, type DraftStep, type OnboardingDraft } from './onboardingDraft';

export type Submission =
  /** `approvalProblem`: the request is stored, but posting it for approval failed. */
  | { ok: true; request: OnboardingRequest; approvalProblem?: unknown }
  | { ok: false; step: DraftStep; problem: string }
  /** Submit was clicked more than once (e.g. on two bot instances at once); another click made the request. */
  | { ok: false; alreadySubmitted: true };

export async function submitOnboardingRequest(context: TurnContext, draft: OnboardingDraft, intake: Intake): Promise<Submission> {
  const { customer, subscription, registration, access, agreement, stamp } = draft;
  if (!customer || !subscription || !registration || !access || (subscription.kind === 'azure-plan' && !agreement) || (registration.hasStamp && !stamp)) {
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
  const origin = { requester, teamsTenantId: tenantIdOf(context.activity) ?? '', conversationId: conversationIdOf(context.activity) };
  // The per-conversation turn queue serialises clicks only within one instance; with several
  // instances on a shared store, two Submit clicks can both see the open draft. One key per draft.
  const plan = {
    kind: 'onboard' as const,
    customer,
    subscription,
    registration: registration.ref,
    access,
    ...(subscription.kind === 'azure-plan' ? { agreement } : {}),
    ...(registration.hasStamp && stamp ? { stamp } : {}),
  };
  const taken = await intake.submit(plan, origin, `submit:${draft.id}`);
  if (!taken.ok) return { ok: false, alreadySubmitted: true };
  return { ok: true, request: taken.request, approvalProblem: taken.approvalProblem };
}
