// Step 3: the Microsoft Customer Agreement, a prerequisite of the Azure plan. The bot confirms it
// when a delegated Partner Center credential is configured and its sign-in works; otherwise the run
// pauses until an operator confirms it in Partner Center and an approver clicks Continue.
import { DomainError } from '../../errors';
import type { Guid } from '../../model';
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function customerAgreement(ctx: StepContext): Promise<StepOutcome> {
  const { customer, subscription, results } = requestOf(ctx, 'onboard');
  if (subscription.kind !== 'azure-plan') {
    return { status: 'skipped', detail: 'Not needed: the request uses an existing Azure subscription.' };
  }
  if (results.agreementConfirmed) return { status: 'done', detail: 'The customer agreement is confirmed.' };
  const pc = ctx.cloud.partnerCenter;
  const customerTenantId = results.customerTenantId as Guid;
  if (await pc.hasCustomerAgreement(customerTenantId, { abortSignal: ctx.signal })) {
    return { status: 'done', detail: 'The customer agreement was already confirmed in Partner Center.', results: { agreementConfirmed: true } };
  }
  if (pc.canConfirmCustomerAgreement && customer.kind === 'new') {
    try {
      await pc.confirmCustomerAgreement(customerTenantId, customer.contact, { abortSignal: ctx.signal });
    } catch (error) {
      // An expired or revoked delegated sign-in is not the run's failure: a person can confirm by hand.
      if (!(error instanceof DomainError && error.code === 'DelegatedSignInFailed' && !error.transient)) throw error;
      await ctx.audit('agreement-sign-in-refused', `${error.message} The run waits for the agreement to be confirmed by hand.`, { customerTenantId, code: error.code, statusCode: error.statusCode });
      return {
        status: 'paused',
        detail: `Waiting for the Microsoft Customer Agreement. ${error.message} To renew it, an administrator consents again with an MFA sign-in (Secure Application Model), sets the new refresh token as PARTNER_CENTER_REFRESH_TOKEN and restarts the bot. Meanwhile confirm the agreement in Partner Center (Customers → ${customer.companyName} → Account → Microsoft Customer Agreement), then click Continue.`,
      };
    }
    await ctx.audit('agreement-confirmed', `Confirmed the Microsoft Customer Agreement for ${customer.companyName} with contact ${customer.contact.email}.`, { customerTenantId });
    return { status: 'done', detail: `Confirmed the Microsoft Customer Agreement (contact ${customer.contact.email}).`, results: { agreementConfirmed: true } };
  }
  const why = pc.canConfirmCustomerAgreement
    ? 'The request has no customer contact to confirm it with.'
    : 'The bot has no delegated Partner Center credential to confirm it.';
  const again = results.agreementContinuedBy ? ' Partner Center does not show it as confirmed yet.' : '';
  return {
    status: 'paused',
    detail: `Waiting for the Microsoft Customer Agreement. ${why}${again} Confirm it in Partner Center (Customers → ${customer.companyName} → Account → Microsoft Customer Agreement), then click Continue.`,
  };
}
