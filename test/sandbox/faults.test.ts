// Faults and holds, programmatically and over the HTTP control surface: throttling with the
// service's own 429, failures, dropped connections, hung requests, and writes that happen although
// the caller never hears back.
import { ResourceManagementClient } from '@azure/arm-resources';
import { ClientSecretCredential } from '@azure/identity';
import { randomUUID } from 'crypto';
import type { Sandbox } from '../../src/sandbox';
import { waitFor } from '../support/waitFor';
import { appToken, call, httpFixture, shapeDifferences, testSandbox } from './support';

let sandbox: Sandbox;
let pcToken: string;
let armToken: string;
beforeAll(async () => {
  sandbox = await testSandbox();
  pcToken = await appToken(sandbox, 'https://api.partnercenter.microsoft.com');
  armToken = await appToken(sandbox, sandbox.env.ARM_ENDPOINT);
});
afterEach(() => sandbox.faults.clear());
afterAll(() => sandbox.close());

const CUSTOMERS = '/partnercenter/v1/customers';
const customerBody = (domain: string) => ({
  companyProfile: { domain },
  billingProfile: { culture: 'en-US', email: 'it@example.com', language: 'en', companyName: 'Faulty', defaultAddress: { country: 'US', city: 'Redmond', addressLine1: '1 Way', postalCode: '98052' } },
});
const createCustomer = (domain: string, requestId = randomUUID(), signal?: AbortSignal) =>
  call(`${sandbox.url}${CUSTOMERS}`, { method: 'POST', token: pcToken, body: customerBody(domain), headers: { 'MS-RequestId': requestId }, signal });

test('a Partner Center 429 has the throttling body of the docs and a Retry-After, once', async () => {
  sandbox.faults.add({ method: 'GET', path: CUSTOMERS, kind: 'status', status: 429, retryAfterSeconds: 7 });
  const throttled = await call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken });
  const fixture = httpFixture('partner-center/api-throttling-guidance.response-429.http');
  expect(throttled.status).toBe(fixture.status);
  expect(throttled.headers.get('retry-after')).toBe('7');
  expect(shapeDifferences(throttled.body, fixture.body)).toEqual([]);
  expect((throttled.body as { message: string }).message).toMatch(/7 seconds/);
  expect((await call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken })).status).toBe(200);
});

test('a rate: at most N matching requests in a second go through, the rest get 429 with the Retry-After until a place frees', async () => {
  sandbox.faults.add({ method: 'GET', path: CUSTOMERS, kind: 'rate', perSecond: 3 });
  const answers = await Promise.all(Array.from({ length: 5 }, () => call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken })));
  expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 429, 429]);
  expect(answers.filter((a) => a.status === 429).map((a) => a.headers.get('retry-after'))).toEqual(['1', '1']);
  // Other requests are not counted.
  expect((await call(`${sandbox.url}/partnercenter/v1/domains/contoso.onmicrosoft.com`, { method: 'HEAD', token: pcToken })).status).toBe(200);
  expect(() => sandbox.faults.add({ path: CUSTOMERS, kind: 'rate' })).toThrow(/perSecond/);
});

