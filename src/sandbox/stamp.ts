// Simulated Azure Stack Hub stamps under /stamps/{name}: one per seeded PayAsYouUse registration,
// named after it. Each has an admin ARM (`…/adminmanagement`: metadata, the operator's own
// subscriptions and their locations, directory tenants, identity health, offers, user subscriptions,
// provider usage), a tenant (user) ARM (`…/management`: metadata, role assignments on user
// subscriptions) and a user portal page (`…/portal`). Shapes from docs/reference/azure-stack-hub-operator.md
// (AZ-0…AZ-8) and the examples in test/fixtures/specs/azurestack-admin; choices where they are silent
// are in README.md.
import { createHash, randomUUID } from 'crypto';
import { OWNER_ROLE_ID, type SandboxState } from './state';
import { principalFilter } from './arm';
import { BadJson, armError, empty, json, jsonBody, route, type ApiRequest, type Reply, type Route } from './http';

export const SUBSCRIPTIONS_ADMIN_API_VERSION = '2015-11-01';
export const COMMERCE_ADMIN_API_VERSION = '2015-06-01-preview';
export const METADATA_API_VERSION = '2015-01-01';
/** Microsoft.Resources subscriptions and locations on a stamp (profiles 2019-03-01-hybrid and 2020-09-01-hybrid). */
const RESOURCES_API_VERSIONS = ['2016-06-01', '2019-10-01'];
/** Role assignments on a stamp's tenant ARM: profile 2019-03-01-hybrid maps them to 2015-07-01. */
const STAMP_AUTHORIZATION_API_VERSIONS = ['2015-07-01'];
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

export type OfferState = 'Public' | 'Private' | 'Decommissioned';
export type UserSubscriptionState = 'Enabled' | 'Disabled' | 'Deleting' | 'Deleted' | 'PartiallyDeleted' | 'NotDefined' | 'Warned' | 'PastDue';

export interface StampOffer {
  name: string;
  displayName: string;
  description: string;
  resourceGroup: string;
  state: OfferState;
  planName: string;
}

export interface StampDirectoryTenant {
  /** The directory's domain name (the resource name). */
  domain: string;
  tenantId: string;
  /** The customer's global admin registered the stamp's applications (Register-AzsWithMyDirectoryTenant). */
  consented: boolean;
}

export interface StampUserSubscription {
  subscriptionId: string;
  displayName: string;
  owner: string;
  offerId: string;
  tenantId: string;
  state: UserSubscriptionState;
  routingResourceManagerType: string;
  externalReferenceId?: string;
  createdAt: string;
  /** Usage is generated from this instant (default createdAt) until the subscription is disabled. */
  usageSince: string;
  disabledAt?: string;
  /** Resources in it (the simulated stamp only counts them; a subscription with resources cannot lose its directory). */
  resourceCount: number;
}

export interface StampRoleAssignment {
  name: string;
  /** `/subscriptions/{userSubscriptionId}` */
  scope: string;
  principalId: string;
  roleDefinitionId: string;
}

export interface StampCounts {
  directoryTenantPuts: number;
  directoryTenantDeletes: number;
  subscriptionsCreated: number;
  subscriptionPuts: number;
  roleAssignmentsCreated: number;
  roleAssignmentDeletes: number;
}

export interface Stamp {
  /** The registration it reports to (the name in AZURESTACK_STAMPS). */
  name: string;
  region: string;
  /** The token audience of both its ARMs (`authentication.audiences[0]`). */
  audience: string;
  providerSubscriptionId: string;
  meteringSubscriptionId: string;
  consumptionSubscriptionId: string;
  /** By lower-cased domain. */
  directoryTenants: Record<string, StampDirectoryTenant>;
  /** By lower-cased offer name. */
  offers: Record<string, StampOffer>;
  /** By lower-cased subscription id. */
  subscriptions: Record<string, StampUserSubscription>;
  roleAssignments: StampRoleAssignment[];
  /** subscriberUsageAggregates page size (1000 lines, as documented). */
  usagePageSize: number;
  counters: StampCounts;
}

export interface StampContext {
  origin: string;
  state: SandboxState;
}

/** The partner's own domain: the stamps' home directory (Entra ID deployments register the stamp's apps there). */
export const HOME_DIRECTORY_DOMAIN = 'csp-partner.onmicrosoft.com';

