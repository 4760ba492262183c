// Reconcile: Partner Center against the registrations. Finds what may cost the CSP money or is stale:
// customers with an active Azure subscription not mapped on any registration, mappings whose Azure
// subscription is no longer active or whose customer is gone, and tenants mapped on one registration
// but not on another. It says only what it knows: an unmapped customer is billed to the CSP only if
// they use the stamp, and the report reads no usage, so it never says "billed to you". Read-only: every finding is acted on
// through a request (onboard / remove) that goes through approval.
import type { Guid, RegistrationRef } from '../model';
import type { CallOptions, Cloud, CustomerSummary } from '../ports';
import { explain, forEachLimited, type RegistrationProblem, type TenantDirectory, type TenantRow } from './tenantDirectory';
import { tenantBilling } from '../rules/registrationBilling';
import { customerAzureSubscriptions, isActive, subscriptionStanding, type CustomerAzureSubscription } from '../rules/customerSubscriptions';

export type FindingKind = 'unmapped' | 'inactive-subscription' | 'customer-gone' | 'partially-mapped';

export interface Finding {
  kind: FindingKind;
  /** The registration the suggested action applies to (where to map, or where to remove from). */
  registration: RegistrationRef;
  azureSubscriptionId: Guid;
  customerTenantId: Guid;
  customer?: CustomerSummary;
  /** Plain words: what is wrong. */
  detail: string;
  /** The flow that fixes it. */
  action: 'onboard' | 'remove';
}

export interface ReconcileReport {
  /** The registrations looked at (one, or all). */
  scope: RegistrationRef[];
  /** Registrations compared for "mapped here but not there" (only PayAsYouUse ones take tenants; the others are left out). */
  compared: RegistrationRef[];
  findings: Finding[];
  counts: Record<FindingKind, number>;
  customersChecked: number;
  mappingsChecked: number;
  /** Registrations that could not be read; they are left out of the comparison. */
  problems: RegistrationProblem[];
}