test("a rate per subscription: each Azure subscription's requests have their own N a second (ARM's buckets)", async () => {
  sandbox.faults.add({ method: 'GET', path: /^\/arm\//, kind: 'rate', perSecond: 2, per: 'subscription' });
  const get = (subscription: string) => call(`${sandbox.env.ARM_ENDPOINT}/subscriptions/${subscription}/resourcegroups?api-version=2021-04-01`, { token: armToken });
  const [one, two] = [randomUUID(), randomUUID()];
  const first = await Promise.all([get(one), get(one), get(one)]);
  const second = await Promise.all([get(two), get(two)]);
  expect(first.filter((a) => a.status === 429)).toHaveLength(1);
  expect(second.filter((a) => a.status === 429)).toHaveLength(0);
  // The same subscription in another case is the same bucket.
  expect((await get(one.toUpperCase())).status).toBe(429);
  expect(() => sandbox.faults.add({ path: CUSTOMERS, kind: 'rate', perSecond: 1, per: 'tenant' as never })).toThrow(/'all' or 'subscription'/);
});

test('an ARM 429 carries Retry-After and the remaining-quota headers; 503 has the ARM error body', async () => {
  const url = `${sandbox.env.ARM_ENDPOINT}${sandbox.registrations.payAsYouUse}?api-version=2017-06-01`;
  sandbox.faults.add({ path: /\/registrations\/azurestack-payg-east$/, kind: 'status', status: 429, retryAfterSeconds: 3 });
  sandbox.faults.add({ path: /\/registrations\/azurestack-payg-east$/, kind: 'status', status: 503 });
  const throttled = await call(url, { token: armToken });
  expect(throttled.status).toBe(429);
  expect(throttled.headers.get('retry-after')).toBe('3');
  expect(throttled.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toBe('0');
  expect(throttled.body).toEqual({ error: { code: 'TooManyRequests', message: expect.any(String) } });
  const unavailable = await call(url, { token: armToken });
  expect(unavailable.status).toBe(503);
  expect(unavailable.body).toEqual({ error: { code: 'ServiceUnavailable', message: expect.any(String) } });
  expect((await call(url, { token: armToken })).status).toBe(200);
});

test('a Graph 429 and 504 have the Graph error body; a throttled token endpoint answers in Entra\'s shape', async () => {
  const token = await appToken(sandbox, sandbox.env.GRAPH_ENDPOINT);
  sandbox.faults.add({ path: '/graph/v1.0/users', kind: 'status', status: 429, retryAfterSeconds: 2 });
  sandbox.faults.add({ path: '/graph/v1.0/users', kind: 'status', status: 504 });
  const throttled = await call(`${sandbox.env.GRAPH_ENDPOINT}/v1.0/users`, { token });
  expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '2']);
  expect(throttled.body).toMatchObject({ error: { code: 'TooManyRequests', innerError: { 'request-id': expect.any(String), date: expect.any(String) } } });
  const gateway = await call(`${sandbox.env.GRAPH_ENDPOINT}/v1.0/users`, { token });
  expect(gateway.body).toMatchObject({ error: { code: 'gatewayTimeout' } });
  sandbox.faults.add({ path: /\/oauth2\/v2\.0\/token$/, kind: 'status', status: 503 });
  await expect(appToken(sandbox, sandbox.env.GRAPH_ENDPOINT)).rejects.toThrow(/503.*temporarily_unavailable/);
});

test('the real ARM SDK retries a 429 after Retry-After and succeeds', async () => {
  sandbox.faults.add({ path: /azurestack-payg-east$/, kind: 'status', status: 429, retryAfterSeconds: 0, times: 2 });
  const credential = new ClientSecretCredential(sandbox.partnerTenantId, sandbox.clientId, sandbox.clientSecret, { authorityHost: sandbox.url, disableInstanceDiscovery: true });
  const client = new ResourceManagementClient(credential, sandbox.registrations.payAsYouUse.split('/')[2], {
    endpoint: sandbox.env.ARM_ENDPOINT,
    credentials: { scopes: [`${sandbox.env.ARM_ENDPOINT}/.default`] },
  });
  const before = sandbox.requests.filter((r) => r.path.endsWith('azurestack-payg-east')).length;
  const registration = await client.resources.getById(sandbox.registrations.payAsYouUse.slice(1), '2017-06-01');
  expect(registration.id).toBe(sandbox.registrations.payAsYouUse);
  const statuses = sandbox.requests.filter((r) => r.path.endsWith('azurestack-payg-east')).slice(before).map((r) => r.status);
  expect(statuses).toEqual([429, 429, 200]);
});

test('times: Infinity keeps failing until removed', async () => {
  const id = sandbox.faults.add({ path: CUSTOMERS, method: 'GET', kind: 'status', status: 500, times: Infinity });
  for (let i = 0; i < 3; i += 1) expect((await call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken })).status).toBe(500);
  sandbox.faults.remove(id);
  expect((await call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken })).status).toBe(200);
});

test('a dropped connection gets no response and writes nothing (before)', async () => {
  const before = sandbox.state.counts().customersCreated;
  sandbox.faults.add({ method: 'POST', path: CUSTOMERS, kind: 'drop' });
  await expect(createCustomer('dropped.onmicrosoft.com')).rejects.toThrow();
  expect(sandbox.state.counts().customersCreated).toBe(before);
});

test("'after' performs the write, then fails: the retry with the same MS-RequestId finds it", async () => {
  const requestId = randomUUID();
  const before = sandbox.state.counts().customersCreated;
  sandbox.faults.add({ method: 'POST', path: CUSTOMERS, kind: 'drop', when: 'after' });
  await expect(createCustomer('afterdrop.onmicrosoft.com', requestId)).rejects.toThrow();
  expect(sandbox.state.counts().customersCreated).toBe(before + 1);
  sandbox.faults.add({ method: 'POST', path: CUSTOMERS, kind: 'status', status: 503, when: 'after' });
  const failed = await createCustomer('afterdrop.onmicrosoft.com', requestId);
  expect(failed.status).toBe(503);
  const retried = await createCustomer('afterdrop.onmicrosoft.com', requestId);
  expect(retried.status).toBe(201);
  expect(sandbox.state.counts().customersCreated).toBe(before + 1);
});

