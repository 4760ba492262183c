// The Azure Stack Hub stamp client against the simulated stamps, built as the bot builds it
// (createCloud with AZURESTACK_STAMPS): discovery from /metadata/endpoints, the Default Provider
// Subscription and the region; directory tenants; offers; a user subscription that a retry finds
// instead of making a second; Owner on the tenant ARM with a token of the customer's directory;
// usage; and the links.
import { randomUUID } from 'crypto';
import type { Guid } from '../../src/onboarding/model';
import type { AzureStackStamps, CallRecord, Cloud } from '../../src/onboarding/ports';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { createCloud } from '../../src/services';
import { DomainError } from '../../src/onboarding/errors';
import { testConfig } from '../support/testConfig';
import { FAST_RETRY, requestsTo } from './harness';

const STAMP = 'azurestack-payg-east';
let sandbox: Sandbox;
let cloud: Cloud;
let stamps: AzureStackStamps;
const calls: CallRecord[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, delays: { orderCompleteMs: 30, entitlementActiveMs: 30, latencyMs: 0 } });
  cloud = createCloud(testConfig({ ...sandbox.env, CLOUD: 'sandbox', ...sandbox.stampEnv }), { retry: FAST_RETRY, timeoutInMs: 1500, onCall: (c) => calls.push(c) });
  stamps = cloud.stamps!;
});
afterEach(() => sandbox.faults.clear());
afterAll(() => sandbox.close());

function customer(name: string) {
  const domain = `${name.toLowerCase()}${randomUUID().slice(0, 6)}.onmicrosoft.com`;
  const { customerTenantId } = sandbox.seedCustomer({ companyName: name, domain });
  return { domain, tenantId: customerTenantId as Guid };
}

test('without AZURESTACK_STAMPS the cloud has no stamps', () => {
  expect(createCloud(testConfig({ ...sandbox.env, CLOUD: 'sandbox' })).stamps).toBeUndefined();
});

test('describe: the metadata’s audience and authority, the Default Provider Subscription, the region, the tenant ARM and the user portal', async () => {
  expect(stamps.registrations).toEqual(['azurestack-payg-east', 'azurestack-payg-west', 'azurestack-payg-south']);
  expect(stamps.has('AzureStack-Payg-East')).toBe(true);
  expect(stamps.has('azurestack-capacity-north')).toBe(false);
  const info = await stamps.describe(STAMP);
  const stamp = sandbox.state.stamps[STAMP];
  expect(info).toEqual({
    registration: STAMP,
    adminArm: sandbox.stamps[STAMP],
    tenantArm: `${sandbox.url}/stamps/${STAMP}/management`,
    userPortal: `${sandbox.url}/stamps/${STAMP}/portal/`,
    audience: stamp.audience,
    loginEndpoint: `${sandbox.url}/`,
    providerSubscriptionId: stamp.providerSubscriptionId,
    region: 'east',
  });
  // Read once: a second describe calls nothing.
  const before = sandbox.requests.length;
  await stamps.describe(STAMP);
  expect(sandbox.requests.length).toBe(before);
  // The metadata goes without a token; the rest with one.
  const meta = requestsTo(sandbox, 'GET', `/stamps/${STAMP}/adminmanagement/metadata/endpoints`);
  expect(meta[0].headers.authorization).toBeUndefined();
  expect(requestsTo(sandbox, 'GET', `/stamps/${STAMP}/adminmanagement/subscriptions`)[0].headers.authorization).toBe('present');
});

test('a registration without a stamp is refused before any call', async () => {
  await expect(stamps.listOffers('azurestack-capacity-north')).rejects.toMatchObject({ code: 'StampNotConfigured' });
});

test('offers: every state, with the full resource id', async () => {
  const offers = await stamps.listOffers(STAMP);
  expect(offers.map((o) => o.state).sort()).toEqual(['Decommissioned', 'Private', 'Public', 'Public']);
  const standard = offers.find((o) => o.name === 'csp-standard')!;
  expect(standard).toMatchObject({ displayName: 'CSP Standard', id: expect.stringMatching(/\/resourceGroups\/csp-offers\/providers\/Microsoft\.Subscriptions\.Admin\/offers\/csp-standard$/) });
});

