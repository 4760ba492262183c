// "Already mapped?": what a registration's mappings say about mapping one subscription to one
// customer tenant. A tenant is billed through one subscription per registration and a subscription
// bills one tenant, so a PUT can overwrite two mappings: the subscription's (to another tenant) and
// the tenant's (through another subscription). The PUT goes ahead only when exactly the mappings the
// approver saw would be overwritten; an onboarding saw none, a re-map saw what it recorded.
import type { Guid, TenantMapping } from '../model';

export interface WantedMapping {
  azureSubscriptionId: Guid;
  customerTenantId: Guid;
}

/** What a PUT would overwrite. */
export interface Overwrites {
  /** The tenant the subscription bills now, if another one. */
  subscriptionTenant?: Guid;
  /** The other subscription the tenant is billed through now. */
  tenantSubscription?: Guid;
}

export type MappingDecision =
  | { kind: 'mapped'; mapping: TenantMapping }
  | { kind: 'put'; overwrites: Overwrites }
  | { kind: 'conflict'; now: Overwrites };

/** From one read of the registration's mappings. `approved`: what the approver agreed may be overwritten (nothing, by default). */
export function mappingDecision(mappings: readonly TenantMapping[], wanted: WantedMapping, approved: Overwrites = {}): MappingDecision {
  const subscription = wanted.azureSubscriptionId.toLowerCase();
  const tenant = wanted.customerTenantId.toLowerCase();
  const exact = mappings.find((m) => m.azureSubscriptionId.toLowerCase() === subscription && m.customerTenantId.toLowerCase() === tenant);
  if (exact) return { kind: 'mapped', mapping: exact };
  const now: Overwrites = {
    subscriptionTenant: mappings.find((m) => m.azureSubscriptionId.toLowerCase() === subscription)?.customerTenantId,
    tenantSubscription: mappings.find((m) => m.customerTenantId.toLowerCase() === tenant && m.azureSubscriptionId.toLowerCase() !== subscription)?.azureSubscriptionId,
  };
  const same = (a?: Guid, b?: Guid) => (a?.toLowerCase() ?? '') === (b?.toLowerCase() ?? '');
  if (same(now.subscriptionTenant, approved.subscriptionTenant) && same(now.tenantSubscription, approved.tenantSubscription)) return { kind: 'put', overwrites: now };
  return { kind: 'conflict', now };
}
