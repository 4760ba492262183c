// Azure Stack registration contract (api-version 2017-06-01) against the simulated ARM over real
// HTTPS with the real @azure/arm-resources v8 client: registrations, every page of the mappings,
// the PUT in both documented answer shapes (and nothing read before it), and every error code.
import https from 'https';
import { v4 as uuidv4 } from 'uuid';
import { testConfig } from '../support/testConfig';
import { DomainError } from '../../src/onboarding/errors';
import { parseRegistrationId, type Guid, type RegistrationRef } from '../../src/onboarding/model';
import { createCloud } from '../../src/services';
import { FAST_RETRY, ioTurn, requestsTo, until, useRetryClock, useTestCloud } from './harness';

const t = useTestCloud();
let payg: RegistrationRef;
let payg2: RegistrationRef;
let capacity: RegistrationRef;
let notApproved: RegistrationRef;

beforeAll(() => {
  payg = parseRegistrationId(t.sandbox.registrations.payAsYouUse);
  payg2 = parseRegistrationId(t.sandbox.registrations.payAsYouUse2);
  capacity = parseRegistrationId(t.sandbox.registrations.capacity);
  notApproved = parseRegistrationId(t.sandbox.registrations.notApproved);
});
afterEach(() => {
  jest.restoreAllMocks();
});

const registrationState = (ref: RegistrationRef) => t.sandbox.state.registrations[ref.resourceId.toLowerCase()];
const armPath = (resourceId: string) => `/arm${resourceId}`;

/** A customer whose Azure plan is active and mapped nowhere yet. */
function unmappedCustomer(): { tenant: Guid; subscription: Guid } {
  const prefix = `map${uuidv4().slice(0, 8)}`;
  const seeded = t.sandbox.seedCustomer({ companyName: prefix, domain: `${prefix}.onmicrosoft.com`, azurePlan: 'active' });
  return { tenant: seeded.customerTenantId as Guid, subscription: seeded.azureSubscriptionId as Guid };
}

describe('registrations', () => {
  it('reads the billing model and cloud id of a registration', async () => {
    const info = await t.cloud.registrations.getRegistration(payg);
    expect(info).toEqual({ ref: payg, billingModel: 'PayAsYouUse', cloudId: registrationState(payg).cloudId, location: 'global' });
    await expect(t.cloud.registrations.getRegistration(capacity)).resolves.toMatchObject({ billingModel: 'Capacity' });
  });

  it('lists the configured registrations with their billing models, and no others', async () => {
    t.sandbox.state.registrations['/subscriptions/x'] = { ...registrationState(payg), id: `${payg.resourceId}-unlisted` };
    const listed = await t.cloud.registrations.listRegistrations();
    expect(listed.map((r) => [r.ref.name, r.billingModel]).sort()).toEqual([
      ['azurestack-capacity-north', 'Capacity'],
      ['azurestack-payg-east', 'PayAsYouUse'],
      ['azurestack-payg-south', 'PayAsYouUse'],
      ['azurestack-payg-west', 'PayAsYouUse'],
    ]);
    delete t.sandbox.state.registrations['/subscriptions/x'];
  });

  it('never sends a double slash before subscriptions', async () => {
    const request = jest.spyOn(https, 'request');
    await t.cloud.registrations.getRegistration(payg);
    const paths = request.mock.calls.map(([options]) => String((options as { path?: string }).path));
    expect(paths.some((p) => p.startsWith('/arm/subscriptions/'))).toBe(true);
    expect(paths.filter((p) => p.includes('//'))).toEqual([]);
  });

  it('refuses a registration that is not in REGISTRATIONS, without a call', async () => {
    const other = parseRegistrationId(`/subscriptions/${uuidv4()}/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/elsewhere`);
    const sent = t.sandbox.requests.length;
    for (const call of [
      () => t.cloud.registrations.getRegistration(other),
      () => t.cloud.registrations.listMappings(other),
      () => t.cloud.registrations.putMapping(other, uuidv4() as Guid, uuidv4() as Guid),
      () => t.cloud.registrations.deleteMapping(other, uuidv4() as Guid),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'RegistrationNotAllowed', message: expect.stringContaining('/registrations/elsewhere') });
    }
    expect(t.sandbox.requests.length).toBe(sent);
  });

  it('says when a configured registration does not exist (RegistrationNotFound)', async () => {
    const missing = `/subscriptions/${t.sandbox.registrations.payAsYouUse.split('/')[2]}/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/azurestack-gone`;
    const cloud = createCloud(testConfig({ ...t.sandbox.env, CLOUD: 'sandbox', REGISTRATIONS: missing }), { retry: FAST_RETRY });
    const error = await cloud.registrations.getRegistration(parseRegistrationId(missing)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'RegistrationNotFound', statusCode: 404, correlationId: expect.any(String), message: expect.stringContaining('azurestack-gone') });
  });

  it('a registration that does not exist is named (name and resource group) by every call, never by the subscription asked about', async () => {
    const missing = `/subscriptions/${t.sandbox.registrations.payAsYouUse.split('/')[2]}/resourceGroups/azurestack-rg-gone/providers/Microsoft.AzureStack/registrations/azurestack-gone`;
    const cloud = createCloud(testConfig({ ...t.sandbox.env, CLOUD: 'sandbox', REGISTRATIONS: missing }), { retry: FAST_RETRY });
    const ref = parseRegistrationId(missing);
    const subscription = uuidv4() as Guid;
    for (const call of [
      () => cloud.registrations.getRegistration(ref),
      () => cloud.registrations.listMappings(ref),
      () => cloud.registrations.getMapping(ref, subscription),
      () => cloud.registrations.deleteMapping(ref, subscription),
      () => cloud.registrations.putMapping(ref, subscription, uuidv4() as Guid),
    ]) {
      const error = (await call().catch((e: unknown) => e)) as DomainError;
      expect(error).toMatchObject({ code: 'RegistrationNotFound', statusCode: 404 });
      expect(error.message).toContain('The Azure Stack registration azurestack-gone in resource group azurestack-rg-gone was not found');
      expect(error.message).not.toContain(subscription);
    }
  });

  it('links to the resource in the simulated portal', () => {
    const id = `${payg.resourceId}/customerSubscriptions/${uuidv4()}`;
    expect(t.cloud.registrations.portalLink(id)).toBe(`${t.sandbox.url}/portal/#@/resource${id}`);
  });
});

