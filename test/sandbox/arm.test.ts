// Simulated ARM: Azure Stack Hub registrations, their customerSubscriptions (tenant mappings) and
// role assignments, compared with the official examples and the documented error codes.
import { randomUUID } from 'crypto';
import type { Sandbox } from '../../src/sandbox';
import { appToken, armExample, call, shapeDifferences, testSandbox } from './support';

let sandbox: Sandbox;
let armToken: string;
const V = 'api-version=2017-06-01';

beforeAll(async () => {
  sandbox = await testSandbox();
  armToken = await appToken(sandbox, sandbox.env.ARM_ENDPOINT);
});
afterAll(() => sandbox.close());

const arm = (resourcePath: string, query = V) => `${sandbox.env.ARM_ENDPOINT}${resourcePath}?${query}`;
const mappingUrl = (registration: string, sub: string, query = V) => arm(`${registration}/customerSubscriptions/${sub}`, query);
const put = (registration: string, sub: string, tenantId: string) =>
  call(mappingUrl(registration, sub), { method: 'PUT', token: armToken, body: { properties: { tenantId } } });

describe('registrations (AS-1)', () => {
  test('GET has the shape of the example and the billing model', async () => {
    const answer = await call(arm(sandbox.registrations.payAsYouUse), { token: armToken });
    expect(answer.status).toBe(200);
    expect(shapeDifferences(answer.body, armExample('azurestack/2017-06-01/examples/Registration/Get.json', 200))).toEqual([]);
    expect(answer.body).toMatchObject({ id: sandbox.registrations.payAsYouUse, properties: { billingModel: 'PayAsYouUse' } });
    expect(answer.headers.get('x-ms-ratelimit-remaining-subscription-reads')).toMatch(/^\d+$/);
  });

  test('the list by subscription has the shape of the example and all four registrations', async () => {
    const sub = sandbox.registrations.payAsYouUse.split('/')[2];
    const answer = await call(arm(`/subscriptions/${sub}/providers/Microsoft.AzureStack/registrations`), { token: armToken });
    expect(answer.status).toBe(200);
    expect(shapeDifferences(answer.body, armExample('azurestack/2017-06-01/examples/Registration/List.json', 200))).toEqual([]);
    const models = (answer.body as { value: Array<{ properties: { billingModel: string } }> }).value.map((r) => r.properties.billingModel).sort();
    expect(models).toEqual(['Capacity', 'PayAsYouUse', 'PayAsYouUse', 'PayAsYouUse']);
  });

  test('an unknown registration is RegistrationNotFound (404)', async () => {
    const answer = await call(arm(sandbox.registrations.payAsYouUse.replace('payg-east', 'nope')), { token: armToken });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: { code: 'RegistrationNotFound', message: expect.any(String) } });
  });

  test('a missing or unknown api-version is refused as ARM does', async () => {
    const missing = await call(`${sandbox.env.ARM_ENDPOINT}${sandbox.registrations.payAsYouUse}`, { token: armToken });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
    const unknown = await call(arm(sandbox.registrations.payAsYouUse, 'api-version=2019-01-01'), { token: armToken });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: { code: 'NoRegisteredProviderFound' } });
  });

  test('a doubled slash after the endpoint is tolerated (the SDK sends one)', async () => {
    const answer = await call(`${sandbox.env.ARM_ENDPOINT}/${sandbox.registrations.payAsYouUse}?${V}`, { token: armToken });
    expect(answer.status).toBe(200);
  });
});

