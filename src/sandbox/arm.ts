// Simulated Azure Resource Manager under /arm: Azure Stack Hub registrations and their
// customerSubscriptions (the tenant mappings), and role assignments on customer subscriptions.
import {
  OWNER_ROLE_ID,
  findRegistration,
  registrationId,
  subscriptionTenant,
  ensureDirectory,
  type Registration,
  type RoleAssignment,
  type SandboxState,
} from './state';
import { BadJson, armError, empty, json, jsonBody, route, type ApiRequest, type Reply, type Route } from './http';

export interface ArmContext {
  origin: string;
  state: SandboxState;
}

const AZURE_STACK_API_VERSIONS = ['2016-01-01', '2017-06-01', '2020-06-01-preview', '2022-06-01'];
const AUTHORIZATION_API_VERSIONS = ['2015-07-01', '2018-01-01-preview', '2020-04-01-preview', '2022-04-01'];
/** Built-in roles the simulator knows: Owner, Contributor, Reader. */
const KNOWN_ROLES = [OWNER_ROLE_ID, 'b24988ac-6180-42a0-ab88-20f7382dd24c', 'acdd72a7-3385-48ef-bd42-f606fba81ae7'];
const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const GUID_RE = new RegExp(`^${GUID}$`);
const SEG = '([^/]+)';
const REG = `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.AzureStack/registrations/${SEG}`;
const RA = `^/subscriptions/${SEG}/providers/Microsoft\\.Authorization/roleAssignments`;

export function armRoutes(ctx: ArmContext): Route[] {
  const stack = (handler: (req: ApiRequest, p: string[]) => Reply) => withApiVersion(AZURE_STACK_API_VERSIONS, 'registrations', handler);
  const authz = (handler: (req: ApiRequest, p: string[]) => Reply) => withApiVersion(AUTHORIZATION_API_VERSIONS, 'roleAssignments', handler);
  return [
    route('GET', new RegExp(`${REG}$`, 'i'), stack((req, p) => getRegistration(ctx, req, p))),
    route('GET', new RegExp(`^/subscriptions/${SEG}/providers/Microsoft\\.AzureStack/registrations$`, 'i'), stack((req, [sub]) => listRegistrations(ctx, req, sub))),
    route('GET', new RegExp(`^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.AzureStack/registrations$`, 'i'), stack((req, [sub, rg]) => listRegistrations(ctx, req, sub, rg))),
    route('GET', new RegExp(`${REG}/customerSubscriptions$`, 'i'), stack((req, p) => listMappings(ctx, req, p))),
    route('PUT', new RegExp(`${REG}/customerSubscriptions/${SEG}$`, 'i'), stack((req, p) => putMapping(ctx, req, p))),
    route('GET', new RegExp(`${REG}/customerSubscriptions/${SEG}$`, 'i'), stack((req, p) => getMapping(ctx, req, p))),
    route('DELETE', new RegExp(`${REG}/customerSubscriptions/${SEG}$`, 'i'), stack((req, p) => deleteMapping(ctx, req, p))),
    route('PUT', new RegExp(`${RA}/${SEG}$`, 'i'), authz((req, p) => putRoleAssignment(ctx, req, p))),
    route('GET', new RegExp(`${RA}/${SEG}$`, 'i'), authz((req, p) => getRoleAssignment(ctx, req, p))),
    route('DELETE', new RegExp(`${RA}/${SEG}$`, 'i'), authz((req, p) => deleteRoleAssignment(ctx, req, p))),
    route('GET', new RegExp(`${RA}$`, 'i'), authz((req, [sub]) => listRoleAssignments(ctx, req, sub))),
  ];
}

function withApiVersion(supported: string[], type: string, handler: (req: ApiRequest, p: string[]) => Reply) {
  return (req: ApiRequest, params: string[]): Reply => {
    const version = req.query.get('api-version');
    if (!version) {
      return armError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests.");
    }
    if (!supported.includes(version)) {
      return armError(
        400,
        'NoRegisteredProviderFound',
        `No registered resource provider found for location 'global' and API version '${version}' for type '${type}'. The supported api-versions are '${supported.join(', ')}'.`,
      );
    }
    return handler(req, params);
  };
}

