// Can a registration take customer tenants? Only a registration whose usage Azure bills per use
// (`PayAsYouUse`) can pass it on to a customer. A `Capacity` registration (a disconnected deployment,
// paid up front) cannot: Azure refuses its customerSubscriptions with CustomerSubscriptionsNotAllowed.
// A `Development` registration (a proof of concept, not billed) has no usage to pass on either; the
// docs do not say what Azure answers there, so the bot refuses it before asking (and the simulated
// cloud answers as for Capacity, src/sandbox/README.md). The dialog, the run, `remap` and `reconcile`
// all ask this one rule.
import type { BillingModel } from '../model';

export type TenantBilling = { takesTenants: true } | { takesTenants: false; reason: string };

/** Case-insensitive: Azure spells the model `PayAsYouUse`, older registrations and tools `payasyouuse`. */
function billsCustomers(billingModel: BillingModel): boolean {
  return billingModel.toLowerCase() === 'payasyouuse';
}

/** The rule, with the sentence every refusal shows (card, chat, run failure). */
export function tenantBilling(registrationName: string, billingModel: BillingModel): TenantBilling {
  if (billsCustomers(billingModel)) return { takesTenants: true };
  return {
    takesTenants: false,
    reason: `${registrationName} uses the ${billingModel} billing model, which cannot bill usage to customer tenants: only a PayAsYouUse registration can.`,
  };
}
