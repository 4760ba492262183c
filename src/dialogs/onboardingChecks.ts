// The checks the onboarding asks the cloud for, in one place for every way customers come in: the
// onboarding dialog (one card at a time) and a bulk list (src/dialogs/bulkPlan.ts, every row). Each
// answers in the words the operator reads beside the field or the row. A cloud failure becomes
// words too; anything that is not a DomainError is a bug and propagates.
import { isDomainError } from '../onboarding/errors';
import type { BillingAddress, Guid } from '../onboarding/model';
import type { Cloud, CustomerSummary } from '../onboarding/ports';
import { addressLine, addressVerdict, type AddressVerdict } from '../onboarding/rules/addressValidation';
import { azurePlanPurchase } from '../onboarding/rules/azurePlanPurchase';
import { customerAzureSubscriptions, subscriptionStanding } from '../onboarding/rules/customerSubscriptions';

/** A new customer's first subscription can only be a new Azure plan. */
export const NEW_CUSTOMER_NEEDS_AZURE_PLAN = 'A new customer has no Azure subscription yet: choose Buy an Azure plan.';

/** Whose a domain is: nobody's (free for a new customer), one of our customers', or someone else's. */
export type DomainStanding =
  | { kind: 'free' }
  | { kind: 'ours'; customer: CustomerSummary; text: string }
  | { kind: 'taken'; text: string }
  | { kind: 'unknown'; text: string };

export async function domainStanding(partnerCenter: Pick<Cloud['partnerCenter'], 'isDomainAvailable' | 'findCustomerByDomain'>, domain: string): Promise<DomainStanding> {
  try {
    if (await partnerCenter.isDomainAvailable(domain)) return { kind: 'free' };
    const ours = await partnerCenter.findCustomerByDomain(domain);
    return ours
      ? { kind: 'ours', customer: ours, text: `${domain} already belongs to your customer ${ours.companyName}: go Back and choose Existing customer.` }
      : { kind: 'taken', text: `${domain} is already taken: choose another prefix.` };
  } catch (err) {
    return { kind: 'unknown', text: cloudProblem(err, `Could not check ${domain}`) };
  }
}

/** Why the Azure subscription cannot be mapped for this customer ('' when it is one of their active ones; rules/customerSubscriptions). */
export async function entitlementProblem(cloud: Pick<Cloud, 'partnerCenter' | 'name'>, tenant: Guid, company: string, azureSubscriptionId: Guid): Promise<string> {
  try {
    const subscriptions = await customerAzureSubscriptions(cloud.partnerCenter, tenant);
    const standing = subscriptionStanding(subscriptions, azureSubscriptionId);
    if (standing.kind === 'active') return '';
    const orBuy = azurePlanPurchase(cloud.name).available ? ', or choose Buy an Azure plan' : '';
    if (standing.kind === 'inactive') {
      return `${azureSubscriptionId} is one of ${company}'s Azure subscriptions, but Partner Center says it is ${standing.subscription.status}: only an active one can be billed to the customer. Use an active one${orBuy}.`;
    }
    return `${azureSubscriptionId} is not one of ${company}'s Azure subscriptions in Partner Center (checked ${subscriptions.length} Azure subscription(s)). Check the id${orBuy}.`;
  } catch (err) {
    return cloudProblem(err, `Could not read ${company}'s subscriptions from Partner Center`);
  }
}

/**
 * What Partner Center's address validation (PC-11) lets a new customer's address do
 * (rules/addressValidation); a failed call is a `correct` verdict with the failure in words.
 */
export async function addressStanding(partnerCenter: Pick<Cloud['partnerCenter'], 'validateAddress'>, address: BillingAddress): Promise<AddressVerdict> {
  try {
    return addressVerdict(await partnerCenter.validateAddress(address), address);
  } catch (err) {
    return { kind: 'correct', reason: cloudProblem(err, 'Could not validate the address with Partner Center') };
  }
}

/** An address verdict as one line of a list (a bulk row has no card to choose a suggestion on). */
export function addressProblem(verdict: AddressVerdict): string {
  if (verdict.kind === 'accept') return '';
  if (verdict.kind === 'correct') return verdict.reason;
  return `${verdict.reason.replace(/: use one, or keep the address as entered\.$/, '.')} Suggested: ${verdict.suggestions.map(addressLine).join(' | ')}. Correct the row (or onboard this customer with the onboarding cards to keep the address as entered).`;
}

/** A cloud failure as words for the card; anything that is not a DomainError is a bug and propagates. */
export function cloudProblem(err: unknown, what: string): string {
  if (!isDomainError(err)) throw err;
  return `${what}: ${err.message} ${err.nextStep}`;
}