/** ARM answers a token from another tenant than the subscription's with 401 InvalidAuthenticationTokenTenant. */
export function wrongTenant(ctx: ArmContext, req: ApiRequest, subscriptionId: string): Reply | undefined {
  const owner = subscriptionTenant(ctx.state, subscriptionId);
  if (!owner || !req.token || req.token.tid === owner) return undefined;
  return armError(
    401,
    'InvalidAuthenticationTokenTenant',
    `The access token is from the wrong issuer '${ctx.origin}/${req.token.tid}/v2.0'. It must match the tenant '${ctx.origin}/${owner}/v2.0' associated with this subscription. Please use the authority (URL) '${ctx.origin}/${owner}' to get the token.`,
  );
}

function registrationOf(ctx: ArmContext, req: ApiRequest, [sub, rg, name]: string[]): Registration | Reply {
  const denied = wrongTenant(ctx, req, sub);
  if (denied) return denied;
  const registration = findRegistration(ctx.state, registrationId(sub, rg, name));
  if (registration) return registration;
  return armError(
    404,
    'RegistrationNotFound',
    `The registration '${name}' was not found in resource group '${rg}' of subscription '${sub}'.`,
  );
}

const isReply = (x: unknown): x is Reply => typeof x === 'object' && x !== null && 'status' in x && !('customerSubscriptions' in x);

function registrationBody(r: Registration) {
  return {
    id: r.id,
    name: r.name,
    type: 'Microsoft.AzureStack/registrations',
    location: r.location,
    etag: r.etag,
    properties: { objectId: r.objectId, cloudId: r.cloudId, billingModel: r.billingModel },
  };
}

function getRegistration(ctx: ArmContext, req: ApiRequest, params: string[]): Reply {
  const registration = registrationOf(ctx, req, params);
  return isReply(registration) ? registration : json(200, registrationBody(registration));
}

function listRegistrations(ctx: ArmContext, req: ApiRequest, sub: string, rg?: string): Reply {
  const denied = wrongTenant(ctx, req, sub);
  if (denied) return denied;
  const value = Object.values(ctx.state.registrations)
    .filter((r) => r.subscriptionId.toLowerCase() === sub.toLowerCase())
    .filter((r) => rg === undefined || r.resourceGroup.toLowerCase() === rg.toLowerCase())
    .map(registrationBody);
  return json(200, { value });
}

function mappingBody(r: Registration, azureSubscriptionId: string, tenantId: string) {
  return {
    id: `${r.id}/customerSubscriptions/${azureSubscriptionId}`,
    name: `${r.name}/${azureSubscriptionId}`,
    type: 'Microsoft.AzureStack/registrations/customerSubscriptions',
    properties: { tenantId },
  };
}

/** A registration or mapping as GET would return it, by resource id (for the portal page). */
export function armResourceById(state: SandboxState, id: string): unknown {
  const mapping = /^(.*)\/customerSubscriptions\/([^/]+)$/i.exec(id);
  if (mapping) {
    const registration = findRegistration(state, mapping[1]);
    const entry = registration?.customerSubscriptions[mapping[2]];
    return registration && entry ? mappingBody(registration, mapping[2], entry.tenantId) : undefined;
  }
  const registration = findRegistration(state, id);
  return registration ? registrationBody(registration) : undefined;
}

function putMapping(ctx: ArmContext, req: ApiRequest, params: string[]): Reply {
  const registration = registrationOf(ctx, req, params);
  if (isReply(registration)) return registration;
  const azureSubscriptionId = params[3];
  const problem = mappingProblem(ctx, req, registration, azureSubscriptionId);
  if (typeof problem !== 'string') return problem;
  const tenantId = problem;
  // A tenant is billed through one subscription per registration: a new one replaces the old.
  for (const [sub, mapping] of Object.entries(registration.customerSubscriptions)) {
    if (mapping.tenantId === tenantId && sub !== azureSubscriptionId) delete registration.customerSubscriptions[sub];
  }
  registration.customerSubscriptions[azureSubscriptionId] = { tenantId };
  ctx.state.counters.mappingPuts += 1;
  if (registration.emptyBodyOnPut) return empty(201);
  return json(200, mappingBody(registration, azureSubscriptionId, tenantId));
}

