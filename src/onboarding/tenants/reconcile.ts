// Reconcile: Partner Center against the registrations. Finds what may cost the CSP money or is stale:
// customers with an active Azure subscription not mapped on any registration, mappings whose Azure
// subscription is no longer active or whose customer is gone, and tenants mapped on one registration
// but not on another. It says only what it knows: an unmapped customer is billed to the CSP only if
// they use the stamp, so "billed to you" is said only where a stamp (AZURESTACK_STAMPS) shows usage
// in the last 30 days from a tenant its registration does not map; a mapping on a stamp's
// registration without usage in that time is "mapped but no usage"; without stamps no usage is read.
// Read-only: every finding is acted on through a request (onboard / remove) that goes through approval.
import type { Guid, RegistrationRef } from '../model';
import type { CallOptions, Cloud, CustomerSummary } from '../ports';
import { explain, forEachLimited, type RegistrationProblem, type TenantDirectory, type TenantRow } from './tenantDirectory';
import { tenantBilling } from '../rules/registrationBilling';
import { customerAzureSubscriptions, isActive, subscriptionStanding, type CustomerAzureSubscription } from '../rules/customerSubscriptions';
import { surveyStampUsage, USAGE_DAYS, type TenantStampUsage } from './stampUsage';

export type FindingKind = 'billed-to-you' | 'unmapped' | 'inactive-subscription' | 'customer-gone' | 'partially-mapped' | 'no-usage';

export interface Finding {
  kind: FindingKind;
  /** The registration the suggested action applies to (where to map, or where to remove from). */
  registration: RegistrationRef;
  azureSubscriptionId: Guid;
  customerTenantId: Guid;
  customer?: CustomerSummary;
  /** Plain words: what is wrong. */
  detail: string;
  /** The flow that fixes it (`none`: nothing to request, only to know). */
  action: 'onboard' | 'remove' | 'none';
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
  /** True when the stamps' usage was read (AZURESTACK_STAMPS set): then "billed to you" and "no usage" are known. */
  usageRead: boolean;
  /** Stamps whose usage could not be read. */
  usageProblems: Array<{ registration: string; message: string }>;
}

export interface ReconcileDependencies {
  cloud: Pick<Cloud, 'registrations' | 'partnerCenter' | 'stamps'>;
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
  const usage = cloud.stamps ? await surveyStampUsage(cloud.stamps, { days: USAGE_DAYS }, options) : undefined;
  const stampRef = (name: string) => directory.registrations.find((r) => r.name.toLowerCase() === name.toLowerCase());
  const unmappedCustomers = customers.filter((c) => !mappedTenants.has(c.customerTenantId));
  const target = scope.find((r) => compared.some((c) => same(c, r))) ?? compared[0];
  const activeOf = new Map<Guid, Guid | undefined>();
  await forEachLimited(unmappedCustomers, concurrency, async (customer) => {
    const subscriptions = await customerAzureSubscriptions(cloud.partnerCenter, customer.customerTenantId, options);
    const active = subscriptions.find(isActive)?.azureSubscriptionId;
    activeOf.set(customer.customerTenantId, active);
    if (!active || !target) return;
    // Said below, more precisely, when a stamp shows the tenant's usage.
    if (usage?.usage.some((u) => u.tenantId === customer.customerTenantId && u.total > 0)) return;
    findings.push({
      kind: 'unmapped',
      registration: target,
      azureSubscriptionId: active,
      customerTenantId: customer.customerTenantId,
      customer,
      detail: usage
        ? `${customer.companyName} has an active Azure subscription (${active}) that is not mapped on any registration; the Azure Stack Hub stamps show no usage of theirs in the last ${USAGE_DAYS} days.`
        : `${customer.companyName} has an active Azure subscription (${active}) that is not mapped on any registration. If they use Azure Stack Hub, that usage is billed to you; this report does not read usage.`,
      action: 'onboard',
    });
  });
  if (usage && cloud.stamps) {
    const unread = new Set(usage.problems.map((p) => p.registration.toLowerCase()));
    const stamped = new Set(cloud.stamps.registrations.map((r) => r.toLowerCase()).filter((r) => !unread.has(r)));
    findings.push(...usageFindings(stamped, usage.usage, mapped, customers, activeOf, stampRef, inScope));
  }

