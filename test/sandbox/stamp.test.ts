// Simulated Azure Stack Hub stamps: metadata without a token, the operator's Default Provider
// Subscription and its region, directory tenants in system.<region>, identity health, offers, user
// subscriptions, role assignments on the tenant ARM (2015-07-01, tokens of the customer's directory
// only after its consent) and provider usage, compared with the vendored official examples
// (test/fixtures/specs/azurestack-admin) and the recorded traffic.
import { randomUUID } from 'crypto';
import type { Sandbox } from '../../src/sandbox';
import { appToken, armExample, call, jsonFixture, shapeDifferences, testSandbox } from './support';

let sandbox: Sandbox;
let admin: string;
let tenantArm: string;
let audience: string;
let token: string;
let providerSub: string;
let region: string;
const STAMP = 'azurestack-payg-east';
const SA = 'api-version=2015-11-01';

interface Metadata {
  portalEndpoint: string;
  authentication: { loginEndpoint: string; audiences: string[] };
}

beforeAll(async () => {
  sandbox = await testSandbox();
  admin = sandbox.stamps[STAMP];
  tenantArm = admin.replace('adminmanagement', 'management');
  const meta = await call(`${admin}/metadata/endpoints?api-version=2015-01-01`);
  audience = (meta.body as Metadata).authentication.audiences[0];
  token = await appToken(sandbox, audience);
  const subs = await call(`${admin}/subscriptions?api-version=2016-06-01`, { token });
  providerSub = (subs.body as { value: Array<{ subscriptionId: string; displayName: string }> }).value.find((s) => s.displayName === 'Default Provider Subscription')!.subscriptionId;
  const locations = await call(`${admin}/subscriptions/${providerSub}/locations?api-version=2016-06-01`, { token });
  region = (locations.body as { value: Array<{ name: string }> }).value[0].name;
});
afterAll(() => sandbox.close());

const subsAdmin = (path: string, query = SA) => `${admin}/subscriptions/${providerSub}/providers/Microsoft.Subscriptions.Admin${path}?${query}`;
const directoryUrl = (domain: string) => `${admin}/subscriptions/${providerSub}/resourcegroups/system.${region}/providers/Microsoft.Subscriptions.Admin/directoryTenants/${domain}?${SA}`;

async function newCustomer(name: string) {
  const domain = `${name}${randomUUID().slice(0, 6)}.onmicrosoft.com`;
  const { customerTenantId } = sandbox.seedCustomer({ companyName: name, domain });
  return { domain, tenantId: customerTenantId };
}

async function publicOfferId(): Promise<string> {
  const offers = await call(subsAdmin('/offers'), { token });
  return (offers.body as { value: Array<{ id: string; properties: { state: string } }> }).value.find((o) => o.properties.state === 'Public')!.id;
}

describe('metadata and the operator’s subscriptions (AZ-0, AZ-1)', () => {
  test('metadata/endpoints answers without a token, with the login endpoint and the audience; the tenant ARM’s names the user portal', async () => {
    const adminMeta = await call(`${admin}/metadata/endpoints?api-version=2015-01-01`);
    expect(adminMeta.status).toBe(200);
    expect(adminMeta.body).toMatchObject({ authentication: { loginEndpoint: `${sandbox.url}/`, audiences: [audience] } });
    const userMeta = await call(`${tenantArm}/metadata/endpoints?api-version=2015-01-01`);
    expect((userMeta.body as Metadata).portalEndpoint).toBe(`${sandbox.url}/stamps/${STAMP}/portal/`);
    expect((userMeta.body as Metadata).authentication.audiences).toEqual([audience]);
  });

  test('the admin ARM refuses a token without one, an ARM token and another stamp’s', async () => {
    expect((await call(subsAdmin('/offers'))).status).toBe(401);
    const armToken = await appToken(sandbox, sandbox.env.ARM_ENDPOINT);
    const wrong = await call(subsAdmin('/offers'), { token: armToken });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error: { code: 'InvalidAuthenticationTokenAudience' } });
    const west = (await call(`${sandbox.stamps['azurestack-payg-west']}/metadata/endpoints?api-version=2015-01-01`)).body as Metadata;
    const westToken = await appToken(sandbox, west.authentication.audiences[0]);
    expect((await call(subsAdmin('/offers'), { token: westToken })).status).toBe(401);
  });

  test('the operator sees the Default Provider Subscription among its own, and the stamp’s region', () => {
    expect(providerSub).toMatch(/^[0-9a-f-]{36}$/);
    expect(region).toBe('east');
  });
});