/** Returns the tenant to map, or the error Azure gives for this PUT. */
function mappingProblem(ctx: ArmContext, req: ApiRequest, registration: Registration, azureSubscriptionId: string): string | Reply {
  if (!GUID_RE.test(azureSubscriptionId)) {
    return armError(400, 'InvalidCustomerSubscriptionId', `The customer subscription '${azureSubscriptionId}' is not a valid Azure subscription.`);
  }
  if (azureSubscriptionId !== azureSubscriptionId.toLowerCase()) {
    return armError(400, 'BadCustomerSubscriptionId', `The customer subscription ID '${azureSubscriptionId}' is case sensitive: use lower-case letters.`);
  }
  // Capacity: documented (CustomerSubscriptionsNotAllowed). Development: the docs are silent; we answer
  // as for Capacity, since a proof-of-concept registration bills nothing to pass on (README.md).
  if (registration.billingModel === 'Capacity') {
    return armError(400, 'CustomerSubscriptionsNotAllowed', `The registration '${registration.name}' uses the Capacity billing model: customer subscriptions are not allowed for disconnected (Capacity) registrations.`);
  }
  if (registration.billingModel === 'Development') {
    return armError(400, 'CustomerSubscriptionsNotAllowed', `The registration '${registration.name}' uses the Development billing model: customer subscriptions are not allowed for proof-of-concept (Development) registrations.`);
  }
  if (!registration.approvedForMultiTenancy) {
    return armError(403, 'UnauthorizedCspRegistration', `The registration '${registration.name}' is not approved for multi-tenant billing. Email azstcsp@microsoft.com with the registration subscription ID, resource group and registration name.`);
  }
  let body: unknown;
  try {
    body = jsonBody(req);
  } catch (e) {
    if (e instanceof BadJson) return armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
    throw e;
  }
  const entitlement = ctx.state.entitlements[azureSubscriptionId];
  if (!entitlement || entitlement.status !== 'active') {
    return armError(400, 'InvalidCustomerSubscriptionId', `The customer subscription '${azureSubscriptionId}' is not a valid active Azure subscription.`);
  }
  if (!ctx.state.customers[entitlement.customerTenantId]) {
    return armError(400, 'InvalidCSPSubscription', `The customer subscription '${azureSubscriptionId}' is not a CSP subscription of this partner.`);
  }
  const props = (body as { properties?: { tenantId?: unknown } } | undefined)?.properties;
  const tenantId = typeof props?.tenantId === 'string' ? props.tenantId.toLowerCase() : entitlement.customerTenantId;
  if (tenantId !== entitlement.customerTenantId) {
    return armError(400, 'BadCustomerSubscriptionId', `The customer subscription '${azureSubscriptionId}' does not belong to tenant '${tenantId}'.`);
  }
  return tenantId;
}

function mappingNotFound(azureSubscriptionId: string): Reply {
  return armError(404, 'CustomerSubscriptionNotFound', `The customer subscription '${azureSubscriptionId}' was not found in the registration.`);
}

function getMapping(ctx: ArmContext, req: ApiRequest, params: string[]): Reply {
  const registration = registrationOf(ctx, req, params);
  if (isReply(registration)) return registration;
  const mapping = registration.customerSubscriptions[params[3]];
  if (!mapping) return mappingNotFound(params[3]);
  return json(200, mappingBody(registration, params[3], mapping.tenantId));
}

function deleteMapping(ctx: ArmContext, req: ApiRequest, params: string[]): Reply {
  const registration = registrationOf(ctx, req, params);
  if (isReply(registration)) return registration;
  if (!registration.customerSubscriptions[params[3]]) return empty(204);
  delete registration.customerSubscriptions[params[3]];
  ctx.state.counters.mappingDeletes += 1;
  return empty(200);
}

