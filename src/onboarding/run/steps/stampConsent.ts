// Stamp step 2: the customer's consent. A global administrator of the customer's directory must
// register the stamp's applications there (AZ-3); the bot cannot. The run posts the exact
// instructions and pauses; an operator clicks "The customer has consented"; the bot then checks
// the directory's identity health (AZ-4), the one thing the stamp lets it check.
import { consentInstructions } from '../../rules/stampInstructions';
import { billingOnly, stampOf, type StepContext, type StepOutcome } from './step';

export async function stampConsent(ctx: StepContext): Promise<StepOutcome> {
  const s = stampOf(ctx);
  if (!s) return billingOnly(ctx);
  const { request, stamp, stamps, tenantId, domain } = s;
  if (request.results.stampConsented) return { status: 'done', detail: `${domain} has consented to the Azure Stack Hub's applications.` };
  const options = { abortSignal: ctx.signal };
  const health = await stamps.directoryHealth(stamp.registration, tenantId, options);
  if (health === 'Healthy') {
    const by = request.results.stampConsentContinuedBy;
    await ctx.audit('stamp-consent-checked', `The Azure Stack Hub reports the directory ${domain} healthy: its applications are registered there.`, { customerTenantId: tenantId, continuedBy: by });
    return { status: 'done', detail: `The Azure Stack Hub reports ${domain} healthy (the customer consented).`, results: { stampConsented: true } };
  }
  const info = await stamps.describe(stamp.registration, options);
  const instructions = consentInstructions(request, stamp, info, domain);
  const stampConsentPageLink = stamps.consentPageLink?.(info, domain);
  if (request.results.stampConsentInstructions !== instructions || request.results.stampConsentPageLink !== stampConsentPageLink) {
    await ctx.record({ stampConsentInstructions: instructions, stampConsentPageLink });
  }
  const again = request.results.stampConsentContinuedBy
    ? ` The customer was said to have consented, but the Azure Stack Hub still reports the directory ${health === 'NotRegistered' ? 'as not registered' : health.toLowerCase()} (its status can take up to an hour to change): check with the customer, then click again.`
    : '';
  return { status: 'paused', detail: `Waiting for the customer's consent.${again}` };
}
