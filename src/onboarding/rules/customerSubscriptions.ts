// Which Azure subscriptions are the customer's, in Partner Center's words: the entitlements of their
// Azure plan, and legacy CSP Azure subscriptions (whose Partner Center id is the Azure subscription
// id). One status counts: a suspended (or deleted) Azure plan suspends its subscriptions whatever
// the entitlement says, because Azure bills nothing through it. Only an active subscription may be
// mapped: Azure refuses the others (and reconcile reports the ones that stopped being active).
import { isGuid, type Guid } from '../model';
import type { AzureEntitlement, CallOptions, PartnerCenter, PcSubscription } from '../ports';

export interface CustomerAzureSubscription {
  azureSubscriptionId: Guid;
  /** Lower-case Partner Center status, the plan's when the plan is not active. */
  status: string;
  /** The Partner Center subscription it is (legacy) or is under (the Azure plan). */
  pcSubscriptionId: string;
  source: 'azure-plan' | 'legacy';
}

/** The customer's Azure plan (one per customer); a deleted one is gone. */
export function azurePlanOf(subscriptions: readonly PcSubscription[]): PcSubscription | undefined {
  return subscriptions.find((s) => s.isAzurePlan && s.status.toLowerCase() !== 'deleted');
}

/** The first active Azure subscription of a plan's entitlements. */
export function activeEntitlement(entitlements: readonly AzureEntitlement[]): AzureEntitlement | undefined {
  return entitlements.find((e) => e.status.toLowerCase() === 'active');
}

/** Every Azure subscription of the customer with the status that counts (one Partner Center read per Azure plan). */
export async function customerAzureSubscriptions(
  partnerCenter: Pick<PartnerCenter, 'listSubscriptions' | 'listAzureEntitlements'>,
  customerTenantId: Guid,
  options?: CallOptions,
): Promise<CustomerAzureSubscription[]> {
  const found: CustomerAzureSubscription[] = [];
  for (const s of await partnerCenter.listSubscriptions(customerTenantId, options)) {
    const planStatus = s.status.toLowerCase();
    if (!s.isAzurePlan) {
      if (isGuid(s.id)) found.push({ azureSubscriptionId: s.id.toLowerCase() as Guid, status: planStatus, pcSubscriptionId: s.id, source: 'legacy' });
      continue;
    }
    for (const e of await partnerCenter.listAzureEntitlements(customerTenantId, s.id, options)) {
      const status = planStatus === 'active' ? e.status.toLowerCase() : planStatus;
      found.push({ azureSubscriptionId: e.azureSubscriptionId.toLowerCase() as Guid, status, pcSubscriptionId: s.id, source: 'azure-plan' });
    }
  }
  return found;
}

/** Only an active subscription can be mapped (and billed). */
export function isActive(subscription: CustomerAzureSubscription): boolean {
  return subscription.status === 'active';
}

export type SubscriptionStanding =
  | { kind: 'active'; subscription: CustomerAzureSubscription }
  | { kind: 'inactive'; subscription: CustomerAzureSubscription }
  | { kind: 'not-theirs'; checked: readonly CustomerAzureSubscription[] };

/** Is this Azure subscription one of the customer's active ones? The one answer for the dialog, re-map and reconcile. */
export function subscriptionStanding(subscriptions: readonly CustomerAzureSubscription[], azureSubscriptionId: string): SubscriptionStanding {
  const wanted = azureSubscriptionId.toLowerCase();
  const subscription = subscriptions.find((s) => s.azureSubscriptionId === wanted);
  if (!subscription) return { kind: 'not-theirs', checked: subscriptions };
  return { kind: isActive(subscription) ? 'active' : 'inactive', subscription };
}