describe('tenant mappings: read', () => {
  it('reads every page of a long list', async () => {
    registrationState(payg2).pageSize = 5;
    const seeded = t.sandbox.seedMappings(payg2.resourceId, 23);
    const mappings = await t.cloud.registrations.listMappings(payg2);
    expect(mappings).toHaveLength(23);
    expect(new Set(mappings.map((m) => m.azureSubscriptionId))).toEqual(new Set(seeded.map((s) => s.azureSubscriptionId)));
    const first = mappings.find((m) => m.azureSubscriptionId === seeded[0].azureSubscriptionId)!;
    expect(first).toEqual({
      registration: payg2,
      azureSubscriptionId: seeded[0].azureSubscriptionId,
      customerTenantId: seeded[0].customerTenantId,
      resourceId: `${payg2.resourceId}/customerSubscriptions/${seeded[0].azureSubscriptionId}`,
    });
    const pages = requestsTo(t.sandbox, 'GET', armPath(`${payg2.resourceId}/customerSubscriptions`));
    expect(pages.filter((r) => r.query.$skipToken)).toHaveLength(4);
  });

  it('reads a registration without tenants (an empty answer) as an empty list', async () => {
    await expect(t.cloud.registrations.listMappings(notApproved)).resolves.toEqual([]);
  });

  it('gets one mapping, and undefined when the subscription is not mapped', async () => {
    const contoso = (await t.cloud.registrations.listMappings(payg))[0];
    await expect(t.cloud.registrations.getMapping(payg, contoso.azureSubscriptionId)).resolves.toEqual(contoso);
    await expect(t.cloud.registrations.getMapping(payg, uuidv4() as Guid)).resolves.toBeUndefined();
  });

  it('waits out a 429 Retry-After on a read and reports the ARM correlation id', async () => {
    await t.cloud.registrations.getRegistration(payg);
    useRetryClock();
    const listPath = armPath(`${payg.resourceId}/customerSubscriptions`);
    t.sandbox.faults.add({ method: 'GET', path: listPath, kind: 'status', status: 429, retryAfterSeconds: 20 });
    const sent = requestsTo(t.sandbox, 'GET', listPath).length;
    const from = t.calls.length;
    const listing = t.cloud.registrations.listMappings(payg);
    await until(() => requestsTo(t.sandbox, 'GET', listPath)[sent]?.status === 429, 'the throttled answer');
    await jest.advanceTimersByTimeAsync(19_000);
    expect(requestsTo(t.sandbox, 'GET', listPath)).toHaveLength(sent + 1);
    await jest.advanceTimersByTimeAsync(1_500);
    await expect(listing).resolves.not.toHaveLength(0);
    expect(requestsTo(t.sandbox, 'GET', listPath)).toHaveLength(sent + 2);
    expect(t.calls.slice(from)).toEqual([
      { operation: 'listMappings', statusCode: 200, correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/), requestId: expect.any(String) },
    ]);
  });
});