function listMappings(ctx: ArmContext, req: ApiRequest, params: string[]): Reply {
  const registration = registrationOf(ctx, req, params);
  if (isReply(registration)) return registration;
  const all = Object.entries(registration.customerSubscriptions);
  // "If no tenants have been registered, you won't receive a response" (Azure Stack docs).
  if (all.length === 0) return empty(200);
  const skip = parseSkipToken(req.query.get('$skipToken'));
  if (skip === undefined) return armError(400, 'InvalidSkipToken', 'The $skipToken is not valid.');
  const page = all.slice(skip, skip + registration.pageSize);
  const value = page.map(([sub, m]) => mappingBody(registration, sub, m.tenantId));
  const next = skip + registration.pageSize;
  if (next >= all.length) return json(200, { value });
  const token = Buffer.from(JSON.stringify({ skip: next })).toString('base64url');
  const nextLink = `${ctx.origin}/arm${registration.id}/customerSubscriptions?api-version=${req.query.get('api-version')}&$skipToken=${token}`;
  return json(200, { value, nextLink });
}

function parseSkipToken(token: string | null): number | undefined {
  if (token === null) return 0;
  try {
    const { skip } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { skip?: unknown };
    return typeof skip === 'number' && Number.isInteger(skip) && skip >= 0 ? skip : undefined;
  } catch {
    return undefined;
  }
}

// ---- role assignments ----------------------------------------------------------------------

function subscriptionProblem(ctx: ArmContext, req: ApiRequest, sub: string): Reply | undefined {
  if (!subscriptionTenant(ctx.state, sub)) {
    return armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
  }
  return wrongTenant(ctx, req, sub);
}