describe('directory tenants (AZ-2) and identity health (AZ-4)', () => {
  test('PUT creates (201) then answers 200, GET and List have the examples’ shape, DELETE 200 then 204', async () => {
    const { domain, tenantId } = await newCustomer('Adatum');
    const body = { location: region, properties: { tenantId } };
    const created = await call(directoryUrl(domain), { method: 'PUT', token, body });
    expect(created.status).toBe(201);
    expect(shapeDifferences(created.body, armExample('azurestack-admin/DirectoryTenant-Create.json', 201))).toEqual([]);
    expect(created.body).toMatchObject({ name: domain, location: region, properties: { tenantId } });
    expect((await call(directoryUrl(domain), { method: 'PUT', token, body })).status).toBe(200);
    const got = await call(directoryUrl(domain), { token });
    expect(shapeDifferences(got.body, armExample('azurestack-admin/DirectoryTenant-Get.json', 200))).toEqual([]);
    const list = await call(`${admin}/subscriptions/${providerSub}/resourcegroups/system.${region}/providers/Microsoft.Subscriptions.Admin/directoryTenants?${SA}`, { token });
    expect(shapeDifferences(list.body, armExample('azurestack-admin/DirectoryTenant-List.json', 200))).toEqual([]);
    expect(shapeDifferences(list.body, jsonFixture('azurestack-admin/recorded/DirectoryTenant-list.response-200.json'))).toEqual([]);
    expect((await call(directoryUrl(domain), { method: 'DELETE', token })).status).toBe(200);
    expect((await call(directoryUrl(domain), { method: 'DELETE', token })).status).toBe(204);
    expect((await call(directoryUrl(domain), { token })).status).toBe(404);
  });

  test('the example’s bare-GUID body, a tenant id that is not the domain’s, and another resource group are refused', async () => {
    const { domain, tenantId } = await newCustomer('Litware');
    const bare = await call(directoryUrl(domain), { method: 'PUT', token, body: JSON.stringify(tenantId) });
    expect(bare.status).toBe(400);
    const other = await call(directoryUrl(domain), { method: 'PUT', token, body: { location: region, properties: { tenantId: randomUUID() } } });
    expect(other.body).toMatchObject({ error: { code: 'InvalidTenantId' } });
    const wrongGroup = await call(directoryUrl(domain).replace(`system.${region}`, 'system.local'), { method: 'PUT', token, body: { location: region, properties: { tenantId } } });
    expect(wrongGroup.status).toBe(404);
  });

  test('identity health: the example’s shape; a registered directory is Unhealthy until its admin consents', async () => {
    const { domain, tenantId } = await newCustomer('Tailspin');
    await call(directoryUrl(domain), { method: 'PUT', token, body: { location: region, properties: { tenantId } } });
    const health = async () => {
      const answer = await call(subsAdmin('/checkIdentityHealth'), { method: 'POST', token });
      expect(shapeDifferences(answer.body, armExample('azurestack-admin/Subscriptions-CheckIdentityHealth.json', 200))).toEqual([]);
      return (answer.body as { directoryTenants: Array<{ tenantId: string; status: string }> }).directoryTenants.find((d) => d.tenantId === tenantId)?.status;
    };
    expect(await health()).toBe('Unhealthy');
    sandbox.consentDirectory(STAMP, domain);
    expect(await health()).toBe('Healthy');
  });
});