  findings.sort(byKindThenName);
  return {
    scope: [...scope],
    compared,
    findings,
    counts: countByKind(findings),
    customersChecked: new Set([...customers.map((c) => c.customerTenantId), ...mappedTenants]).size,
    mappingsChecked: mapped.filter((m) => inScope(m.registration)).length,
    problems,
    usageRead: usage !== undefined,
    usageProblems: usage?.problems ?? [],
  };
}

/**
 * What the stamps' usage says: usage from a tenant the stamp's registration does not map is billed to
 * you; a customer mapped on a stamp's registration with no usage there in the period is only worth knowing.
 */
function usageFindings(
  stamped: Set<string>,
  usage: TenantStampUsage[],
  mapped: TenantRow[],
  customers: CustomerSummary[],
  activeOf: Map<Guid, Guid | undefined>,
  stampRef: (name: string) => RegistrationRef | undefined,
  inScope: (r: RegistrationRef) => boolean,
): Finding[] {
  const found: Finding[] = [];
  for (const u of usage) {
    const registration = stampRef(u.registration);
    if (!registration || !inScope(registration) || u.total <= 0) continue;
    if (mapped.some((m) => same(m.registration, registration) && m.customerTenantId === u.tenantId)) continue;
    const customer = customers.find((c) => c.customerTenantId === u.tenantId);
    const active = activeOf.get(u.tenantId) ?? mapped.find((m) => m.customerTenantId === u.tenantId)?.azureSubscriptionId;
    const who = customer?.companyName ?? `Tenant ${u.tenantId}`;
    found.push({
      kind: 'billed-to-you',
      registration,
      azureSubscriptionId: active ?? (u.subscriptionIds[0] as Guid),
      customerTenantId: u.tenantId,
      customer,
      detail: `${who} used the Azure Stack Hub of ${registration.name} (${u.total} in the last ${USAGE_DAYS} days, Azure Stack Hub subscription ${u.subscriptionIds.join(', ')}) but is not mapped on it: that usage is billed to you.${
        customer && active ? '' : customer ? ' They have no active Azure subscription to map: buy them an Azure plan through onboard.' : ' Partner Center has no such customer.'
      }`,
      action: customer && active ? 'onboard' : 'none',
    });
  }
  for (const m of mapped) {
    // Only a registration with a stamp whose usage was read can say "no usage".
    if (!inScope(m.registration) || !m.customer || !stamped.has(m.registration.name.toLowerCase())) continue;
    const used = usage.some((u) => u.registration.toLowerCase() === m.registration.name.toLowerCase() && u.tenantId === m.customerTenantId && u.total > 0);
    if (used) continue;
    found.push({
      ...finding(m, 'no-usage', 'none'),
      detail: `${m.customer.companyName} is mapped on ${m.registration.name}, but its Azure Stack Hub shows no usage of theirs in the last ${USAGE_DAYS} days.`,
    });
  }
  return found;
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

const KIND_ORDER: FindingKind[] = ['billed-to-you', 'unmapped', 'inactive-subscription', 'customer-gone', 'partially-mapped', 'no-usage'];

function byKindThenName(a: Finding, b: Finding): number {
  return (
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    (a.customer?.companyName ?? a.customerTenantId).localeCompare(b.customer?.companyName ?? b.customerTenantId, 'en', { numeric: true }) ||
    a.registration.name.localeCompare(b.registration.name)
  );
}

function countByKind(findings: Finding[]): Record<FindingKind, number> {
  const counts: Record<FindingKind, number> = { 'billed-to-you': 0, unmapped: 0, 'inactive-subscription': 0, 'customer-gone': 0, 'partially-mapped': 0, 'no-usage': 0 };
  for (const f of findings) counts[f.kind] += 1;
  return counts;
}

function same(a: RegistrationRef, b: RegistrationRef): boolean {
  return a.resourceId.toLowerCase() === b.resourceId.toLowerCase();
}

function unique(refs: RegistrationRef[]): RegistrationRef[] {
  return refs.filter((r, i) => refs.findIndex((o) => same(o, r)) === i);
}