test('directory tenants: absent, put (twice, one resource), health Unhealthy until consent, delete', async () => {
  const { domain, tenantId } = customer('Adatum');
  expect(await stamps.getDirectoryTenant(STAMP, domain)).toBeUndefined();
  expect(await stamps.directoryHealth(STAMP, tenantId)).toBe('NotRegistered');
  expect(await stamps.putDirectoryTenant(STAMP, domain, tenantId)).toEqual({ domain, tenantId });
  expect(await stamps.putDirectoryTenant(STAMP, domain, tenantId)).toEqual({ domain, tenantId });
  expect(await stamps.getDirectoryTenant(STAMP, domain)).toEqual({ domain, tenantId });
  expect(await stamps.directoryHealth(STAMP, tenantId)).toBe('Unhealthy');
  sandbox.consentDirectory(STAMP, domain);
  expect(await stamps.directoryHealth(STAMP, tenantId)).toBe('Healthy');
  expect(await stamps.deleteDirectoryTenant(STAMP, domain)).toBe('deleted');
  expect(await stamps.deleteDirectoryTenant(STAMP, domain)).toBe('already-gone');
});

test('a user subscription: created once; a retry with the same id finds it; disabled and enabled by GET-then-PUT', async () => {
  const { domain, tenantId } = customer('Wingtip');
  await stamps.putDirectoryTenant(STAMP, domain, tenantId);
  const offer = (await stamps.listOffers(STAMP)).find((o) => o.state === 'Public')!;
  const subscriptionId = randomUUID() as Guid;
  const wanted = { subscriptionId, displayName: 'Wingtip', owner: `admin@${domain}`, offerId: offer.id, tenantId };
  const first = await stamps.createSubscription(STAMP, wanted);
  expect(first).toEqual({ created: true, subscription: { subscriptionId, displayName: 'Wingtip', owner: `admin@${domain}`, offerId: offer.id, tenantId, state: 'Enabled' } });
  const again = await stamps.createSubscription(STAMP, wanted);
  expect(again.created).toBe(false);
  expect(sandbox.state.stamps[STAMP].counters.subscriptionPuts).toBe(1);
  expect(await stamps.setSubscriptionState(STAMP, subscriptionId, 'Disabled')).toMatchObject({ state: 'Disabled' });
  expect(await stamps.setSubscriptionState(STAMP, subscriptionId, 'Disabled')).toMatchObject({ state: 'Disabled' });
  expect(sandbox.state.stamps[STAMP].counters.subscriptionPuts).toBe(2);
  expect(await stamps.setSubscriptionState(STAMP, randomUUID() as Guid, 'Disabled')).toBeUndefined();
  expect((await stamps.listSubscriptions(STAMP)).some((s) => s.subscriptionId === subscriptionId)).toBe(true);
});

test('a PUT whose answer was lost (504 after the write) is found by the retry, not made twice', async () => {
  const { domain, tenantId } = customer('Fourth');
  await stamps.putDirectoryTenant(STAMP, domain, tenantId);
  const offer = (await stamps.listOffers(STAMP)).find((o) => o.state === 'Public')!;
  const subscriptionId = randomUUID() as Guid;
  sandbox.faults.add({ method: 'PUT', path: new RegExp(`/subscriptions/${subscriptionId}$`), kind: 'status', status: 504, when: 'after', times: Infinity });
  const wanted = { subscriptionId, displayName: 'Fourth', owner: `admin@${domain}`, offerId: offer.id, tenantId };
  await expect(stamps.createSubscription(STAMP, wanted)).rejects.toBeInstanceOf(DomainError);
  sandbox.faults.clear();
  expect((await stamps.createSubscription(STAMP, wanted)).created).toBe(false);
  expect(Object.values(sandbox.state.stamps[STAMP].subscriptions).filter((s) => s.tenantId === tenantId)).toHaveLength(1);
});

