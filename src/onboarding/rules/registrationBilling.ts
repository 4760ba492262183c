// Can a registration take customer tenants? Only a registration whose usage Azure bills per use can
// pass it on to a customer; a Capacity registration (a disconnected deployment, paid up front) cannot,
// and Azure refuses its customerSubscriptions with CustomerSubscriptionsNotAllowed.
import type { BillingModel } from '../model';

export type TenantBilling = { takesTenants: true } | { takesTenants: false; reason: string };

/** Case-insensitive: Azure spells the model `Capacity`, older registrations and tools `capacity`. */
function billsCustomers(billingModel: BillingModel): boolean {
  return billingModel.toLowerCase() !== 'capacity';
}

/** The rule, with the sentence every refusal shows (card, chat, run failure). */
export function tenantBilling(registrationName: string, billingModel: BillingModel): TenantBilling {
  if (billsCustomers(billingModel)) return { takesTenants: true };
  return { takesTenants: false, reason: `${registrationName} uses the ${billingModel} billing model, which cannot bill usage to customer tenants.` };
}