describe('offers (AZ-5) and user subscriptions (AZ-6)', () => {
  test('offers have the examples’ shape, all states, and one offer by id', async () => {
    const list = await call(subsAdmin('/offers'), { token });
    expect(shapeDifferences(list.body, armExample('azurestack-admin/Offer-List.json', 200))).toEqual([]);
    const states = (list.body as { value: Array<{ properties: { state: string } }> }).value.map((o) => o.properties.state);
    expect(new Set(states)).toEqual(new Set(['Public', 'Private', 'Decommissioned']));
    const one = await call(`${admin}${await publicOfferId()}?${SA}`, { token });
    expect(shapeDifferences(one.body, armExample('azurestack-admin/Offer-Get.json', 200))).toEqual([]);
  });

  test('a flat PUT creates (201, the recording’s shape), the same PUT answers 200, GET and List have the examples’ shape; 404 as recorded', async () => {
    const { domain, tenantId } = await newCustomer('Wingtip');
    await call(directoryUrl(domain), { method: 'PUT', token, body: { location: region, properties: { tenantId } } });
    const id = randomUUID();
    const recorded = jsonFixture('azurestack-admin/recorded/Subscriptions-put-create.request.json') as Record<string, unknown>;
    const body = { ...recorded, subscriptionId: id, delegatedProviderSubscriptionId: providerSub, offerId: await publicOfferId(), owner: `admin@${domain}`, tenantId };
    const created = await call(subsAdmin(`/subscriptions/${id}`), { method: 'PUT', token, body });
    expect(created.status).toBe(201);
    expect(shapeDifferences(created.body, jsonFixture('azurestack-admin/recorded/Subscriptions-put-create.response-201.json'))).toEqual([]);
    expect(created.body).toMatchObject({ subscriptionId: id, owner: `admin@${domain}`, tenantId, state: 'Enabled' });
    expect((await call(subsAdmin(`/subscriptions/${id}`), { method: 'PUT', token, body })).status).toBe(200);
    const got = await call(subsAdmin(`/subscriptions/${id}`), { token });
    expect(shapeDifferences(got.body, armExample('azurestack-admin/Subscriptions-Get.json', 200))).toEqual([]);
    const list = await call(subsAdmin('/subscriptions'), { token });
    expect(shapeDifferences(list.body, armExample('azurestack-admin/Subscriptions-List.json', 200))).toEqual([]);
    const missing = await call(subsAdmin(`/subscriptions/${randomUUID()}`), { token });
    expect(missing.status).toBe(404);
    expect(shapeDifferences(missing.body, jsonFixture('azurestack-admin/recorded/Subscriptions-get.response-404.json'))).toEqual([]);
    expect(missing.body).toMatchObject({ error: { code: 'SubscriptionNotFound' } });
  });

  test('the spec example’s properties-wrapped body, an unregistered directory and a decommissioned offer are refused', async () => {
    const { domain, tenantId } = await newCustomer('Proseware');
    const id = randomUUID();
    const example = (jsonFixture('azurestack-admin/Subscriptions-Create.json') as { parameters: Record<string, unknown> }).parameters;
    const wrapped = Object.values(example).find((v) => typeof v === 'object' && v !== null && 'properties' in v);
    expect((await call(subsAdmin(`/subscriptions/${id}`), { method: 'PUT', token, body: wrapped })).status).toBe(400);
    const offer = await publicOfferId();
    const unregistered = await call(subsAdmin(`/subscriptions/${id}`), { method: 'PUT', token, body: { subscriptionId: id, owner: `admin@${domain}`, offerId: offer, tenantId } });
    expect(unregistered.body).toMatchObject({ error: { code: 'DirectoryTenantNotRegistered' } });
    const offers = (await call(subsAdmin('/offers'), { token })).body as { value: Array<{ id: string; properties: { state: string } }> };
    const decommissioned = offers.value.find((o) => o.properties.state === 'Decommissioned')!.id;
    const refused = await call(subsAdmin(`/subscriptions/${id}`), { method: 'PUT', token, body: { subscriptionId: id, owner: 'x@y.com', offerId: decommissioned } });
    expect(refused.body).toMatchObject({ error: { code: 'OfferDecommissioned' } });
  });
});