describe('customerSubscriptions (AS-2..AS-5)', () => {
  test('PUT answers 200 with the resource, GET finds it, both shaped like the examples', async () => {
    const c = sandbox.seedCustomer({ companyName: 'Put Co', domain: 'putco.onmicrosoft.com', azurePlan: 'active' });
    const answer = await put(sandbox.registrations.payAsYouUse, c.azureSubscriptionId!, c.customerTenantId);
    expect(answer.status).toBe(200);
    expect(shapeDifferences(answer.body, armExample('azurestack/2017-06-01/examples/CustomerSubscription/Put.json', 200))).toEqual([]);
    expect(answer.body).toMatchObject({
      id: `${sandbox.registrations.payAsYouUse}/customerSubscriptions/${c.azureSubscriptionId}`,
      name: `azurestack-payg-east/${c.azureSubscriptionId}`,
      type: 'Microsoft.AzureStack/registrations/customerSubscriptions',
      properties: { tenantId: c.customerTenantId },
    });
    const got = await call(mappingUrl(sandbox.registrations.payAsYouUse, c.azureSubscriptionId!), { token: armToken });
    expect(got.status).toBe(200);
    expect(shapeDifferences(got.body, armExample('azurestack/2017-06-01/examples/CustomerSubscription/Get.json', 200))).toEqual([]);
  });

  test('PUT answers 201 with an empty body when the registration behaves as the Azure Stack docs say', async () => {
    const registration = sandbox.state.registrations[sandbox.registrations.payAsYouUse2.toLowerCase()];
    registration.emptyBodyOnPut = true;
    try {
      const c = sandbox.seedCustomer({ companyName: 'Empty Co', domain: 'emptyco.onmicrosoft.com', azurePlan: 'active' });
      const answer = await put(sandbox.registrations.payAsYouUse2, c.azureSubscriptionId!, c.customerTenantId);
      expect(answer.status).toBe(201);
      expect(answer.text).toBe('');
      expect(registration.customerSubscriptions[c.azureSubscriptionId!]).toEqual({ tenantId: c.customerTenantId });
    } finally {
      registration.emptyBodyOnPut = false;
    }
  });

  test('a tenant maps to one subscription per registration: a second PUT overwrites the first', async () => {
    const c = sandbox.seedCustomer({ companyName: 'Twice', domain: 'twice.onmicrosoft.com', azurePlan: 'active' });
    const second = sandbox.state.entitlements[c.azureSubscriptionId!];
    // A second Azure subscription of the same customer (legacy and plan side by side).
    const otherSub = randomUUID();
    sandbox.state.entitlements[otherSub] = { ...second, id: otherSub };
    const before = sandbox.state.counts().mappingPuts;
    expect((await put(sandbox.registrations.payAsYouUse, c.azureSubscriptionId!, c.customerTenantId)).status).toBe(200);
    expect((await put(sandbox.registrations.payAsYouUse, otherSub, c.customerTenantId)).status).toBe(200);
    const old = await call(mappingUrl(sandbox.registrations.payAsYouUse, c.azureSubscriptionId!), { token: armToken });
    expect(old.status).toBe(404);
    expect(old.body).toMatchObject({ error: { code: 'CustomerSubscriptionNotFound' } });
    expect(sandbox.state.counts().mappingPuts).toBe(before + 2);
  });

  test.each([
    ['capacity', 400, 'CustomerSubscriptionsNotAllowed'],
    ['notApproved', 403, 'UnauthorizedCspRegistration'],
  ] as const)('PUT on the %s registration fails with %i %s', async (which, status, code) => {
    const c = sandbox.seedCustomer({ companyName: `Co ${which}`, domain: `co${which.toLowerCase()}.onmicrosoft.com`, azurePlan: 'active' });
    const answer = await put(sandbox.registrations[which], c.azureSubscriptionId!, c.customerTenantId);
    expect(answer.status).toBe(status);
    expect(answer.body).toEqual({ error: { code, message: expect.any(String) } });
  });

  test('a Development (proof of concept) registration can be seeded over HTTP, reads as Development and refuses a PUT like Capacity', async () => {
    const seeded = await call(`${sandbox.url}/_sandbox/seed/registration`, { method: 'POST', body: { name: 'azurestack-poc', billingModel: 'Development' } });
    expect(seeded.status).toBe(201);
    const id = (seeded.body as { id: string }).id;
    const read = await call(arm(id), { token: armToken });
    expect(read.body).toMatchObject({ id, properties: { billingModel: 'Development' } });
    const c = sandbox.seedCustomer({ companyName: 'Poc Co', domain: 'pocco.onmicrosoft.com', azurePlan: 'active' });
    const answer = await put(id, c.azureSubscriptionId!, c.customerTenantId);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: { code: 'CustomerSubscriptionsNotAllowed', message: expect.stringContaining('Development billing model') } });
    expect(sandbox.state.registrations[id.toLowerCase()].customerSubscriptions[c.azureSubscriptionId!]).toBeUndefined();
    const wrong = await call(`${sandbox.url}/_sandbox/seed/registration`, { method: 'POST', body: { name: 'azurestack-x', billingModel: 'Free' } });
    expect([wrong.status, wrong.body]).toEqual([400, { error: 'billingModel must be one of PayAsYouUse, Capacity, Development.' }]);
  });

  test('PUT of an unknown subscription, an upper-case id, or an unknown registration fails as documented', async () => {
    const c = sandbox.seedCustomer({ companyName: 'Case Co', domain: 'caseco.onmicrosoft.com', azurePlan: 'active' });
    const unknown = await put(sandbox.registrations.payAsYouUse, randomUUID(), c.customerTenantId);
    expect([unknown.status, (unknown.body as { error: { code: string } }).error.code]).toEqual([400, 'InvalidCustomerSubscriptionId']);
    const upper = await put(sandbox.registrations.payAsYouUse, c.azureSubscriptionId!.toUpperCase(), c.customerTenantId);
    expect([upper.status, (upper.body as { error: { code: string } }).error.code]).toEqual([400, 'BadCustomerSubscriptionId']);
    const noReg = await put(sandbox.registrations.payAsYouUse.replace('payg-east', 'gone'), c.azureSubscriptionId!, c.customerTenantId);
    expect([noReg.status, (noReg.body as { error: { code: string } }).error.code]).toEqual([404, 'RegistrationNotFound']);
    expect(sandbox.state.registrations[sandbox.registrations.payAsYouUse.toLowerCase()].customerSubscriptions[c.azureSubscriptionId!]).toBeUndefined();
  });

  test('DELETE answers 200 when the mapping existed and 204 when it did not, both empty', async () => {
    const c = sandbox.seedCustomer({ companyName: 'Bye', domain: 'bye.onmicrosoft.com', azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const first = await call(mappingUrl(sandbox.registrations.payAsYouUse, c.azureSubscriptionId!), { method: 'DELETE', token: armToken });
    const second = await call(mappingUrl(sandbox.registrations.payAsYouUse, c.azureSubscriptionId!), { method: 'DELETE', token: armToken });
    expect([first.status, first.text, second.status, second.text]).toEqual([200, '', 204, '']);
  });

  test('the list pages with nextLink and $skipToken, shaped like the example', async () => {
    const fresh = await testSandbox({ seed: false });
    try {
      const token = await appToken(fresh, fresh.env.ARM_ENDPOINT);
      fresh.state.registrations[fresh.registrations.payAsYouUse.toLowerCase()].pageSize = 4;
      const seeded = fresh.seedMappings(fresh.registrations.payAsYouUse, 10);
      const seen: string[] = [];
      let next: string | undefined = `${fresh.env.ARM_ENDPOINT}${fresh.registrations.payAsYouUse}/customerSubscriptions?${V}`;
      let pages = 0;
      while (next) {
        const answer = await call(next, { token });
        expect(answer.status).toBe(200);
        expect(shapeDifferences(answer.body, armExample('azurestack/2017-06-01/examples/CustomerSubscription/List.json', 200))).toEqual([]);
        const page = answer.body as { value: Array<{ properties: { tenantId: string } }>; nextLink?: string };
        seen.push(...page.value.map((m) => m.properties.tenantId));
        next = page.nextLink;
        pages += 1;
      }
      expect(pages).toBe(3);
      expect(seen.sort()).toEqual(seeded.map((s) => s.customerTenantId).sort());
    } finally {
      await fresh.close();
    }
  });

  test('1,000 seeded mappings list in 20 pages of 50', async () => {
    const big = await testSandbox({ seed: false });
    try {
      const token = await appToken(big, big.env.ARM_ENDPOINT);
      big.seedMappings(big.registrations.payAsYouUse2, 1000);
      let next: string | undefined = `${big.env.ARM_ENDPOINT}${big.registrations.payAsYouUse2}/customerSubscriptions?${V}`;
      const sizes: number[] = [];
      while (next) {
        const page = (await call(next, { token })).body as { value: unknown[]; nextLink?: string };
        sizes.push(page.value.length);
        next = page.nextLink;
      }
      expect(sizes).toEqual(Array(20).fill(50));
    } finally {
      await big.close();
    }
  });

  test('an empty registration lists as 200 with an empty body (as the docs warn)', async () => {
    const answer = await call(arm(`${sandbox.registrations.notApproved}/customerSubscriptions`), { token: armToken });
    expect(answer.status).toBe(200);
    expect(answer.text).toBe('');
  });
});