test('a timeout never answers (the client gives up) and close() still ends promptly', async () => {
  const own = await testSandbox({ seed: false });
  try {
    const token = await appToken(own, 'https://api.partnercenter.microsoft.com');
    own.faults.add({ path: CUSTOMERS, kind: 'timeout', when: 'after' });
    const started = Date.now();
    await expect(call(`${own.url}${CUSTOMERS}`, { token, signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    own.faults.add({ path: CUSTOMERS, kind: 'timeout' });
    const arrivedBefore = own.requests.length;
    const hanging = call(`${own.url}${CUSTOMERS}`, { token }).catch((e: Error) => e);
    await waitFor(() => own.requests.length > arrivedBefore, { what: 'the hanging call to reach the sandbox' });
    await own.close();
    expect(await hanging).toMatchObject({ name: 'TypeError', message: 'fetch failed' });
  } finally {
    await own.close();
  }
});

test('latency delays the answer; global latency applies to every API call', async () => {
  sandbox.faults.add({ path: CUSTOMERS, kind: 'latency', latencyMs: 120 });
  let started = Date.now();
  expect((await call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken })).status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(115);
  sandbox.setDelays({ latencyMs: 60 });
  try {
    started = Date.now();
    await call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  } finally {
    sandbox.setDelays({ latencyMs: 0 });
  }
});

test('a hold keeps the request until released; the write happens on release even if the caller left', async () => {
  const hold = sandbox.holds.add({ method: 'POST', path: CUSTOMERS });
  const before = sandbox.state.counts().customersCreated;
  const controller = new AbortController();
  const pending = createCustomer('held.onmicrosoft.com', randomUUID(), controller.signal).catch((e: Error) => e);
  const arrived = await hold.arrived;
  expect(arrived).toMatchObject({ method: 'POST', path: CUSTOMERS, service: 'partnercenter', headers: { authorization: 'present' } });
  expect(arrived.headers['ms-requestid']).toMatch(/^[0-9a-f-]{36}$/);
  // Arrived but held: nothing written yet.
  expect(sandbox.state.counts().customersCreated).toBe(before);
  controller.abort(); // the bot "crashes" while its write is in the air
  await pending;
  hold.release();
  await waitFor(() => sandbox.state.counts().customersCreated === before + 1, { what: 'the held write', timeoutMs: 2_000 });
  expect(sandbox.state.counts().customersCreated).toBe(before + 1);
  expect(Object.values(sandbox.state.customers).some((c) => c.domain === 'held.onmicrosoft.com')).toBe(true);
});

test('recorded requests never keep tokens', async () => {
  await call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken, headers: { 'MS-CorrelationId': 'c0ffee00-0000-4000-8000-000000000000' } });
  const last = sandbox.requests[sandbox.requests.length - 1];
  expect(last.headers).toEqual({ 'ms-correlationid': 'c0ffee00-0000-4000-8000-000000000000', authorization: 'present' });
  expect(JSON.stringify(sandbox.requests)).not.toContain(pcToken);
});