test('Owner on the tenant ARM (2015-07-01) with a token of the customer’s directory, only after its consent; idempotent; removable', async () => {
  const { domain, tenantId } = customer('Coho');
  await stamps.putDirectoryTenant(STAMP, domain, tenantId);
  const offer = (await stamps.listOffers(STAMP)).find((o) => o.state === 'Public')!;
  const subscriptionId = randomUUID() as Guid;
  await stamps.createSubscription(STAMP, { subscriptionId, displayName: 'Coho', owner: `admin@${domain}`, offerId: offer.id, tenantId });
  const guest = sandbox.seedUser({ tenantId, displayName: 'CSP', mail: sandbox.stampEnv.CSP_GUEST_ACCOUNT, userType: 'Guest' }) as Guid;
  // Before the customer's admin registered the stamp's apps, no token of that directory exists for the stamp.
  await expect(stamps.ensureOwner(STAMP, tenantId, subscriptionId, guest)).rejects.toBeInstanceOf(Error);
  sandbox.consentDirectory(STAMP, domain);
  const first = await stamps.ensureOwner(STAMP, tenantId, subscriptionId, guest);
  expect(first.created).toBe(true);
  expect(await stamps.ensureOwner(STAMP, tenantId, subscriptionId, guest)).toEqual({ roleAssignmentId: first.roleAssignmentId, created: false });
  expect(await stamps.hasOwner(STAMP, tenantId, subscriptionId, guest)).toBe(true);
  expect(sandbox.state.stamps[STAMP].roleAssignments.filter((ra) => ra.principalId === guest)).toHaveLength(1);
  const puts = requestsTo(sandbox, 'PUT', new RegExp(`^/stamps/${STAMP}/management/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleAssignments/`));
  expect(puts.every((r) => r.query['api-version'] === '2015-07-01')).toBe(true);
  expect(await stamps.removeOwner(STAMP, tenantId, subscriptionId, guest)).toBe('deleted');
  expect(await stamps.removeOwner(STAMP, tenantId, subscriptionId, guest)).toBe('already-gone');
  expect(await stamps.hasOwner(STAMP, tenantId, subscriptionId, guest)).toBe(false);
});

test('usage: daily records of complete days for all subscribers or one', async () => {
  const seeded = sandbox.seedStampSubscription({ stamp: STAMP, ...customer('Alpine'), owner: 'admin@alpine.example', usageSinceDaysAgo: 3 });
  const mine = await stamps.usage(STAMP, { days: 30, subscriberId: seeded.subscriptionId as Guid });
  expect(mine.length).toBeGreaterThanOrEqual(4);
  expect(mine.every((r) => r.subscriptionId === seeded.subscriptionId && /^\d{4}-\d{2}-\d{2}$/.test(r.day) && r.quantity > 0)).toBe(true);
  const all = await stamps.usage(STAMP, { days: 30 });
  expect(new Set(all.map((r) => r.subscriptionId)).size).toBeGreaterThan(1);
});

test('links: the subscription in the user portal under the customer’s directory; the simulated consent page', async () => {
  const info = await stamps.describe(STAMP);
  const id = randomUUID() as Guid;
  expect(stamps.userPortalLink(info, 'adatum.onmicrosoft.com', id)).toBe(
    `${sandbox.url}/stamps/${STAMP}/portal/adatum.onmicrosoft.com#@adatum.onmicrosoft.com/resource/subscriptions/${id}/overview`,
  );
  expect(stamps.consentPageLink!(info, 'adatum.onmicrosoft.com')).toBe(`${sandbox.url}/stamps/${STAMP}/consent?directory=adatum.onmicrosoft.com`);
  const page = await fetch(stamps.consentPageLink!(info, 'adatum.onmicrosoft.com')!);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Register');
});