describe('tokens on ARM', () => {
  test('no token, a Graph token, or a customer-tenant token are refused with 401', async () => {
    const url = arm(sandbox.registrations.payAsYouUse);
    const none = await call(url);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { code: 'AuthenticationFailed' } });
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const graph = await call(url, { token: await appToken(sandbox, 'https://graph.microsoft.com') });
    expect(graph.status).toBe(401);
    expect(graph.body).toMatchObject({ error: { code: 'InvalidAuthenticationTokenAudience' } });
    const c = sandbox.seedCustomer({ companyName: 'Other Tenant', domain: 'othertenant.onmicrosoft.com' });
    const wrongTenant = await call(url, { token: await appToken(sandbox, 'https://management.azure.com', c.customerTenantId) });
    expect(wrongTenant.status).toBe(401);
    expect(wrongTenant.body).toMatchObject({ error: { code: 'InvalidAuthenticationTokenTenant' } });
  });

  test('the public-cloud audience is accepted too', async () => {
    const answer = await call(arm(sandbox.registrations.payAsYouUse), { token: await appToken(sandbox, 'https://management.azure.com') });
    expect(answer.status).toBe(200);
  });

  test('an expired token is refused', async () => {
    const shortLived = await testSandbox({ seed: false, tokenLifetimeSeconds: 1 });
    try {
      const token = await appToken(shortLived, shortLived.env.ARM_ENDPOINT);
      // Only the clock moves on (1.1 s); the sandbox's I/O keeps real timers.
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
      jest.setSystemTime(Date.now() + 1100);
      const answer = await call(`${shortLived.env.ARM_ENDPOINT}${shortLived.registrations.payAsYouUse}?${V}`, { token });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: 'ExpiredAuthenticationToken' } });
    } finally {
      jest.useRealTimers();
      await shortLived.close();
    }
  });
});