export interface ReconcileDependencies {
  cloud: Pick<Cloud, 'registrations' | 'partnerCenter'>;
  directory: TenantDirectory;
  /** Parallel Partner Center calls. Default 8. */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 8;

export async function reconcile(deps: ReconcileDependencies, scope: readonly RegistrationRef[], options?: CallOptions): Promise<ReconcileReport> {
  const { cloud, directory } = deps;
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const problems: RegistrationProblem[] = [];
  const compared = await billableRegistrations(cloud, directory.registrations, problems, options);
  const readable = scope.filter((r) => !problems.some((p) => same(p.registration, r)));
  const inScope = (r: RegistrationRef) => readable.some((s) => same(s, r));
  const survey = await directory.survey(unique([...readable, ...compared]), { ...options, fresh: true });
  problems.push(...survey.problems);
  const mapped = survey.rows;

  const subscriptionsByTenant = new Map<Guid, CustomerAzureSubscription[]>();
  const knownTenants = [...new Set(mapped.filter((m) => m.customer).map((m) => m.customerTenantId))];
  await forEachLimited(knownTenants, concurrency, async (tenant) => {
    subscriptionsByTenant.set(tenant, await customerAzureSubscriptions(cloud.partnerCenter, tenant, options));
  });

  const findings: Finding[] = [];
  const stale = new Set<Guid>();
  for (const m of mapped.filter((m) => inScope(m.registration))) {
    if (!m.customer) {
      stale.add(m.customerTenantId);
      findings.push({ ...finding(m, 'customer-gone', 'remove'), detail: `Tenant ${m.customerTenantId} is mapped on ${m.registration.name}, but Partner Center no longer has that customer.` });
      continue;
    }
    const standing = subscriptionStanding(subscriptionsByTenant.get(m.customerTenantId) ?? [], m.azureSubscriptionId);
    if (standing.kind !== 'active') {
      const status = standing.kind === 'inactive' ? standing.subscription.status : undefined;
      stale.add(m.customerTenantId);
      findings.push({
        ...finding(m, 'inactive-subscription', 'remove'),
        detail: `Subscription ${m.azureSubscriptionId} is mapped on ${m.registration.name}, but in Partner Center it is ${status ? `"${status}"` : 'not one of the customer\'s Azure subscriptions'}.`,
      });
    }
  }
  findings.push(...partiallyMapped(mapped, compared, inScope, stale));

  const mappedTenants = new Set(mapped.map((m) => m.customerTenantId));
  // Every customer, every page: a search would stop at its limit and miss the rest.
  const customers = await cloud.partnerCenter.listCustomers(options);
  const unmappedCustomers = customers.filter((c) => !mappedTenants.has(c.customerTenantId));
  const target = scope.find((r) => compared.some((c) => same(c, r))) ?? compared[0];
  await forEachLimited(unmappedCustomers, concurrency, async (customer) => {
    const subscriptions = await customerAzureSubscriptions(cloud.partnerCenter, customer.customerTenantId, options);
    const active = subscriptions.find(isActive)?.azureSubscriptionId;
    if (!active || !target) return;
    findings.push({
      kind: 'unmapped',
      registration: target,
      azureSubscriptionId: active,
      customerTenantId: customer.customerTenantId,
      customer,
      detail: `${customer.companyName} has an active Azure subscription (${active}) that is not mapped on any registration. If they use Azure Stack Hub, that usage is billed to you; this report does not read usage.`,
      action: 'onboard',
    });
  });

  findings.sort(byKindThenName);
  return {
    scope: [...scope],
    compared,
    findings,
    counts: countByKind(findings),
    customersChecked: new Set([...customers.map((c) => c.customerTenantId), ...mappedTenants]).size,
    mappingsChecked: mapped.filter((m) => inScope(m.registration)).length,
    problems,
  };
}

/** Tenants mapped on one compared registration but not on another (one of the two in scope). */
function partiallyMapped(
  mapped: TenantRow[],
  compared: RegistrationRef[],
  inScope: (r: RegistrationRef) => boolean,
  stale: Set<Guid>,
): Finding[] {
  const found: Finding[] = [];
  const byTenant = new Map<Guid, TenantRow[]>();
  for (const m of mapped) {
    if (!compared.some((c) => same(c, m.registration)) || stale.has(m.customerTenantId) || !m.customer) continue;
    byTenant.set(m.customerTenantId, [...(byTenant.get(m.customerTenantId) ?? []), m]);
  }
  for (const tenantMappings of byTenant.values()) {
    const source = tenantMappings[0];
    for (const missing of compared.filter((r) => !tenantMappings.some((m) => same(m.registration, r)))) {
      if (!inScope(missing) && !tenantMappings.some((m) => inScope(m.registration))) continue;
      found.push({
        ...finding({ ...source, registration: missing }, 'partially-mapped', 'onboard'),
        detail: `${source.customer?.companyName ?? source.customerTenantId} is mapped on ${tenantMappings.map((m) => m.registration.name).join(', ')} but not on ${missing.name}.`,
      });
    }
  }
  return found;
}

async function billableRegistrations(
  cloud: Pick<Cloud, 'registrations'>,
  allowed: readonly RegistrationRef[],
  problems: RegistrationProblem[],
  options?: CallOptions,
): Promise<RegistrationRef[]> {
  const infos = await Promise.all(
    allowed.map((registration) =>
      cloud.registrations.getRegistration(registration, options).catch((error: unknown) => {
        problems.push({ registration, message: explain(error) });
        return undefined;
      }),
    ),
  );
  return infos.filter((i) => i !== undefined && tenantBilling(i.ref.name, i.billingModel).takesTenants).map((i) => i!.ref);
}

function finding(m: TenantRow, kind: FindingKind, action: Finding['action']): Omit<Finding, 'detail'> {
  return { kind, action, registration: m.registration, azureSubscriptionId: m.azureSubscriptionId, customerTenantId: m.customerTenantId, customer: m.customer };
}

const KIND_ORDER: FindingKind[] = ['unmapped', 'inactive-subscription', 'customer-gone', 'partially-mapped'];

function byKindThenName(a: Finding, b: Finding): number {
  return (
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    (a.customer?.companyName ?? a.customerTenantId).localeCompare(b.customer?.companyName ?? b.customerTenantId, 'en', { numeric: true }) ||
    a.registration.name.localeCompare(b.registration.name)
  );
}

function countByKind(findings: Finding[]): Record<FindingKind, number> {
  const counts: Record<FindingKind, number> = { unmapped: 0, 'inactive-subscription': 0, 'customer-gone': 0, 'partially-mapped': 0 };
  for (const f of findings) counts[f.kind] += 1;
  return counts;
}

function same(a: RegistrationRef, b: RegistrationRef): boolean {
  return a.resourceId.toLowerCase() === b.resourceId.toLowerCase();
}

function unique(refs: RegistrationRef[]): RegistrationRef[] {
  return refs.filter((r, i) => refs.findIndex((o) => same(o, r)) === i);
}