const stableGuid = (seed: string) => {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export function addStamp(state: SandboxState, input: { name: string; region: string }): Stamp {
  const stamp: Stamp = {
    name: input.name,
    region: input.region.toLowerCase(),
    audience: `https://management.${HOME_DIRECTORY_DOMAIN}/${stableGuid(`audience|${input.name}|${randomUUID()}`)}`,
    providerSubscriptionId: randomUUID(),
    meteringSubscriptionId: randomUUID(),
    consumptionSubscriptionId: randomUUID(),
    directoryTenants: {},
    offers: {},
    subscriptions: {},
    roleAssignments: [],
    usagePageSize: 1000,
    counters: {
      directoryTenantPuts: 0,
      directoryTenantDeletes: 0,
      subscriptionsCreated: 0,
      subscriptionPuts: 0,
      roleAssignmentsCreated: 0,
      roleAssignmentDeletes: 0,
    },
  };
  const offer = (name: string, displayName: string, offerState: OfferState, description: string) => {
    stamp.offers[name.toLowerCase()] = { name, displayName, description, resourceGroup: 'csp-offers', state: offerState, planName: `${name}-plan` };
  };
  offer('csp-standard', 'CSP Standard', 'Public', 'Compute, storage and network with the standard quotas.');
  offer('csp-large', 'CSP Large', 'Public', 'Compute, storage and network with large quotas.');
  offer('operator-internal', 'Operator internal', 'Private', 'For the operator’s own workloads.');
  offer('csp-legacy', 'CSP Legacy', 'Decommissioned', 'Replaced by CSP Standard.');
  state.stamps[stamp.name.toLowerCase()] = stamp;
  return stamp;
}

export function findStamp(state: SandboxState, name: string): Stamp | undefined {
  return state.stamps[name.toLowerCase()];
}

export const offerId = (stamp: Stamp, offer: StampOffer) =>
  `/subscriptions/${stamp.providerSubscriptionId}/resourceGroups/${offer.resourceGroup}/providers/Microsoft.Subscriptions.Admin/offers/${offer.name}`;

/** Endpoints of a stamp as the simulated cloud serves it. */
export function stampEndpoints(origin: string, name: string) {
  const base = `${origin}/stamps/${encodeURIComponent(name)}`;
  return { adminArm: `${base}/adminmanagement`, tenantArm: `${base}/management`, userPortal: `${base}/portal/`, adminPortal: `${base}/adminportal/` };
}

/** Whether a token for this stamp's audience may be issued in `tenantId`: its home directory, or a registered directory that consented. */
export function stampResourceAvailable(state: SandboxState, audience: string, tenantId: string): boolean | undefined {
  const norm = (a: string) => a.replace(/\/+$/, '').toLowerCase();
  const stamp = Object.values(state.stamps).find((s) => norm(s.audience) === norm(audience));
  if (!stamp) return undefined;
  const tid = tenantId.toLowerCase();
  if (tid === state.partnerTenantId) return true;
  return Object.values(stamp.directoryTenants).some((d) => d.tenantId === tid && d.consented);
}

/** The customer's admin ran Register-AzsWithMyDirectoryTenant (or pressed Register on the portal link). */
export function consentDirectory(state: SandboxState, stampName: string, directory: string): StampDirectoryTenant {
  const stamp = findStamp(state, stampName);
  if (!stamp) throw new Error(`No stamp ${stampName}`);
  const wanted = directory.toLowerCase();
  const tenant = Object.values(stamp.directoryTenants).find((d) => d.domain.toLowerCase() === wanted || d.tenantId === wanted);
  if (!tenant) throw new Error(`The directory ${directory} is not registered on the stamp ${stampName}: the operator registers it first`);
  tenant.consented = true;
  return tenant;
}

/** A user subscription made directly (seeding): its directory registered and consented. */
export function seedStampSubscription(
  state: SandboxState,
  input: { stamp: string; tenantId: string; domain: string; owner: string; offer?: string; displayName?: string; usageSinceDaysAgo?: number; subscriptionId?: string },
): StampUserSubscription {
  const stamp = findStamp(state, input.stamp);
  if (!stamp) throw new Error(`No stamp ${input.stamp}`);
  stamp.directoryTenants[input.domain.toLowerCase()] ??= { domain: input.domain, tenantId: input.tenantId.toLowerCase(), consented: true };
  const offer = stamp.offers[(input.offer ?? 'csp-standard').toLowerCase()];
  if (!offer) throw new Error(`No offer ${input.offer} on ${input.stamp}`);
  const now = Date.now();
  const since = new Date(now - (input.usageSinceDaysAgo ?? 0) * DAY_MS).toISOString();
  const sub: StampUserSubscription = {
    subscriptionId: (input.subscriptionId ?? randomUUID()).toLowerCase(),
    displayName: input.displayName ?? input.domain,
    owner: input.owner,
    offerId: offerId(stamp, offer),
    tenantId: input.tenantId.toLowerCase(),
    state: 'Enabled',
    routingResourceManagerType: 'Default',
    createdAt: since,
    usageSince: since,
    resourceCount: 0,
  };
  stamp.subscriptions[sub.subscriptionId] = sub;
  return sub;
}

// ---- routes --------------------------------------------------------------------------------------

const NAME = '([^/]+)';
const SEG = '([^/]+)';
const ADMIN = `^/${NAME}/adminmanagement`;
const TENANT = `^/${NAME}/management`;
const SUBS_ADMIN = `/subscriptions/${SEG}/providers/Microsoft\\.Subscriptions\\.Admin`;
const DIR = `/subscriptions/${SEG}/resourcegroups/${SEG}/providers/Microsoft\\.Subscriptions\\.Admin/directoryTenants`;
const RA = `/subscriptions/${SEG}/providers/Microsoft\\.Authorization/roleAssignments`;

type Handler = (ctx: StampContext, stamp: Stamp, req: ApiRequest, params: string[]) => Reply;

/** Paths (after /stamps) the metadata is served at, without a token. */
export const STAMP_ANONYMOUS_PATH = /^\/[^/]+\/(adminmanagement|management)\/metadata\/endpoints$/i;

export function stampRoutes(ctx: StampContext): Route[] {
  const r = (method: string, pattern: string, versions: string[], type: string, handler: Handler, side: 'admin' | 'tenant' | 'none') =>
    route(method, new RegExp(`${pattern}$`, 'i'), (req, [name, ...params]) => {
      const stamp = findStamp(ctx.state, name);
      if (!stamp) return armError(404, 'NotFound', `No Azure Stack Hub stamp answers at '${name}'.`);
      const version = req.query.get('api-version');
      if (!version) return armError(400, 'MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
      if (!versions.includes(version)) {
        return armError(
          400,
          'NoRegisteredProviderFound',
          `No registered resource provider found for location '${stamp.region}' and API version '${version}' for type '${type}'. The supported api-versions are '${versions.join(', ')}'.`,
        );
      }
      if (side === 'admin' && req.token && req.token.tid !== ctx.state.partnerTenantId) {
        return armError(401, 'InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer '${ctx.origin}/${req.token.tid}/v2.0'. The stamp's administrator endpoint accepts tokens of its home directory only.`);
      }
      return handler(ctx, stamp, req, params);
    });
  const subs = [SUBSCRIPTIONS_ADMIN_API_VERSION];
  return [
    r('GET', `${ADMIN}/metadata/endpoints`, [METADATA_API_VERSION], 'metadata', (c, s) => metadata(c, s, 'admin'), 'none'),
    r('GET', `${TENANT}/metadata/endpoints`, [METADATA_API_VERSION], 'metadata', (c, s) => metadata(c, s, 'tenant'), 'none'),
    r('GET', `${ADMIN}/subscriptions`, RESOURCES_API_VERSIONS, 'subscriptions', operatorSubscriptions, 'admin'),
    r('GET', `${ADMIN}/subscriptions/${SEG}/locations`, RESOURCES_API_VERSIONS, 'locations', locations, 'admin'),
    r('GET', `${ADMIN}${DIR}`, subs, 'directoryTenants', listDirectoryTenants, 'admin'),
    r('GET', `${ADMIN}${DIR}/${SEG}`, subs, 'directoryTenants', getDirectoryTenant, 'admin'),
    r('PUT', `${ADMIN}${DIR}/${SEG}`, subs, 'directoryTenants', putDirectoryTenant, 'admin'),
    r('DELETE', `${ADMIN}${DIR}/${SEG}`, subs, 'directoryTenants', deleteDirectoryTenant, 'admin'),
    r('POST', `${ADMIN}${SUBS_ADMIN}/checkIdentityHealth`, [...subs, '2018-05-01'], 'checkIdentityHealth', identityHealth, 'admin'),
    r('GET', `${ADMIN}${SUBS_ADMIN}/offers`, subs, 'offers', (_c, s, _q, [sub]) => listOffers(s, sub), 'admin'),
    r('GET', `${ADMIN}/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.Subscriptions\\.Admin/offers`, subs, 'offers', (_c, s, _q, [sub, rg]) => listOffers(s, sub, rg), 'admin'),
    r('GET', `${ADMIN}/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.Subscriptions\\.Admin/offers/${SEG}`, subs, 'offers', getOffer, 'admin'),
    r('GET', `${ADMIN}${SUBS_ADMIN}/subscriptions`, subs, 'subscriptions', listUserSubscriptions, 'admin'),
    r('GET', `${ADMIN}${SUBS_ADMIN}/subscriptions/${SEG}`, subs, 'subscriptions', getUserSubscription, 'admin'),
    r('PUT', `${ADMIN}${SUBS_ADMIN}/subscriptions/${SEG}`, subs, 'subscriptions', putUserSubscription, 'admin'),
    r('DELETE', `${ADMIN}${SUBS_ADMIN}/subscriptions/${SEG}`, subs, 'subscriptions', deleteUserSubscription, 'admin'),
    r('GET', `${ADMIN}/subscriptions/${SEG}/providers/Microsoft\\.Commerce\\.Admin/subscriberUsageAggregates`, [COMMERCE_ADMIN_API_VERSION], 'subscriberUsageAggregates', usage, 'admin'),
    r('PUT', `${TENANT}${RA}/${SEG}`, STAMP_AUTHORIZATION_API_VERSIONS, 'roleAssignments', putRoleAssignment, 'tenant'),
    r('GET', `${TENANT}${RA}/${SEG}`, STAMP_AUTHORIZATION_API_VERSIONS, 'roleAssignments', getRoleAssignment, 'tenant'),
    r('DELETE', `${TENANT}${RA}/${SEG}`, STAMP_AUTHORIZATION_API_VERSIONS, 'roleAssignments', deleteRoleAssignment, 'tenant'),
    r('GET', `${TENANT}${RA}`, STAMP_AUTHORIZATION_API_VERSIONS, 'roleAssignments', listRoleAssignments, 'tenant'),
    r('GET', `${TENANT}/subscriptions/${SEG}/resources`, ['2016-09-01', '2018-05-01'], 'resources', listResources, 'tenant'),
  ];
}

function metadata(ctx: StampContext, stamp: Stamp, side: 'admin' | 'tenant'): Reply {
  const ends = stampEndpoints(ctx.origin, stamp.name);
  const portal = side === 'admin' ? ends.adminPortal : ends.userPortal;
  return json(200, {
    galleryEndpoint: `${portal}gallery/`,
    graphEndpoint: `${ctx.origin}/graph/`,
    portalEndpoint: portal,
    authentication: { loginEndpoint: `${ctx.origin}/`, audiences: [stamp.audience] },
  });
}

const sameSub = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function notProviderSubscription(stamp: Stamp, sub: string): Reply | undefined {
  if (sameSub(sub, stamp.providerSubscriptionId)) return undefined;
  return armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
}

function operatorSubscriptions(_ctx: StampContext, stamp: Stamp): Reply {
  const one = (id: string, displayName: string) => ({
    id: `/subscriptions/${id}`,
    subscriptionId: id,
    displayName,
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'AzureStack', quotaId: 'AzureStack', spendingLimit: 'Off' },
  });
  return json(200, {
    value: [
      one(stamp.meteringSubscriptionId, 'Metering Subscription'),
      one(stamp.consumptionSubscriptionId, 'Consumption Subscription'),
      one(stamp.providerSubscriptionId, 'Default Provider Subscription'),
    ],
  });
}

function locations(_ctx: StampContext, stamp: Stamp, _req: ApiRequest, [sub]: string[]): Reply {
  const known = [stamp.providerSubscriptionId, stamp.meteringSubscriptionId, stamp.consumptionSubscriptionId].some((s) => sameSub(s, sub));
  if (!known) return armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  return json(200, { value: [{ id: `/subscriptions/${sub}/locations/${stamp.region}`, name: stamp.region, displayName: stamp.region }] });
}

// ---- directory tenants (AZ-2) ----

function directoryTenantsProblem(stamp: Stamp, sub: string, rg: string): Reply | undefined {
  const wrongSub = notProviderSubscription(stamp, sub);
  if (wrongSub) return wrongSub;
  if (rg.toLowerCase() !== `system.${stamp.region}`) {
    return armError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
  }
  return undefined;
}

function directoryTenantBody(stamp: Stamp, t: StampDirectoryTenant) {
  return {
    id: `/subscriptions/${stamp.providerSubscriptionId}/resourceGroups/System.${stamp.region}/providers/Microsoft.Subscriptions.Admin/directoryTenants/${t.domain}`,
    name: t.domain,
    type: 'Microsoft.Subscriptions.Admin/directoryTenants',
    location: stamp.region,
    properties: { tenantId: t.tenantId },
  };
}

function directoryNotFound(name: string): Reply {
  return armError(404, 'DirectoryTenantNotFound', `The directory tenant '${name}' could not be found.`);
}

function listDirectoryTenants(_ctx: StampContext, stamp: Stamp, _req: ApiRequest, [sub, rg]: string[]): Reply {
  const problem = directoryTenantsProblem(stamp, sub, rg);
  if (problem) return problem;
  return json(200, { value: Object.values(stamp.directoryTenants).map((t) => directoryTenantBody(stamp, t)) });
}

function getDirectoryTenant(_ctx: StampContext, stamp: Stamp, _req: ApiRequest, [sub, rg, name]: string[]): Reply {
  const problem = directoryTenantsProblem(stamp, sub, rg);
  if (problem) return problem;
  const tenant = stamp.directoryTenants[name.toLowerCase()];
  return tenant ? json(200, directoryTenantBody(stamp, tenant)) : directoryNotFound(name);
}

function readJson(req: ApiRequest): { ok: true; body: unknown } | { ok: false; reply: Reply } {
  try {
    return { ok: true, body: jsonBody(req) };
  } catch (e) {
    if (e instanceof BadJson) return { ok: false, reply: armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.') };
    throw e;
  }
}

function putDirectoryTenant(ctx: StampContext, stamp: Stamp, req: ApiRequest, [sub, rg, name]: string[]): Reply {
  const problem = directoryTenantsProblem(stamp, sub, rg);
  if (problem) return problem;
  const read = readJson(req);
  if (!read.ok) return read.reply;
  const body = read.body as { location?: unknown; properties?: { tenantId?: unknown } } | undefined;
  const tenantId = body?.properties?.tenantId;
  if (typeof tenantId !== 'string' || !GUID_RE.test(tenantId)) {
    return armError(400, 'InvalidTenantId', 'The directory tenant must have properties.tenantId, the directory GUID.');
  }
  // The directory must be the one the domain names (AzureStack-Tools reads it from the domain's OpenID configuration).
  const owner = Object.values(ctx.state.customers).find((c) => c.domain.toLowerCase() === name.toLowerCase())?.id;
  if (owner && owner !== tenantId.toLowerCase()) {
    return armError(400, 'InvalidTenantId', `The directory '${name}' has tenant id '${owner}', not '${tenantId}'.`);
  }
  const key = name.toLowerCase();
  const existing = stamp.directoryTenants[key];
  stamp.counters.directoryTenantPuts += 1;
  if (existing && existing.tenantId === tenantId.toLowerCase()) return json(200, directoryTenantBody(stamp, existing));
  const tenant: StampDirectoryTenant = { domain: name, tenantId: tenantId.toLowerCase(), consented: false };
  stamp.directoryTenants[key] = tenant;
  return json(existing ? 200 : 201, directoryTenantBody(stamp, tenant));
}

function deleteDirectoryTenant(_ctx: StampContext, stamp: Stamp, _req: ApiRequest, [sub, rg, name]: string[]): Reply {
  const problem = directoryTenantsProblem(stamp, sub, rg);
  if (problem) return problem;
  const key = name.toLowerCase();
  const tenant = stamp.directoryTenants[key];
  if (!tenant) return empty(204);
  delete stamp.directoryTenants[key];
  stamp.counters.directoryTenantDeletes += 1;
  return empty(200);
}

// ---- identity health (AZ-4) ----

function identityHealth(ctx: StampContext, stamp: Stamp, _req: ApiRequest, [sub]: string[]): Reply {
  const wrongSub = notProviderSubscription(stamp, sub);
  if (wrongSub) return wrongSub;
  const now = new Date().toISOString();
  const appId = stableGuid(`app|${stamp.audience}`);
  const directory = (tenantId: string, tenantName: string, healthy: boolean) => ({
    tenantId,
    tenantName,
    status: healthy ? 'Healthy' : 'Unhealthy',
    applications: [
      {
        appId,
        servicePrincipalObjectId: healthy ? stableGuid(`sp|${appId}|${tenantId}`) : '',
        status: healthy ? 'Healthy' : 'Unhealthy',
        appRoleAssignments: [],
        oAuth2PermissionGrants: [],
        servicePrincipalTags: [],
      },
    ],
  });
  const tenants = [
    directory(ctx.state.partnerTenantId, HOME_DIRECTORY_DOMAIN, true),
    ...Object.values(stamp.directoryTenants).map((t) => directory(t.tenantId, t.domain, t.consented)),
  ];
  return json(200, {
    reportStartTimeUtc: now,
    reportEndTimeUtc: now,
    status: tenants.every((t) => t.status === 'Healthy') ? 'Healthy' : 'Unhealthy',
    directoryTenants: tenants,
  });
}

// ---- offers (AZ-5) ----

function offerBody(stamp: Stamp, offer: StampOffer) {
  const subscriptionCount = Object.values(stamp.subscriptions).filter((s) => s.offerId.toLowerCase() === offerId(stamp, offer).toLowerCase()).length;
  return {
    id: offerId(stamp, offer),
    name: offer.name,
    type: 'Microsoft.Subscriptions.Admin/offers',
    location: stamp.region,
    properties: {
      name: offer.name,
      displayName: offer.displayName,
      description: offer.description,
      externalReferenceId: '',
      state: offer.state,
      subscriptionCount,
      maxSubscriptionsPerAccount: 0,
      basePlanIds: [`/subscriptions/${stamp.providerSubscriptionId}/resourceGroups/${offer.resourceGroup}/providers/Microsoft.Subscriptions.Admin/plans/${offer.planName}`],
    },
  };
}

function listOffers(stamp: Stamp, sub: string, rg?: string): Reply {
  const wrongSub = notProviderSubscription(stamp, sub);
  if (wrongSub) return wrongSub;
  const value = Object.values(stamp.offers)
    .filter((o) => rg === undefined || o.resourceGroup.toLowerCase() === rg.toLowerCase())
    .map((o) => offerBody(stamp, o));
  return json(200, { value });
}

function getOffer(_ctx: StampContext, stamp: Stamp, _req: ApiRequest, [sub, rg, name]: string[]): Reply {
  const wrongSub = notProviderSubscription(stamp, sub);
  if (wrongSub) return wrongSub;
  const offer = stamp.offers[name.toLowerCase()];
  if (!offer || offer.resourceGroup.toLowerCase() !== rg.toLowerCase()) {
    return armError(404, 'OfferNotFound', `The offer '${name}' could not be found in resource group '${rg}'.`);
  }
  return json(200, offerBody(stamp, offer));
}

// ---- user subscriptions (AZ-6) ----

function subscriptionBody(stamp: Stamp, s: StampUserSubscription) {
  return {
    id: `/subscriptions/${stamp.providerSubscriptionId}/providers/Microsoft.Subscriptions.Admin/subscriptions/${s.subscriptionId}`,
    subscriptionId: s.subscriptionId,
    delegatedProviderSubscriptionId: stamp.providerSubscriptionId,
    displayName: s.displayName,
    owner: s.owner,
    tenantId: s.tenantId,
    routingResourceManagerType: s.routingResourceManagerType,
    offerId: s.offerId,
    state: s.state,
    ...(s.externalReferenceId ? { externalReferenceId: s.externalReferenceId } : {}),
  };
}

function subscriptionNotFound(id: string): Reply {
  return armError(404, 'SubscriptionNotFound', `The subscription '${id}' could not be found.`);
}

function listUserSubscriptions(_ctx: StampContext, stamp: Stamp, _req: ApiRequest, [sub]: string[]): Reply {
  const wrongSub = notProviderSubscription(stamp, sub);
  if (wrongSub) return wrongSub;
  return json(200, { value: Object.values(stamp.subscriptions).map((s) => subscriptionBody(stamp, s)) });
}

function getUserSubscription(_ctx: StampContext, stamp: Stamp, _req: ApiRequest, [sub, id]: string[]): Reply {
  const wrongSub = notProviderSubscription(stamp, sub);
  if (wrongSub) return wrongSub;
  const found = stamp.subscriptions[id.toLowerCase()];
  return found ? json(200, subscriptionBody(stamp, found)) : subscriptionNotFound(id);
}

const STATES: UserSubscriptionState[] = ['Enabled', 'Disabled', 'Deleting', 'Deleted', 'PartiallyDeleted', 'NotDefined', 'Warned', 'PastDue'];

function putUserSubscription(ctx: StampContext, stamp: Stamp, req: ApiRequest, [sub, id]: string[]): Reply {
  const wrongSub = notProviderSubscription(stamp, sub);
  if (wrongSub) return wrongSub;
  if (!GUID_RE.test(id)) return armError(400, 'InvalidSubscriptionId', `The subscription id '${id}' is not a GUID.`);
  const read = readJson(req);
  if (!read.ok) return read.reply;
  const body = (read.body ?? {}) as Record<string, unknown>;
  const str = (key: string) => (typeof body[key] === 'string' && (body[key] as string).trim() !== '' ? (body[key] as string).trim() : undefined);
  // The spec example wraps the body in `properties`; the service takes the flat object (README.md).
  if (body.properties !== undefined && str('offerId') === undefined) {
    return armError(400, 'InvalidRequestContent', 'The subscription must be sent as a flat object (subscriptionId, displayName, owner, offerId, tenantId, state).');
  }
  if (str('subscriptionId') && str('subscriptionId')!.toLowerCase() !== id.toLowerCase()) {
    return armError(400, 'InvalidSubscriptionId', `The body's subscriptionId '${str('subscriptionId')}' is not the subscription '${id}' of the URL.`);
  }
  const owner = str('owner');
  if (!owner || !/^[^@\s]+@[^@\s]+$/.test(owner)) return armError(400, 'InvalidSubscriptionOwner', 'The subscription owner must be a user principal name such as admin@contoso.onmicrosoft.com.');
  const offerIdValue = str('offerId');
  const offer = Object.values(stamp.offers).find((o) => offerId(stamp, o).toLowerCase() === offerIdValue?.toLowerCase());
  if (!offer) return armError(400, 'InvalidOffer', `The offer '${offerIdValue ?? ''}' could not be found.`);
  const key = id.toLowerCase();
  const existing = stamp.subscriptions[key];
  if (!existing && offer.state === 'Decommissioned') {
    return armError(400, 'OfferDecommissioned', `The offer '${offer.name}' is decommissioned: new subscriptions cannot use it.`);
  }
  const requestedTenant = str('tenantId')?.toLowerCase();
  let tenantId: string;
  if (requestedTenant) {
    const registered = requestedTenant === ctx.state.partnerTenantId || Object.values(stamp.directoryTenants).some((d) => d.tenantId === requestedTenant);
    if (!registered) return armError(400, 'DirectoryTenantNotRegistered', `The directory tenant '${requestedTenant}' is not registered with this Azure Stack Hub.`);
    tenantId = requestedTenant;
  } else {
    // Recorded: a create without tenantId got one of the stamp's directories. Ours: the home directory.
    tenantId = existing?.tenantId ?? ctx.state.partnerTenantId;
  }
  const stateValue = str('state') ?? 'Enabled';
  if (!STATES.includes(stateValue as UserSubscriptionState)) return armError(400, 'InvalidSubscriptionState', `The state '${stateValue}' is not valid.`);
  const now = new Date().toISOString();
  const next: StampUserSubscription = {
    subscriptionId: key,
    displayName: str('displayName') ?? existing?.displayName ?? key,
    owner,
    offerId: offerId(stamp, offer),
    tenantId,
    state: stateValue as UserSubscriptionState,
    routingResourceManagerType: str('routingResourceManagerType') ?? 'Default',
    externalReferenceId: str('externalReferenceId'),
    createdAt: existing?.createdAt ?? now,
    usageSince: existing?.usageSince ?? now,
    disabledAt: stateValue === 'Enabled' ? undefined : (existing?.disabledAt ?? now),
    resourceCount: existing?.resourceCount ?? 0,
  };
  stamp.subscriptions[key] = next;
  stamp.counters.subscriptionPuts += 1;
  if (!existing) stamp.counters.subscriptionsCreated += 1;
  return json(existing ? 200 : 201, subscriptionBody(stamp, next));
}

function deleteUserSubscription(_ctx: StampContext, stamp: Stamp, _req: ApiRequest, [sub, id]: string[]): Reply {
  const wrongSub = notProviderSubscription(stamp, sub);
  if (wrongSub) return wrongSub;
  const found = stamp.subscriptions[id.toLowerCase()];
  if (!found) return empty(204);
  found.state = 'Deleted';
  found.disabledAt ??= new Date().toISOString();
  return empty(200);
}

// ---- provider usage (AZ-8) ----

const METERS = [
  { meterId: 'FAB6EB84-500B-4A09-A8CA-7358F8BBAEA5', name: 'Base VM Size Hours', resource: 'Microsoft.Compute/virtualMachines/vm1', base: 24 },
  { meterId: 'B4438D5D-453B-4EE1-B42A-DC72E377F1E4', name: 'Table Data Stored', resource: 'Microsoft.Storage/storageAccounts/store1', base: 3 },
];

function parseInstant(raw: string | null): number | undefined {
  if (!raw) return undefined;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : t;
}

function usage(ctx: StampContext, stamp: Stamp, req: ApiRequest, [sub]: string[]): Reply {
  const wrongSub = notProviderSubscription(stamp, sub);
  if (wrongSub) return wrongSub;
  const start = parseInstant(req.query.get('reportedStartTime'));
  const end = parseInstant(req.query.get('reportedEndTime'));
  if (start === undefined || end === undefined) {
    return armError(400, 'InvalidReportedTime', 'reportedStartTime and reportedEndTime are required ISO 8601 UTC instants.');
  }
  const granularity = (req.query.get('aggregationGranularity') || 'Daily').toLowerCase();
  if (granularity !== 'daily' && granularity !== 'hourly') return armError(400, 'InvalidAggregationGranularity', `The aggregation granularity '${granularity}' is not Daily or Hourly.`);
  if (granularity === 'daily' && (start % DAY_MS !== 0 || end % DAY_MS !== 0)) {
    return armError(400, 'InvalidReportedTime', 'With daily aggregation reportedStartTime and reportedEndTime must be UTC midnights.');
  }
  if (end <= start) return armError(400, 'InvalidReportedTime', 'reportedEndTime must be after reportedStartTime.');
  const subscriber = req.query.get('subscriberId')?.toLowerCase() || undefined;
  // Days not fully processed (today and later) have no usage yet.
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const records: unknown[] = [];
  const step = granularity === 'daily' ? DAY_MS : DAY_MS / 24;
  for (const s of Object.values(stamp.subscriptions)) {
    if (subscriber && s.subscriptionId !== subscriber) continue;
    const from = Math.max(start, Math.ceil(Date.parse(s.usageSince) / step) * step);
    const until = Math.min(end, today, s.disabledAt ? Math.floor(Date.parse(s.disabledAt) / step) * step : Infinity);
    for (let t = from; t + step <= until; t += step) {
      for (const meter of METERS) {
        const h = createHash('sha256').update(`${s.subscriptionId}|${meter.meterId}|${t}`).digest();
        const quantity = Math.round(((meter.base * step) / DAY_MS) * (0.5 + h[0] / 255) * 1000) / 1000;
        records.push({
          id: `/subscriptions/${stamp.providerSubscriptionId}/providers/Microsoft.Commerce/UsageAggregate/${s.subscriptionId}-${meter.meterId}`,
          name: `${s.subscriptionId}-${meter.meterId}`,
          type: 'Microsoft.Commerce/UsageAggregate',
          properties: {
            subscriptionId: s.subscriptionId,
            usageStartTime: new Date(t).toISOString().replace('.000Z', '+00:00'),
            usageEndTime: new Date(t + step).toISOString().replace('.000Z', '+00:00'),
            instanceData: JSON.stringify({
              'Microsoft.Resources': { resourceUri: `/subscriptions/${s.subscriptionId}/resourceGroups/workloads/providers/${meter.resource}`, location: stamp.region, tags: '', additionalInfo: '' },
            }),
            quantity,
            meterId: meter.meterId,
          },
        });
      }
    }
  }
  const skip = Number(req.query.get('continuationToken') ?? '0');
  if (!Number.isInteger(skip) || skip < 0) return armError(400, 'InvalidContinuationToken', 'The continuation token is not valid.');
  const page = records.slice(skip, skip + stamp.usagePageSize);
  const next = skip + stamp.usagePageSize;
  if (next >= records.length) return json(200, { value: page });
  const url = new URL(`${ctx.origin}${req.path}`);
  req.query.forEach((v, k) => url.searchParams.set(k, v));
  url.searchParams.set('continuationToken', String(next));
  return json(200, { value: page, nextLink: url.toString() });
}

// ---- role assignments on the tenant ARM (AZ-7) ----

function tenantSubscription(ctx: StampContext, stamp: Stamp, req: ApiRequest, sub: string): StampUserSubscription | Reply {
  const found = stamp.subscriptions[sub.toLowerCase()];
  if (!found || found.state === 'Deleted') return subscriptionNotFound(sub);
  if (req.token && req.token.tid !== found.tenantId) {
    return armError(
      401,
      'InvalidAuthenticationTokenTenant',
      `The access token is from the wrong issuer '${ctx.origin}/${req.token.tid}/v2.0'. It must match the tenant '${ctx.origin}/${found.tenantId}/v2.0' associated with this subscription.`,
    );
  }
  return found;
}

const isReply = (x: unknown): x is Reply => typeof x === 'object' && x !== null && 'status' in x && !('subscriptionId' in x);

function roleAssignmentBody(ra: StampRoleAssignment) {
  return {
    properties: {
      roleDefinitionId: `${ra.scope}/providers/Microsoft.Authorization/roleDefinitions/${ra.roleDefinitionId}`,
      principalId: ra.principalId,
      scope: ra.scope,
    },
    id: `${ra.scope}/providers/Microsoft.Authorization/roleAssignments/${ra.name}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name: ra.name,
  };
}

function putRoleAssignment(ctx: StampContext, stamp: Stamp, req: ApiRequest, [sub, name]: string[]): Reply {
  const found = tenantSubscription(ctx, stamp, req, sub);
  if (isReply(found)) return found;
  if (!GUID_RE.test(name)) return armError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
  if (found.state !== 'Enabled') {
    return armError(409, 'ReadOnlyDisabledSubscription', `The subscription '${found.subscriptionId}' is disabled and therefore marked as read only. You cannot perform any write actions on this subscription until it is re-enabled.`);
  }
  const read = readJson(req);
  if (!read.ok) return read.reply;
  const props = (read.body as { properties?: { roleDefinitionId?: unknown; principalId?: unknown; principalType?: unknown } } | undefined)?.properties;
  if (props?.principalType !== undefined) {
    return armError(400, 'InvalidRequestContent', "The property 'principalType' does not exist in api-version 2015-07-01.");
  }
  const roleDefinitionId = typeof props?.roleDefinitionId === 'string' ? props.roleDefinitionId.split('/').pop()!.toLowerCase() : '';
  const principalId = typeof props?.principalId === 'string' ? props.principalId.toLowerCase() : '';
  if (!GUID_RE.test(roleDefinitionId) || roleDefinitionId !== OWNER_ROLE_ID && !['b24988ac-6180-42a0-ab88-20f7382dd24c', 'acdd72a7-3385-48ef-bd42-f606fba81ae7'].includes(roleDefinitionId)) {
    return armError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${roleDefinitionId}' does not exist.`);
  }
  const directory = ctx.state.directories[found.tenantId];
  if (!GUID_RE.test(principalId) || !directory?.users[principalId]) {
    return armError(400, 'PrincipalNotFound', `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${found.tenantId}.`);
  }
  const scope = `/subscriptions/${found.subscriptionId}`;
  const existing = stamp.roleAssignments.find((ra) => ra.scope === scope && ra.name === name.toLowerCase());
  if (existing) {
    if (existing.principalId !== principalId || existing.roleDefinitionId !== roleDefinitionId) {
      return armError(409, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
    }
    return json(201, roleAssignmentBody(existing));
  }
  const same = stamp.roleAssignments.find((ra) => ra.scope === scope && ra.principalId === principalId && ra.roleDefinitionId === roleDefinitionId);
  if (same) return armError(409, 'RoleAssignmentExists', 'The role assignment already exists.');
  const created: StampRoleAssignment = { name: name.toLowerCase(), scope, principalId, roleDefinitionId };
  stamp.roleAssignments.push(created);
  stamp.counters.roleAssignmentsCreated += 1;
  return json(201, roleAssignmentBody(created));
}

function getRoleAssignment(ctx: StampContext, stamp: Stamp, req: ApiRequest, [sub, name]: string[]): Reply {
  const found = tenantSubscription(ctx, stamp, req, sub);
  if (isReply(found)) return found;
  const ra = stamp.roleAssignments.find((a) => a.scope === `/subscriptions/${found.subscriptionId}` && a.name === name.toLowerCase());
  return ra ? json(200, roleAssignmentBody(ra)) : armError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
}

function deleteRoleAssignment(ctx: StampContext, stamp: Stamp, req: ApiRequest, [sub, name]: string[]): Reply {
  const found = tenantSubscription(ctx, stamp, req, sub);
  if (isReply(found)) return found;
  const index = stamp.roleAssignments.findIndex((a) => a.scope === `/subscriptions/${found.subscriptionId}` && a.name === name.toLowerCase());
  if (index < 0) return empty(204);
  const [removed] = stamp.roleAssignments.splice(index, 1);
  stamp.counters.roleAssignmentDeletes += 1;
  return json(200, roleAssignmentBody(removed));
}

function listRoleAssignments(ctx: StampContext, stamp: Stamp, req: ApiRequest, [sub]: string[]): Reply {
  const found = tenantSubscription(ctx, stamp, req, sub);
  if (isReply(found)) return found;
  const principal = principalFilter(req);
  if (typeof principal === 'object') return principal;
  const value = stamp.roleAssignments
    .filter((a) => a.scope === `/subscriptions/${found.subscriptionId}` && (principal === undefined || a.principalId === principal))
    .map(roleAssignmentBody);
  return json(200, { value });
}

/** A user subscription's resources (the simulator keeps only their number, `resourceCount`). Readable while disabled. */
function listResources(ctx: StampContext, stamp: Stamp, req: ApiRequest, [sub]: string[]): Reply {
  const found = tenantSubscription(ctx, stamp, req, sub);
  if (isReply(found)) return found;
  const value = Array.from({ length: found.resourceCount }, (_, i) => ({
    id: `/subscriptions/${found.subscriptionId}/resourceGroups/workloads/providers/Microsoft.Compute/virtualMachines/vm${i + 1}`,
    name: `vm${i + 1}`,
    type: 'Microsoft.Compute/virtualMachines',
    location: stamp.region,
  }));
  return json(200, { value });
}

/** The user portal's page for a subscription (`/stamps/{name}/portal/…`): what the stamp holds, as JSON for the page. */
export function stampPortalData(state: SandboxState, name: string): unknown {
  const stamp = findStamp(state, name);
  if (!stamp) return undefined;
  return {
    name: stamp.name,
    region: stamp.region,
    directoryTenants: Object.values(stamp.directoryTenants),
    subscriptions: Object.values(stamp.subscriptions).map((s) => ({
      ...s,
      owners: stamp.roleAssignments
        .filter((ra) => ra.scope === `/subscriptions/${s.subscriptionId}` && ra.roleDefinitionId === OWNER_ROLE_ID)
        .map((ra) => state.directories[s.tenantId]?.users[ra.principalId]?.userPrincipalName ?? ra.principalId),
    })),
  };
}