function roleAssignmentBody(ra: RoleAssignment, apiVersion: string) {
  const roleGuid = ra.roleDefinitionId.split('/').pop();
  if (apiVersion === '2015-07-01') {
    return {
      properties: {
        roleDefinitionId: `${ra.scope}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
        principalId: ra.principalId,
        scope: ra.scope,
      },
      id: `${ra.scope}/providers/Microsoft.Authorization/roleAssignments/${ra.name}`,
      type: 'Microsoft.Authorization/roleAssignments',
      name: ra.name,
    };
  }
  return {
    properties: {
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
      principalId: ra.principalId,
      principalType: ra.principalType ?? 'User',
      scope: ra.scope,
    },
    id: `${ra.scope}/providers/Microsoft.Authorization/roleAssignments/${ra.name}`,
    type: 'Microsoft.Authorization/roleAssignments',
    name: ra.name,
  };
}

function putRoleAssignment(ctx: ArmContext, req: ApiRequest, [sub, name]: string[]): Reply {
  const problem = subscriptionProblem(ctx, req, sub);
  if (problem) return problem;
  const apiVersion = req.query.get('api-version')!;
  if (!GUID_RE.test(name)) {
    return armError(400, 'InvalidRoleAssignmentId', `The role assignment ID '${name}' is not valid. The role assignment ID must be a GUID.`);
  }
  let body: { properties?: { roleDefinitionId?: unknown; principalId?: unknown; principalType?: unknown } } | undefined;
  try {
    body = jsonBody(req) as typeof body;
  } catch {
    return armError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  }
  const roleDefinitionId = body?.properties?.roleDefinitionId;
  const principalId = body?.properties?.principalId;
  if (typeof roleDefinitionId !== 'string' || typeof principalId !== 'string') {
    return armError(400, 'InvalidRequestContent', "The request content was invalid: 'properties.roleDefinitionId' and 'properties.principalId' are required.");
  }
  const roleGuid = roleDefinitionId.split('/').pop()!.toLowerCase();
  if (!KNOWN_ROLES.includes(roleGuid)) {
    return armError(400, 'RoleDefinitionDoesNotExist', `The specified role definition with ID '${roleGuid}' does not exist.`);
  }
  const tenant = subscriptionTenant(ctx.state, sub)!;
  if (!ensureDirectory(ctx.state, tenant).users[principalId.toLowerCase()]) {
    return armError(400, 'PrincipalNotFound', `Principal ${principalId.replace(/-/g, '')} does not exist in the directory ${tenant}. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype`);
  }
  const scope = `/subscriptions/${sub.toLowerCase()}`;
  const sameName = ctx.state.roleAssignments.find((ra) => ra.scope === scope && ra.name === name.toLowerCase());
  const sameGrant = ctx.state.roleAssignments.find(
    (ra) => ra.scope === scope && ra.principalId === principalId.toLowerCase() && ra.roleDefinitionId.endsWith(roleGuid),
  );
  if (sameName) {
    if (sameName === sameGrant) return json(200, roleAssignmentBody(sameName, apiVersion));
    return armError(400, 'RoleAssignmentUpdateNotPermitted', 'Tenant ID, application ID, principal ID, and scope are not allowed to be updated.');
  }
  if (sameGrant) {
    return armError(409, 'RoleAssignmentExists', `The role assignment already exists. The ID of the existing role assignment is ${sameGrant.name.replace(/-/g, '')}.`);
  }
  const principalType = apiVersion === '2015-07-01' ? undefined : typeof body?.properties?.principalType === 'string' ? body.properties.principalType : 'User';
  const created: RoleAssignment = {
    name: name.toLowerCase(),
    scope,
    subscriptionId: sub.toLowerCase(),
    principalId: principalId.toLowerCase(),
    principalType,
    roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`,
    createdOn: new Date().toISOString(),
  };
  ctx.state.roleAssignments.push(created);
  ctx.state.counters.roleAssignmentsCreated += 1;
  return json(201, roleAssignmentBody(created, apiVersion));
}

function roleAssignmentNotFound(name: string): Reply {
  return armError(404, 'RoleAssignmentNotFound', `The role assignment '${name}' is not found.`);
}

function getRoleAssignment(ctx: ArmContext, req: ApiRequest, [sub, name]: string[]): Reply {
  const problem = subscriptionProblem(ctx, req, sub);
  if (problem) return problem;
  const scope = `/subscriptions/${sub.toLowerCase()}`;
  const found = ctx.state.roleAssignments.find((ra) => ra.scope === scope && ra.name === name.toLowerCase());
  return found ? json(200, roleAssignmentBody(found, req.query.get('api-version')!)) : roleAssignmentNotFound(name);
}

function deleteRoleAssignment(ctx: ArmContext, req: ApiRequest, [sub, name]: string[]): Reply {
  const problem = subscriptionProblem(ctx, req, sub);
  if (problem) return problem;
  const scope = `/subscriptions/${sub.toLowerCase()}`;
  const index = ctx.state.roleAssignments.findIndex((ra) => ra.scope === scope && ra.name === name.toLowerCase());
  if (index < 0) return empty(204);
  const [removed] = ctx.state.roleAssignments.splice(index, 1);
  return json(200, roleAssignmentBody(removed, req.query.get('api-version')!));
}

/**
 * A role-assignment list's `$filter`: `atScope()` or none (every assignment, undefined), or
 * `principalId eq {id}` (that principal); anything else is refused as ARM does.
 */
export function principalFilter(req: ApiRequest): string | undefined | Reply {
  const filter = req.query.get('$filter');
  if (!filter || /^atScope\(\)$/i.test(filter.trim())) return undefined;
  const m = /^principalId\s+eq\s+'?([0-9a-fA-F-]{36})'?$/i.exec(filter.trim());
  if (!m) return armError(400, 'InvalidFilterInQueryString', `The filter '${filter}' is not supported. Supported filters are atScope() and principalId eq {id}.`);
  return m[1].toLowerCase();
}

function listRoleAssignments(ctx: ArmContext, req: ApiRequest, sub: string): Reply {
  const problem = subscriptionProblem(ctx, req, sub);
  if (problem) return problem;
  const principal = principalFilter(req);
  if (typeof principal === 'object') return principal;
  const scope = `/subscriptions/${sub.toLowerCase()}`;
  const apiVersion = req.query.get('api-version')!;
  const value = ctx.state.roleAssignments
    .filter((ra) => ra.scope === scope && (principal === undefined || ra.principalId === principal))
    .map((ra) => roleAssignmentBody(ra, apiVersion));
  return json(200, { value });
}