describe('throttling for everyone', () => {
  it("one throttled ARM call holds the client's other calls until its Retry-After (a bulk onboarding's rows slow down together)", async () => {
    await t.cloud.registrations.getRegistration(payg);
    useRetryClock();
    const listPath = armPath(`${payg.resourceId}/customerSubscriptions`);
    const regPath = armPath(payg2.resourceId);
    t.sandbox.faults.add({ method: 'GET', path: listPath, kind: 'status', status: 429, retryAfterSeconds: 20 });
    const reads = () => requestsTo(t.sandbox, 'GET', regPath).length;
    const before = reads();
    const listing = t.cloud.registrations.listMappings(payg);
    await until(() => requestsTo(t.sandbox, 'GET', listPath).some((r) => r.status === 429), 'the throttled answer');
    // The answer reaches the client a few I/O turns after the simulator sent it.
    for (let turn = 0; turn < 50; turn++) await ioTurn();
    const other = t.cloud.registrations.getRegistration(payg2);
    await jest.advanceTimersByTimeAsync(19_000);
    expect(reads()).toBe(before);
    await jest.advanceTimersByTimeAsync(1_001);
    await expect(other).resolves.toMatchObject({ billingModel: expect.any(String) });
    await listing;
    expect(reads()).toBe(before + 1);
  });

  it('a throttled write holds the next write but not a read: ARM throttles reads and writes in buckets of their own', async () => {
    await t.cloud.registrations.getRegistration(payg);
    useRetryClock();
    const first = unmappedCustomer();
    const second = unmappedCustomer();
    const putPath = (subscription: Guid) => armPath(`${payg.resourceId}/customerSubscriptions/${subscription}`);
    t.sandbox.faults.add({ method: 'PUT', path: putPath(first.subscription), kind: 'status', status: 429, retryAfterSeconds: 20 });
    const regPath = armPath(payg2.resourceId);
    const reads = () => requestsTo(t.sandbox, 'GET', regPath).length;
    const readsBefore = reads();
    const mapping = t.cloud.registrations.putMapping(payg, first.subscription, first.tenant);
    await until(() => requestsTo(t.sandbox, 'PUT', putPath(first.subscription)).some((r) => r.status === 429), 'the throttled answer');
    // The answer reaches the client a few I/O turns after the simulator sent it.
    for (let turn = 0; turn < 50; turn++) await ioTurn();
    // A read goes out at once, within the write's Retry-After.
    await expect(t.cloud.registrations.getRegistration(payg2)).resolves.toMatchObject({ billingModel: expect.any(String) });
    expect(reads()).toBe(readsBefore + 1);
    // Another write waits for it.
    const other = t.cloud.registrations.putMapping(payg, second.subscription, second.tenant);
    await jest.advanceTimersByTimeAsync(19_000);
    expect(requestsTo(t.sandbox, 'PUT', putPath(second.subscription))).toHaveLength(0);
    expect(requestsTo(t.sandbox, 'PUT', putPath(first.subscription))).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1_001);
    await expect(other).resolves.toMatchObject({ azureSubscriptionId: second.subscription });
    await expect(mapping).resolves.toMatchObject({ azureSubscriptionId: first.subscription });
    expect(requestsTo(t.sandbox, 'PUT', putPath(second.subscription))).toHaveLength(1);
    expect(requestsTo(t.sandbox, 'PUT', putPath(first.subscription))).toHaveLength(2);
  });
  it("a burst of three times what ARM takes in a second: one round of 429s, then the writes go at the rate it showed, none throttled again (the sandbox's `rate` fault)", async () => {
    await t.cloud.registrations.getRegistration(payg);
    useRetryClock();
    const perSecond = 3;
    t.sandbox.faults.add({ method: 'PUT', path: /\/customerSubscriptions\//, kind: 'rate', perSecond });
    const customers = Array.from({ length: 3 * perSecond }, unmappedCustomer);
    const sent = t.sandbox.requests.length;
    let settled = false;
    const writing = Promise.all(customers.map((c) => t.cloud.registrations.putMapping(payg, c.subscription, c.tenant))).finally(() => (settled = true));
    // Real I/O between small steps of the clock, until every write has its answer.
    while (!settled) {
      for (let turn = 0; turn < 20; turn++) await ioTurn();
      await jest.advanceTimersByTimeAsync(25);
    }
    const mappings = await writing;
    expect(mappings.map((m) => m.azureSubscriptionId)).toEqual(customers.map((c) => c.subscription));
    const puts = t.sandbox.requests.slice(sent).filter((r) => r.method === 'PUT');
    // The first round: three pass, six are throttled; then three a window, and no 429 more.
    expect(puts.filter((r) => r.status === 429)).toHaveLength(2 * perSecond);
    expect(puts.filter((r) => r.status === 200)).toHaveLength(3 * perSecond);
  });
});

describe('tenant mappings: write', () => {
  it('maps a tenant (200 with a body), sending the subscription id lower-case', async () => {
    const { tenant, subscription } = unmappedCustomer();
    const mapping = await t.cloud.registrations.putMapping(payg, subscription.toUpperCase() as Guid, tenant);
    expect(mapping).toEqual({
      registration: payg,
      azureSubscriptionId: subscription,
      customerTenantId: tenant,
      resourceId: `${payg.resourceId}/customerSubscriptions/${subscription}`,
    });
    expect(registrationState(payg).customerSubscriptions[subscription]).toEqual({ tenantId: tenant });
    expect(requestsTo(t.sandbox, 'PUT', armPath(mapping.resourceId))).toHaveLength(1);
  });

  it('accepts 201 with an empty body and confirms the mapping with a GET', async () => {
    registrationState(payg2).emptyBodyOnPut = true;
    const { tenant, subscription } = unmappedCustomer();
    const mapping = await t.cloud.registrations.putMapping(payg2, subscription, tenant);
    expect(mapping.customerTenantId).toBe(tenant);
    const path = armPath(mapping.resourceId);
    const sequence = t.sandbox.requests.filter((r) => r.path === path).map((r) => `${r.method} ${r.status}`);
    expect(sequence).toEqual(['PUT 201', 'GET 200']);
  });

  it('PUTs without reading anything first: the run step decides what may be overwritten', async () => {
    const { tenant, subscription } = unmappedCustomer();
    const older = uuidv4();
    registrationState(payg).customerSubscriptions[older] = { tenantId: tenant };
    const from = t.sandbox.requests.length;
    await t.cloud.registrations.putMapping(payg, subscription, tenant);
    const armCalls = t.sandbox.requests.slice(from).filter((r) => r.path.startsWith('/arm/'));
    expect(armCalls.map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 200']);
    // Azure keeps one subscription per tenant: the PUT moved the tenant.
    expect(registrationState(payg).customerSubscriptions[subscription]).toEqual({ tenantId: tenant });
    expect(registrationState(payg).customerSubscriptions[older]).toBeUndefined();
  });

  it('leaves a Capacity registration to Azure, which refuses it (CustomerSubscriptionsNotAllowed)', async () => {
    const { tenant, subscription } = unmappedCustomer();
    const error = await t.cloud.registrations.putMapping(capacity, subscription, tenant).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CustomerSubscriptionsNotAllowed', message: expect.stringMatching(/Capacity or Development billing model/) });
    expect(registrationState(capacity).customerSubscriptions[subscription]).toBeUndefined();
  });

  it('says a registration not approved for multi-tenancy needs an email to azstcsp@microsoft.com', async () => {
    const { tenant, subscription } = unmappedCustomer();
    const error = await t.cloud.registrations.putMapping(notApproved, subscription, tenant).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'UnauthorizedCspRegistration',
      statusCode: 403,
      correlationId: expect.any(String),
      nextStep: expect.stringContaining('azstcsp@microsoft.com'),
    });
  });

  it.each([
    ['an unknown subscription', 'InvalidCustomerSubscriptionId', () => ({ tenant: uuidv4() as Guid, subscription: uuidv4() as Guid })],
    ['a subscription of another tenant', 'BadCustomerSubscriptionId', () => ({ ...unmappedCustomer(), tenant: uuidv4() as Guid })],
  ])('puts %s into words (%s)', async (_what, code, pick) => {
    const { tenant, subscription } = pick();
    const error = await t.cloud.registrations.putMapping(payg, subscription, tenant).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code, statusCode: 400, transient: false });
  });

  it('retries a PUT answered 502 (it is idempotent) and maps once', async () => {
    const { tenant, subscription } = unmappedCustomer();
    t.sandbox.faults.add({ method: 'PUT', path: /customerSubscriptions/, kind: 'status', status: 502 });
    await t.cloud.registrations.putMapping(payg, subscription, tenant);
    expect(requestsTo(t.sandbox, 'PUT', /customerSubscriptions/).slice(-2).map((r) => r.status)).toEqual([502, 200]);
  });

  it('removes a mapping, and says when it was already gone', async () => {
    const { tenant, subscription } = unmappedCustomer();
    await t.cloud.registrations.putMapping(payg, subscription, tenant);
    await expect(t.cloud.registrations.deleteMapping(payg, subscription)).resolves.toBe('deleted');
    expect(registrationState(payg).customerSubscriptions[subscription]).toBeUndefined();
    await expect(t.cloud.registrations.deleteMapping(payg, subscription)).resolves.toBe('already-gone');
  });
});
