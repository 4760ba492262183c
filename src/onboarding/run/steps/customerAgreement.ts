// Step 3: the Microsoft Customer Agreement, a prerequisite of the Azure plan. Reading and confirming
// a customer's agreements is App+User only, so the bot does both only with a delegated Partner
// Center credential whose sign-in works, confirming exactly the acceptance the requester attested
// (who at the customer accepted, and when). Otherwise the run pauses, without calling, until an
// operator confirms the agreement in Partner Center and an approver clicks Continue.
import { DomainError } from '../../errors';
import type { Guid, OnboardingRequest } from '../../model';
import { requestOf, skippedBy, type SkipCheck, type StepContext, type StepOutcome } from './step';

/** The agreement and the Azure plan are for buying a subscription; a request with an existing one needs neither. */
export const skipWithExistingSubscription: SkipCheck = (ctx) =>
  requestOf(ctx, 'onboard').subscription.kind !== 'azure-plan' ? 'Not needed: the request uses an existing Azure subscription.' : undefined;

export async function customerAgreement(ctx: StepContext): Promise<StepOutcome> {
  const skipped = skippedBy(skipWithExistingSubscription, ctx);
  if (skipped) return skipped;
  const request = requestOf(ctx, 'onboard');
  const { customer, results, agreement } = request;
  if (results.agreementConfirmed) return { status: 'done', detail: 'The customer agreement is confirmed.' };
  const pc = ctx.cloud.partnerCenter;
  const customerTenantId = results.customerTenantId as Guid;
  if (!pc.canConfirmCustomerAgreement) {
    if (results.agreementContinuedBy) return confirmedByHand(ctx, customerTenantId);
    return { status: 'paused', detail: `Waiting for the Microsoft Customer Agreement. The bot has no delegated Partner Center credential to check or confirm it. ${byHand(request)}` };
  }
  try {
    if (await pc.hasCustomerAgreement(customerTenantId, { abortSignal: ctx.signal })) {
      return { status: 'done', detail: 'The customer agreement was already confirmed in Partner Center.', results: { agreementConfirmed: true } };
    }
    if (!agreement) {
      const again = results.agreementContinuedBy ? ' Partner Center does not show it as confirmed yet.' : '';
      return { status: 'paused', detail: `Waiting for the Microsoft Customer Agreement. The request records no acceptance by the customer to confirm.${again} ${byHand(request)}` };
    }
    await pc.confirmCustomerAgreement(customerTenantId, agreement, { abortSignal: ctx.signal });
  } catch (error) {
    // An expired or revoked delegated sign-in is not the run's failure: a person can confirm by hand.
    if (!(error instanceof DomainError && error.code === 'DelegatedSignInFailed' && !error.transient)) throw error;
    if (results.agreementContinuedBy) return confirmedByHand(ctx, customerTenantId);
    await ctx.audit('agreement-sign-in-refused', `${error.message} The run waits for the agreement to be confirmed by hand.`, { customerTenantId, code: error.code, statusCode: error.statusCode });
    return {
      status: 'paused',
      detail: `Waiting for the Microsoft Customer Agreement. ${error.message} To renew it, an administrator consents again with an MFA sign-in (Secure Application Model), sets the new refresh token as PARTNER_CENTER_REFRESH_TOKEN and restarts the bot. Meanwhile ${byHand(request, false)}`,
    };
  }
  const person = `${agreement.acceptedBy.firstName} ${agreement.acceptedBy.lastName} (${agreement.acceptedBy.email})`;
  await ctx.audit(
    'agreement-confirmed',
    `Confirmed the Microsoft Customer Agreement for ${customer.companyName}: accepted by ${person} on ${agreement.dateAccepted}, as attested by ${request.requester.name}.`,
    { customerTenantId, attestedBy: request.requester.aadObjectId, dateAccepted: agreement.dateAccepted },
  );
  return { status: 'done', detail: `Confirmed the Microsoft Customer Agreement: accepted by ${person} on ${agreement.dateAccepted}.`, results: { agreementConfirmed: true } };
}

/** What the operator does, in words a person can follow (the pause card shows it). */
function byHand(request: OnboardingRequest, capital = true): string {
  const who = request.agreement
    ? ` with the customer's acceptance (${request.agreement.acceptedBy.firstName} ${request.agreement.acceptedBy.lastName}, ${request.agreement.acceptedBy.email}, on ${request.agreement.dateAccepted})`
    : '';
  return `${capital ? 'C' : 'c'}onfirm the agreement in Partner Center (Customers → ${request.customer.companyName} → Account → Microsoft Customer Agreement)${who}, then click Continue.`;
}

/**
 * Without a working delegated sign-in the bot cannot read the agreement (App+User only): the
 * approver's Continue says it was confirmed by hand. The Azure plan's checkout checks it for real
 * (403 `13605` if it is still missing).
 */
async function confirmedByHand(ctx: StepContext, customerTenantId: Guid): Promise<StepOutcome> {
  const by = ctx.request.results.agreementContinuedBy;
  await ctx.audit('agreement-confirmed-by-hand', 'An approver clicked Continue: the Microsoft Customer Agreement was confirmed in Partner Center by hand.', { customerTenantId, continuedBy: by });
  return { status: 'done', detail: 'Confirmed by hand in Partner Center (an approver clicked Continue).', results: { agreementConfirmed: true } };
}