describe('role assignments (R-1)', () => {
  const OWNER = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';
  async function setting() {
    const c = sandbox.seedCustomer({ companyName: `Roles ${randomUUID().slice(0, 4)}`, domain: `roles${randomUUID().slice(0, 6)}.onmicrosoft.com`, azurePlan: 'active' });
    const guest = sandbox.seedUser({ tenantId: c.customerTenantId, displayName: 'CSP Ops', mail: 'ops@csp.example', userType: 'Guest' });
    const token = await appToken(sandbox, sandbox.env.ARM_ENDPOINT, c.customerTenantId);
    const sub = c.azureSubscriptionId!;
    const url = (name: string, version = '2022-04-01') => `${sandbox.env.ARM_ENDPOINT}/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments/${name}?api-version=${version}`;
    const body = (principalId = guest) => ({
      properties: { roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${OWNER}`, principalId, principalType: 'User' },
    });
    return { c, guest, token, sub, url, body };
  }

  test('201 when new, 200 for the same name again, 409 RoleAssignmentExists under another name', async () => {
    const { token, url, body } = await setting();
    const name = randomUUID();
    const before = sandbox.state.counts().roleAssignmentsCreated;
    const created = await call(url(name), { method: 'PUT', token, body: body() });
    expect(created.status).toBe(201);
    expect(shapeDifferences(created.body, armExample('authorization/2022-04-01/examples/RoleAssignments_CreateForSubscription.json', 201))).toEqual([]);
    const again = await call(url(name), { method: 'PUT', token, body: body() });
    expect(again.status).toBe(200);
    const other = await call(url(randomUUID()), { method: 'PUT', token, body: body() });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: { code: 'RoleAssignmentExists', message: expect.stringContaining(name.replace(/-/g, '')) } });
    expect(sandbox.state.counts().roleAssignmentsCreated).toBe(before + 1);
    const got = await call(url(name), { token });
    expect(shapeDifferences(got.body, armExample('authorization/2022-04-01/examples/RoleAssignments_Get.json', 200))).toEqual([]);
  });

  test('api-version 2015-07-01 answers in its own shape (no principalType)', async () => {
    const { token, sub, url, body } = await setting();
    const created = await call(url(randomUUID(), '2015-07-01'), { method: 'PUT', token, body: body() });
    expect(created.status).toBe(201);
    expect(shapeDifferences(created.body, armExample('authorization/2015-07-01/examples/PutRoleAssignment.json', 201))).toEqual([]);
    expect((created.body as { properties: object }).properties).not.toHaveProperty('principalType');
    const list = await call(`${sandbox.env.ARM_ENDPOINT}/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments?api-version=2015-07-01`, { token });
    expect(list.status).toBe(200);
    expect((list.body as { value: unknown[] }).value).toHaveLength(1);
    expect(shapeDifferences(list.body, armExample('authorization/2015-07-01/examples/GetRoleAssignmentByScope.json', 200))).toEqual([]);
  });

  test('an unknown principal is PrincipalNotFound; a partner-tenant token is refused', async () => {
    const { token, url, body } = await setting();
    const missing = await call(url(randomUUID()), { method: 'PUT', token, body: body(randomUUID()) });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: { code: 'PrincipalNotFound' } });
    const partner = await call(url(randomUUID()), { method: 'PUT', token: armToken, body: body() });
    expect(partner.status).toBe(401);
    expect(partner.body).toMatchObject({ error: { code: 'InvalidAuthenticationTokenTenant' } });
  });

  test("the list filters on principalId eq '…' and is shaped like the example", async () => {
    const { token, guest, sub, url, body } = await setting();
    await call(url(randomUUID()), { method: 'PUT', token, body: body() });
    const filter = encodeURIComponent(`principalId eq '${guest}'`);
    const list = await call(`${sandbox.env.ARM_ENDPOINT}/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${filter}`, { token });
    expect(list.status).toBe(200);
    expect(shapeDifferences(list.body, armExample('authorization/2022-04-01/examples/RoleAssignments_ListForScope.json', 200))).toEqual([]);
    expect((list.body as { value: unknown[] }).value).toHaveLength(1);
    const nobody = encodeURIComponent(`principalId eq '${randomUUID()}'`);
    const empty = await call(`${sandbox.env.ARM_ENDPOINT}/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments?api-version=2015-07-01&$filter=${nobody}`, { token });
    expect(empty.body).toEqual({ value: [] });
    expect(shapeDifferences({ value: [] }, armExample('authorization/2015-07-01/examples/GetRoleAssignmentByScope.json', 200))).toEqual([]);
  });
});
