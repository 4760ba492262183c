// Re-map and removal requests: the typed command parsed once (zod), checked against what the
// registration and Partner Center say now, and turned into the plan of a request (kind remap /
// remove) that the intake takes in like an onboarding: the same approval and durable run. Nothing
// in Azure changes here; the plan records exactly what the PUT / DELETE will overwrite, for the approver.
import { z } from 'zod';
import { guidSchema, type Guid, type PlanOf, type RegistrationRef, type RequestPlan, type TenantMapping } from '../model';
import type { CallOptions, Cloud, CustomerSummary } from '../ports';
import { clip, explain, parseTenantQuery, selectRegistration } from './tenantDirectory';
import { tenantBilling } from '../rules/registrationBilling';
import { customerAzureSubscriptions, subscriptionStanding } from '../rules/customerSubscriptions';
import { mappingDecision } from '../rules/tenantMapping';

export const REMOVE_USAGE = 'remove tenant <subscription id> [on <registration>]';
export const REMAP_USAGE = 'remap <subscription id> to <tenant id or domain> [on <registration>]';

export interface RemovalInput {
  azureSubscriptionId: Guid;
  registration?: string;
}

export interface RemapInput extends RemovalInput {
  /** The customer the subscription should bill: a tenant id or a domain. */
  tenant: string;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const registrationArgument = z.string().trim().min(1).max(300).optional();
const removalSchema = z.object({ azureSubscriptionId: guidSchema, registration: registrationArgument });
const remapSchema = removalSchema.extend({ tenant: z.string().trim().min(1).max(253) });

const REMOVE_RE = /^(\S+)(?:\s+on\s+(.+))?$/i;
const REMAP_RE = /^(\S+)\s+to\s+(\S+)(?:\s+on\s+(.+))?$/i;

export function parseRemoval(args: string): Parsed<RemovalInput> {
  const m = REMOVE_RE.exec(args.trim());
  if (!m) return { ok: false, message: `Type it like this: \`${REMOVE_USAGE}\`.` };
  const parsed = removalSchema.safeParse({ azureSubscriptionId: m[1], registration: m[2] });
  if (!parsed.success) return { ok: false, message: `"${clip(m[1], 60)}" is not a subscription id: it ${parsed.error.issues[0].message}. Nothing was changed.` };
  return { ok: true, value: parsed.data };
}

export function parseRemap(args: string): Parsed<RemapInput> {
  const m = REMAP_RE.exec(args.trim());
  if (!m) return { ok: false, message: `Type it like this: \`${REMAP_USAGE}\`, e.g. \`remap 3f15978e-005c-b763-bb78-2a8fab289c58 to contoso.onmicrosoft.com\`.` };
  const parsed = remapSchema.safeParse({ azureSubscriptionId: m[1], tenant: m[2], registration: m[3] });
  if (!parsed.success) return { ok: false, message: `"${clip(m[1], 60)}" is not a subscription id: it ${parsed.error.issues[0].message}. Nothing was changed.` };
  if (parseTenantQuery(parsed.data.tenant).kind === 'invalid') {
    return { ok: false, message: `"${clip(parsed.data.tenant, 60)}" is neither a tenant id (GUID) nor a domain like contoso.onmicrosoft.com. Nothing was changed.` };
  }
  return { ok: true, value: parsed.data };
}

export interface TenantChangeDependencies {
  cloud: Pick<Cloud, 'registrations' | 'partnerCenter'>;
}

export type Planned<P extends RequestPlan = RequestPlan> = { ok: true; plan: P } | { ok: false; message: string };

/** A removal of the subscription's mapping on the registration it is on (or the one named). */
export async function planRemoval(deps: TenantChangeDependencies, input: RemovalInput, options?: CallOptions): Promise<Planned<PlanOf<'remove'>>> {
  const located = await locate(deps, input, options);
  if (!located.ok) return located;
  const { registration, mapping } = located;
  if (!mapping) {
    return { ok: false, message: `Subscription ${input.azureSubscriptionId} is not mapped on ${registration.name}, so there is nothing to remove. Nothing was changed.` };
  }
  const customer = await deps.cloud.partnerCenter.getCustomer(mapping.customerTenantId, options);
  const plan: PlanOf<'remove'> = {
    kind: 'remove',
    registration,
    mapping: { azureSubscriptionId: mapping.azureSubscriptionId, customerTenantId: mapping.customerTenantId },
    customerName: customer?.companyName,
  };
  return { ok: true, plan };
}

/** A re-map: the subscription bills the given customer's tenant on the registration (PUT, overwriting). */
export async function planRemap(deps: TenantChangeDependencies, input: RemapInput, options?: CallOptions): Promise<Planned<PlanOf<'remap'>>> {
  const customer = await findCustomer(deps, input.tenant, options);
  if (!customer) {
    return { ok: false, message: `Partner Center has no customer ${input.tenant}: a subscription can only be mapped to one of your customers' tenants. Nothing was changed.` };
  }
  const located = await locate(deps, input, options, customer.customerTenantId);
  if (!located.ok) return located;
  const { registration } = located;
  const subscription = input.azureSubscriptionId;
  const info = await deps.cloud.registrations.getRegistration(registration, options);
  const billing = tenantBilling(registration.name, info.billingModel);
  if (!billing.takesTenants) return { ok: false, message: `${billing.reason} No tenant can be mapped there. Nothing was changed.` };
  const wanted = { azureSubscriptionId: subscription, customerTenantId: customer.customerTenantId };
  const decision = mappingDecision(await deps.cloud.registrations.listMappings(registration, options), wanted);
  if (decision.kind === 'mapped') {
    return { ok: false, message: `Subscription ${subscription} is already mapped to ${customer.companyName} (${customer.customerTenantId}) on ${registration.name}. Nothing to change.` };
  }
  const standing = subscriptionStanding(await customerAzureSubscriptions(deps.cloud.partnerCenter, customer.customerTenantId, options), subscription);
  if (standing.kind !== 'active') {
    const state = standing.kind === 'inactive' ? ` (it is ${standing.subscription.status})` : '';
    return {
      ok: false,
      message: `Subscription ${subscription} is not an active Azure subscription of ${customer.companyName} in Partner Center${state}, so Azure would refuse the mapping. Check the subscription id (the Azure subscription, not the Partner Center one). Nothing was changed.`,
    };
  }
  // What the PUT will overwrite, for the approver to see; the run overwrites exactly that or stops.
  const { subscriptionTenant, tenantSubscription } = decision.kind === 'put' ? decision.overwrites : decision.now;
  const plan: PlanOf<'remap'> = {
    kind: 'remap',
    registration,
    azureSubscriptionId: subscription,
    customer: { kind: 'existing', customerTenantId: customer.customerTenantId, companyName: customer.companyName, domain: customer.domain },
    previousMapping: { customerTenantId: subscriptionTenant, azureSubscriptionId: tenantSubscription },
  };
  return { ok: true, plan };
}

type Located = { ok: true; registration: RegistrationRef; mapping?: TenantMapping } | { ok: false; message: string };

/** The registration to change: the one named, else the one the subscription (or the tenant) is mapped on, else the only one. */
async function locate(deps: TenantChangeDependencies, input: RemovalInput, options?: CallOptions, tenant?: Guid): Promise<Located> {
  const { registrations } = deps.cloud;
  if (input.registration) {
    const selection = selectRegistration(registrations.allowed, input.registration);
    if (selection.kind === 'unknown') return { ok: false, message: `${selection.message} Nothing was changed.` };
    if (selection.kind !== 'one') return { ok: false, message: 'Name one registration for a change, not all of them. Nothing was changed.' };
    return { ok: true, registration: selection.registration, mapping: await registrations.getMapping(selection.registration, input.azureSubscriptionId, options) };
  }
  const unreadable: string[] = [];
  const found = await Promise.all(
    registrations.allowed.map(async (r) => {
      try {
        return { registration: r, mapping: await registrations.getMapping(r, input.azureSubscriptionId, options) };
      } catch (error) {
        unreadable.push(`Could not read ${r.name}: ${explain(error)}`);
        return { registration: r, mapping: undefined };
      }
    }),
  );
  const mapped = found.filter((f) => f.mapping);
  if (mapped.length === 1) return { ok: true, ...mapped[0] };
  const names = registrations.allowed.map((r) => r.name).join(', ');
  const unread = unreadable.length ? ` (${unreadable.join(' ')})` : '';
  if (mapped.length > 1) {
    return { ok: false, message: `Subscription ${input.azureSubscriptionId} is mapped on ${mapped.map((f) => f.registration.name).join(' and ')}: add \`on <registration>\` to say which. Nothing was changed.` };
  }
  if (registrations.allowed.length === 1) return { ok: true, registration: registrations.allowed[0] };
  if (tenant) {
    const onTenant = await Promise.all(
      registrations.allowed.map(async (r) => ((await registrations.listMappings(r, options).catch(() => [])).some((m) => m.customerTenantId === tenant) ? r : undefined)),
    );
    const hits = onTenant.filter((r): r is RegistrationRef => Boolean(r));
    if (hits.length === 1) return { ok: true, registration: hits[0] };
  }
  return {
    ok: false,
    message: `Subscription ${input.azureSubscriptionId} is not mapped on any registration I could read${tenant ? ' and I cannot tell which one you mean' : ''}. Add \`on <registration>\` (one of ${names}). Nothing was changed.${unread}`,
  };
}

async function findCustomer(deps: TenantChangeDependencies, tenant: string, options?: CallOptions): Promise<CustomerSummary | undefined> {
  const query = parseTenantQuery(tenant);
  if (query.kind === 'id') return deps.cloud.partnerCenter.getCustomer(query.id, options);
  if (query.kind === 'domain') return deps.cloud.partnerCenter.findCustomerByDomain(query.domain, options);
  return undefined;
}
