// Step 1: the registration exists, is one the bot may change, and bills pay-as-you-use. Whether it
// is approved for multi-tenant billing cannot be read; a refusal seen earlier is shown as a fact.
// Being first, it also refuses what the cloud cannot do at all (buying an Azure plan outside the
// public cloud) before any later step changes something.
import { DomainError } from '../../errors';
import { azurePlanPurchase } from '../../rules/azurePlanPurchase';
import { tenantBilling } from '../../rules/registrationBilling';
import { unapprovedRegistration } from '../../rules/unapprovedRegistration';
import { registrationOf, type StepContext, type StepOutcome } from './step';

export async function checkRegistration(ctx: StepContext): Promise<StepOutcome> {
  const ref = registrationOf(ctx);
  const registrations = ctx.cloud.registrations;
  if (!registrations.allowed.some((r) => r.resourceId.toLowerCase() === ref.resourceId.toLowerCase())) {
    throw new DomainError({
      message: `The registration ${ref.name} is not in the bot's list of registrations (REGISTRATIONS).`,
      nextStep: 'Ask an administrator to add it to REGISTRATIONS, or submit the request again with a listed registration.',
      code: 'RegistrationNotAllowed',
      transient: false,
    });
  }
  const purchase = azurePlanPurchase(ctx.cloud.name);
  if (ctx.request.kind === 'onboard' && ctx.request.subscription.kind === 'azure-plan' && !purchase.available) {
    throw new DomainError({
      message: purchase.reason,
      nextStep: "Abandon this request; create the customer's Azure subscription in Partner Center, then onboard again with Use an existing Azure subscription.",
      code: 'AzurePlanPurchaseNotAvailable',
      transient: false,
    });
  }
  const info = await registrations.getRegistration(ref, { abortSignal: ctx.signal });
  const billing = tenantBilling(ref.name, info.billingModel);
  if (!billing.takesTenants) {
    throw new DomainError({
      message: billing.reason,
      nextStep: 'Use a PayAsYouUse registration, or re-register the stamp with the PayAsYouUse billing model.',
      code: 'CustomerSubscriptionsNotAllowed',
      transient: false,
    });
  }
  const refused = await unapprovedRegistration(ctx.facts, ref);
  const warning = refused
    ? ` Earlier (${refused.date.slice(0, 10)}) Azure refused it as not approved for multi-tenant billing; the mapping will fail again unless Microsoft has approved it since.`
    : '';
  return { status: 'done', detail: `Registration ${ref.name} found (billing model ${info.billingModel}).${warning}` };
}