describe('role assignments on the tenant ARM (AZ-7)', () => {
  test('a token of the customer’s directory is refused until the directory consents; then Owner at 2015-07-01 as the example', async () => {
    const { domain, tenantId } = await newCustomer('Coho');
    await call(directoryUrl(domain), { method: 'PUT', token, body: { location: region, properties: { tenantId } } });
    const id = randomUUID();
    await call(subsAdmin(`/subscriptions/${id}`), { method: 'PUT', token, body: { subscriptionId: id, owner: `admin@${domain}`, offerId: await publicOfferId(), tenantId } });
    await expect(appToken(sandbox, audience, tenantId)).rejects.toThrow(/AADSTS500011/);
    sandbox.consentDirectory(STAMP, tenantId);
    const customerToken = await appToken(sandbox, audience, tenantId);
    const guest = sandbox.seedUser({ tenantId, displayName: 'CSP guest', mail: 'azs@csp.example', userType: 'Guest' });
    const name = randomUUID();
    const url = (v = '2015-07-01') => `${tenantArm}/subscriptions/${id}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=${v}`;
    const properties = { roleDefinitionId: `/subscriptions/${id}/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635`, principalId: guest };
    expect((await call(url('2022-04-01'), { method: 'PUT', token: customerToken, body: { properties } })).body).toMatchObject({ error: { code: 'NoRegisteredProviderFound' } });
    expect((await call(url(), { method: 'PUT', token, body: { properties } })).body).toMatchObject({ error: { code: 'InvalidAuthenticationTokenTenant' } });
    const created = await call(url(), { method: 'PUT', token: customerToken, body: { properties } });
    expect(created.status).toBe(201);
    expect(shapeDifferences(created.body, armExample('authorization/2015-07-01/examples/PutRoleAssignment.json', 201))).toEqual([]);
    const list = await call(`${tenantArm}/subscriptions/${id}/providers/Microsoft.Authorization/roleAssignments?api-version=2015-07-01&$filter=${encodeURIComponent(`principalId eq '${guest}'`)}`, { token: customerToken });
    expect((list.body as { value: unknown[] }).value).toHaveLength(1);
    const stranger = await call(url().replace(name, randomUUID()), { method: 'PUT', token: customerToken, body: { properties: { ...properties, principalId: randomUUID() } } });
    expect(stranger.body).toMatchObject({ error: { code: 'PrincipalNotFound' } });
  });
});

describe('provider usage (AZ-8)', () => {
  const DAY = 24 * 60 * 60 * 1000;
  const midnight = Math.floor(Date.now() / DAY) * DAY;
  const usageUrl = (from: number, to: number, extra = '') =>
    `${admin}/subscriptions/${providerSub}/providers/Microsoft.Commerce.Admin/subscriberUsageAggregates?reportedStartTime=${encodeURIComponent(new Date(from).toISOString())}&reportedEndTime=${encodeURIComponent(new Date(to).toISOString())}&aggregationGranularity=Daily${extra}&api-version=2015-06-01-preview`;

  test('daily records for the seeded subscriptions, as the recording shows them, by subscriber, paged with nextLink', async () => {
    const seeded = sandbox.seedStampSubscription({ stamp: STAMP, ...(await newCustomer('Alpine')), owner: 'admin@alpine.example', usageSinceDaysAgo: 5 });
    const answer = await call(usageUrl(midnight - 30 * DAY, midnight, `&subscriberId=${seeded.subscriptionId}`), { token });
    expect(answer.status).toBe(200);
    expect(shapeDifferences(answer.body, armExample('azurestack-admin/SubscriberUsageAggregates-List.json', 200))).toEqual([]);
    const records = (answer.body as { value: Array<{ type: string; properties: { subscriptionId: string; quantity: number; instanceData: string; usageStartTime: string } }> }).value;
    // Five full days (today is not processed yet), two meters a day.
    expect(records.length).toBeGreaterThanOrEqual(8);
    expect(records.every((r) => r.properties.subscriptionId === seeded.subscriptionId && typeof r.properties.quantity === 'number')).toBe(true);
    expect(JSON.parse(records[0].properties.instanceData)).toHaveProperty(['Microsoft.Resources', 'resourceUri']);
    expect(records[0].type).toBe('Microsoft.Commerce/UsageAggregate');

    sandbox.state.stamps[STAMP].usagePageSize = 3;
    const first = await call(usageUrl(midnight - 30 * DAY, midnight, `&subscriberId=${seeded.subscriptionId}`), { token });
    const next = (first.body as { nextLink?: string }).nextLink;
    expect((first.body as { value: unknown[] }).value).toHaveLength(3);
    expect((await call(next!, { token })).status).toBe(200);
    sandbox.state.stamps[STAMP].usagePageSize = 1000;
  });

  test('a daily query not on UTC midnights is refused', async () => {
    const answer = await call(usageUrl(midnight - 30 * DAY + 3_600_000, midnight), { token });
    expect(answer.status).toBe(400);
  });
});
