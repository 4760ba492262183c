// One onboarding of a customer at a time: a customer (by domain or tenant) or an Azure subscription
// that an open request is already onboarding is not taken in again, whether it comes from a bulk
// list or from another row of the same list. Open = not finished for good (a failed run may still
// be retried). A bulk onboarding counts with each of its rows.
import type { Guid, OnboardingRequest, RequestId, RequestStatus, ServiceRequest } from '../model';

export const OPEN_STATUSES: readonly RequestStatus[] = ['pending_approval', 'approved', 'running', 'paused', 'failed'];

/** What identifies one onboarding: the customer (domain, and tenant when it exists) and an existing subscription. */
export interface OnboardingKey {
  domain: string;
  customerTenantId?: Guid;
  azureSubscriptionId?: Guid;
}

export function onboardingKeyOf(plan: Pick<OnboardingRequest, 'customer' | 'subscription'>): OnboardingKey {
  return {
    domain: plan.customer.domain.toLowerCase(),
    customerTenantId: plan.customer.kind === 'existing' ? plan.customer.customerTenantId : undefined,
    azureSubscriptionId: plan.subscription.kind === 'existing' ? plan.subscription.azureSubscriptionId : undefined,
  };
}

/** Do two onboardings touch the same customer or the same subscription? */
export function sameOnboarding(a: OnboardingKey, b: OnboardingKey): boolean {
  if (a.domain === b.domain) return true;
  if (a.customerTenantId && a.customerTenantId === b.customerTenantId) return true;
  return Boolean(a.azureSubscriptionId && a.azureSubscriptionId === b.azureSubscriptionId);
}

/** The open request (an onboarding, or a bulk onboarding holding such a row) that already onboards this customer or subscription. */
export function openOnboardingOf(requests: readonly ServiceRequest[], key: OnboardingKey): { id: RequestId; status: RequestStatus } | undefined {
  for (const r of requests) {
    if (!OPEN_STATUSES.includes(r.status)) continue;
    if (r.kind === 'onboard' && sameOnboarding(onboardingKeyOf(r), key)) return { id: r.id, status: r.status };
    if (r.kind !== 'bulk') continue;
    // A row that finished for good no longer holds its customer; its own request says how it ended.
    const finished = new Set((r.results.bulkRows ?? []).filter((s) => !OPEN_STATUSES.includes(s.status as RequestStatus) && s.status !== 'not-started').map((s) => s.line));
    if (r.rows.some((row) => !finished.has(row.line) && sameOnboarding(onboardingKeyOf(row.plan), key))) return { id: r.id, status: r.status };
  }
  return undefined;
}