describe('the HTTP control surface', () => {
  const control = (p: string, init: Parameters<typeof call>[1] = {}) => call(`${sandbox.url}/_sandbox${p}`, init);

  test('faults from JSON, with a regex path; DELETE clears them', async () => {
    const added = await control('/faults', { method: 'POST', body: { path: { regex: '^/partnercenter/v1/customers$' }, method: 'GET', kind: 'status', status: 503, times: 5 } });
    expect(added.status).toBe(201);
    expect((await call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken })).status).toBe(503);
    expect((await control('/faults', { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken })).status).toBe(200);
    const bad = await control('/faults', { method: 'POST', body: { path: 5, kind: 'status' } });
    expect(bad.status).toBe(400);
    const notJson = await control('/faults', { method: 'POST', body: '{oops' });
    expect(notJson.status).toBe(400);
  });

  test('a rate from JSON (a service throttled from another process, as README.md says): perSecond required', async () => {
    const missing = await control('/faults', { method: 'POST', body: { path: CUSTOMERS, method: 'GET', kind: 'rate' } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: expect.stringMatching(/perSecond/) });
    const added = await control('/faults', { method: 'POST', body: { path: { regex: '^/partnercenter/v1/customers$' }, method: 'GET', kind: 'rate', perSecond: 2 } });
    expect(added.status).toBe(201);
    const answers = await Promise.all(Array.from({ length: 4 }, () => call(`${sandbox.url}${CUSTOMERS}`, { token: pcToken })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 429, 429]);
    expect(answers.filter((a) => a.status === 429).map((a) => a.headers.get('retry-after'))).toEqual(['1', '1']);
  });

  test('holds: create, long-poll arrival, release', async () => {
    const created = await control('/holds', { method: 'POST', body: { method: 'PUT', path: { regex: 'customerSubscriptions/' } } });
    const { id } = created.body as { id: string };
    const notYet = await control(`/holds/${id}/arrived?timeoutMs=20`);
    expect(notYet.status).toBe(408);
    const c = sandbox.seedCustomer({ companyName: 'Held Map', domain: 'heldmap.onmicrosoft.com', azurePlan: 'active' });
    const put = call(`${sandbox.env.ARM_ENDPOINT}${sandbox.registrations.payAsYouUse}/customerSubscriptions/${c.azureSubscriptionId}?api-version=2017-06-01`, {
      method: 'PUT',
      token: armToken,
      body: { properties: { tenantId: c.customerTenantId } },
    });
    const arrived = await control(`/holds/${id}/arrived`);
    expect(arrived.status).toBe(200);
    expect(arrived.body).toMatchObject({ method: 'PUT', service: 'arm' });
    expect((await control(`/holds/${id}/release`, { method: 'POST' })).status).toBe(204);
    expect((await put).status).toBe(200);
  });

  test('state with counts, and the seed helpers', async () => {
    const seeded = await control('/seed/customer', { method: 'POST', body: { companyName: 'Over HTTP', domain: 'overhttp.onmicrosoft.com', azurePlan: 'active' } });
    expect(seeded.status).toBe(201);
    const { customerTenantId, azureSubscriptionId } = seeded.body as { customerTenantId: string; azureSubscriptionId: string };
    const mappings = await control('/seed/mappings', { method: 'POST', body: { registrationId: sandbox.registrations.payAsYouUse2, count: 3 } });
    expect((mappings.body as unknown[]).length).toBe(3);
    const state = await control('/state');
    const body = state.body as {
      customers: Record<string, unknown>;
      entitlements: Record<string, { status: string }>;
      counts: Record<string, number>;
      approverGroupId: string;
      registrations: Record<string, { customerSubscriptions: Record<string, unknown> }>;
    };
    expect(body.customers).toHaveProperty(customerTenantId);
    expect(body.entitlements[azureSubscriptionId].status).toBe('active');
    expect(body.counts).toMatchObject({ customersCreated: expect.any(Number), mappingPuts: expect.any(Number), checkouts: expect.any(Number) });
    expect(body.approverGroupId).toBe(sandbox.approverGroupId);
    expect(Object.keys(body.registrations[sandbox.registrations.payAsYouUse2.toLowerCase()].customerSubscriptions).length).toBeGreaterThanOrEqual(3);
  });

  test('the reconcile scenario has each kind of mismatch', async () => {
    const answer = await control('/seed/reconcile', { method: 'POST', body: {} });
    const scenario = answer.body as {
      unmapped: { azureSubscriptionId: string };
      inactiveSubscription: { azureSubscriptionId: string; registrationId: string };
      customerGone: { customerTenantId: string; azureSubscriptionId: string; registrationId: string };
      partiallyMapped: { azureSubscriptionId: string; mappedOn: string; missingOn: string };
    };
    const mapped = (reg: string, sub: string) => sub in sandbox.state.registrations[reg.toLowerCase()].customerSubscriptions;
    const allRegs = Object.values(sandbox.registrations);
    expect(allRegs.some((r) => mapped(r, scenario.unmapped.azureSubscriptionId))).toBe(false);
    expect(sandbox.state.entitlements[scenario.unmapped.azureSubscriptionId].status).toBe('active');
    expect(mapped(scenario.inactiveSubscription.registrationId, scenario.inactiveSubscription.azureSubscriptionId)).toBe(true);
    expect(sandbox.state.entitlements[scenario.inactiveSubscription.azureSubscriptionId].status).not.toBe('active');
    expect(mapped(scenario.customerGone.registrationId, scenario.customerGone.azureSubscriptionId)).toBe(true);
    expect((await call(`${sandbox.env.PARTNER_CENTER_ENDPOINT}/v1/customers/${scenario.customerGone.customerTenantId}`, { token: pcToken })).status).toBe(404);
    expect(mapped(scenario.partiallyMapped.mappedOn, scenario.partiallyMapped.azureSubscriptionId)).toBe(true);
    expect(mapped(scenario.partiallyMapped.missingOn, scenario.partiallyMapped.azureSubscriptionId)).toBe(false);
  });

  test('the portal page shows a mapping by its resource id', async () => {
    const page = await call(`${sandbox.url}/portal/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const c = sandbox.seedCustomer({ companyName: 'Portal', domain: 'portal.onmicrosoft.com', azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const id = `${sandbox.registrations.payAsYouUse}/customerSubscriptions/${c.azureSubscriptionId}`;
    const resource = await control(`/resource?id=${encodeURIComponent(id)}`);
    expect(resource.body).toMatchObject({ id, properties: { tenantId: c.customerTenantId } });
  });
});
