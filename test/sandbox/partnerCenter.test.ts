// Simulated Partner Center, route by route against the docs' example transcripts.
import { randomUUID } from 'crypto';
import type { Sandbox } from '../../src/sandbox';
import { appToken, call, delegatedToken, eventually, httpFixture, jsonFixture, shapeDifferences, testSandbox } from './support';

let sandbox: Sandbox;
let token: string;
let userToken: string;
const PC = 'https://api.partnercenter.microsoft.com';

beforeAll(async () => {
  sandbox = await testSandbox();
  token = await appToken(sandbox, PC);
  userToken = await delegatedToken(sandbox, PC);
});
afterAll(() => sandbox.close());

const pc = (p: string) => `${sandbox.env.PARTNER_CENTER_ENDPOINT}${p}`;
const newCustomerBody = (domain: string, address: Record<string, string> = {}, company: Record<string, string> = {}) => ({
  CompanyProfile: { Domain: domain, ...company },
  BillingProfile: {
    Culture: 'EN-US',
    Email: 'it@example.com',
    Language: 'en',
    CompanyName: 'Test Company',
    DefaultAddress: { FirstName: 'Test', LastName: 'Test', AddressLine1: 'One Microsoft Way', City: 'Redmond', State: 'WA', PostalCode: '98052', Country: 'US', ...address },
  },
});
const create = (body: unknown, requestId = randomUUID()) =>
  call(pc('/v1/customers'), { method: 'POST', token, body, headers: { 'MS-RequestId': requestId, 'MS-CorrelationId': randomUUID() } });

describe('customers', () => {
  test('HEAD domains: 200 when in use, 404 when free, no body either way (PC-1)', async () => {
    const used = await call(pc('/v1/domains/contoso.onmicrosoft.com'), { method: 'HEAD', token });
    const free = await call(pc('/v1/domains/nobody-has-this.onmicrosoft.com'), { method: 'HEAD', token });
    expect([used.status, free.status]).toEqual([
      httpFixture('partner-center/verify-domain-availability.response-200-domain-in-use.http').status,
      httpFixture('partner-center/verify-domain-availability.response-404-domain-available.http').status,
    ]);
    expect(used.text + free.text).toBe('');
  });

  test('the starts_with filter finds by domain and company name, case-insensitively, in the fixture shape (PC-2)', async () => {
    const filter = (Field: string, Value: string) => encodeURIComponent(JSON.stringify({ Field, Value, Operator: 'starts_with' }));
    const byDomain = await call(pc(`/v1/customers?size=0&filter=${filter('Domain', 'CONT')}`), { token });
    expect(byDomain.status).toBe(200);
    expect(shapeDifferences(byDomain.body, httpFixture('partner-center/get-a-customer-by-name.response.http').body)).toEqual([]);
    const domains = (byDomain.body as { items: Array<{ companyProfile: { domain: string } }> }).items.map((i) => i.companyProfile.domain);
    expect(domains).toEqual(['contoso.onmicrosoft.com']);
    const byName = await call(pc(`/v1/customers?size=0&filter=${filter('CompanyName', 'fab')}`), { token });
    expect((byName.body as { totalCount: number }).totalCount).toBe(1);
    const bad = await call(pc(`/v1/customers?filter=${encodeURIComponent(JSON.stringify({ Field: 'Domain', Value: 'x', Operator: 'equals' }))}`), { token });
    expect(bad.status).toBe(400);
    expect(shapeDifferences(bad.body, { code: 0, description: '', data: [], source: '' })).toEqual([]);
  });

  test('GET customers with size pages: continuationToken and links.next replayed with MS-ContinuationToken, filter kept, every match once', async () => {
    const tag = `pager${randomUUID().slice(0, 6)}`;
    const seeded = Array.from({ length: 7 }, (_, i) => sandbox.seedCustomer({ companyName: `${tag} ${i}`, domain: `${tag}${i}.onmicrosoft.com` }).customerTenantId);
    type Page = { totalCount: number; items: Array<{ id: string }>; continuationToken?: string; links: { next?: { uri: string; method: string; headers: Array<{ key: string; value: string }> } } };
    const filter = encodeURIComponent(JSON.stringify({ Field: 'CompanyName', Value: tag, Operator: 'starts_with' }));
    let answer = await call(pc(`/v1/customers?size=3&filter=${filter}`), { token });
    const pages: Page[] = [];
    for (;;) {
      expect(answer.status).toBe(200);
      const page = answer.body as Page;
      pages.push(page);
      if (!page.links.next) break;
      expect(page.links.next).toEqual({ uri: '/customers?size=3&seekOperation=Next', method: 'GET', headers: [{ key: 'MS-ContinuationToken', value: page.continuationToken }] });
      // The next link is relative to the versioned base, like links.self.
      answer = await call(pc(`/v1${page.links.next.uri}`), { token, headers: { 'MS-ContinuationToken': page.links.next.headers[0].value } });
    }
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.totalCount)).toEqual([3, 3, 1]);
    expect(pages.at(-1)!.continuationToken).toBeUndefined();
    expect(pages.flatMap((p) => p.items.map((i) => i.id))).toEqual(seeded);

    // Without a filter the pages cover every customer; size=0 (the docs' example) answers all at once.
    const all = (await call(pc('/v1/customers?size=0'), { token })).body as Page;
    expect(all.continuationToken).toBeUndefined();
    expect(all.items.length).toBe(Object.keys(sandbox.state.customers).length);
    const first = (await call(pc('/v1/customers?size=2'), { token })).body as Page;
    expect(first.items.map((i) => i.id)).toEqual(all.items.slice(0, 2).map((i) => i.id));
    const second = await call(pc('/v1/customers?size=2&seekOperation=Next'), { token, headers: { 'MS-ContinuationToken': first.continuationToken! } });
    expect((second.body as Page).items.map((i) => i.id)).toEqual(all.items.slice(2, 4).map((i) => i.id));

    const noToken = await call(pc('/v1/customers?size=2&seekOperation=Next'), { token });
    const badToken = await call(pc('/v1/customers?size=2&seekOperation=Next'), { token, headers: { 'MS-ContinuationToken': 'not-a-token' } });
    expect([noToken.status, badToken.status]).toEqual([400, 400]);
  });

  test('create answers 201 in the fixture shape with generated admin credentials, and echoes the ids (PC-3)', async () => {
    const requestId = randomUUID();
    const answer = await create(newCustomerBody('newco.onmicrosoft.com'), requestId);
    const fixture = httpFixture('partner-center/create-a-customer.response.http');
    expect(answer.status).toBe(fixture.status);
    expect(shapeDifferences(answer.body, fixture.body)).toEqual([]);
    const body = answer.body as { id: string; userCredentials: { userName: string; password: string }; companyProfile: { tenantId: string } };
    expect(body.companyProfile.tenantId).toBe(body.id);
    expect(body.userCredentials.password.length).toBeGreaterThanOrEqual(12);
    expect(answer.headers.get('ms-requestid')).toBe(requestId);
    const got = await call(pc(`/v1/customers/${body.id}`), { token });
    expect(got.status).toBe(200);
    expect(got.body).not.toHaveProperty('userCredentials');
  });

  test("the docs' own request example is accepted as sent (PascalCase keys, trailing commas)", async () => {
    const request = httpFixture('partner-center/create-a-customer.request.http');
    const answer = await create(request.body);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ companyProfile: { domain: 'xyz.ccsctp.net' }, billingProfile: { companyName: 'test company', defaultAddress: { city: 'Redmond' } } });
  });

  test('a retry with the same MS-RequestId returns the same customer and creates nothing', async () => {
    const requestId = randomUUID();
    const before = sandbox.state.counts().customersCreated;
    const first = await create(newCustomerBody('retryco.onmicrosoft.com'), requestId);
    const second = await create(newCustomerBody('retryco.onmicrosoft.com'), requestId);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.body).toEqual(first.body);
    expect(sandbox.state.counts().customersCreated).toBe(before + 1);
    const third = await create(newCustomerBody('retryco.onmicrosoft.com'));
    expect(third.status).toBe(409);
  });

  test.each([
    [600049, 'no registration number in HU', { Country: 'HU', PhoneNumber: '3615550100' }, {}],
    [600002, 'a registration number in the US', {}, { OrganizationRegistrationNumber: '12345' }],
    [600051, 'no phone in RU', { Country: 'RU' }, { OrganizationRegistrationNumber: '1234567890' }],
  ])('validation: 400 %i for %s', async (code, _name, address, company) => {
    const answer = await create(newCustomerBody(`v${randomUUID().slice(0, 6)}.onmicrosoft.com`, address, company));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code, description: expect.any(String), data: [], source: 'PartnerFD' });
  });

  test('missing required fields are refused and nothing is created', async () => {
    const before = sandbox.state.counts().customersCreated;
    const answer = await create({ CompanyProfile: { Domain: 'half.onmicrosoft.com' } });
    expect(answer.status).toBe(400);
    expect((answer.body as { description: string }).description).toMatch(/billingProfile.email/);
    expect(sandbox.state.counts().customersCreated).toBe(before);
  });

  test('an unknown customer is 404 with the Partner Center error body (PC-4)', async () => {
    const answer = await call(pc(`/v1/customers/${randomUUID()}`), { token });
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ data: [], source: 'PartnerFD' });
  });

  test('a Graph token or no token is refused', async () => {
    expect((await call(pc('/v1/customers'))).status).toBe(401);
    expect((await call(pc('/v1/customers'), { token: await appToken(sandbox, 'https://graph.microsoft.com') })).status).toBe(401);
    expect((await call(pc('/v1/customers'), { token: await appToken(sandbox, sandbox.env.PARTNER_CENTER_ENDPOINT) })).status).toBe(200);
  });
});

describe('the Azure plan purchase', () => {
  async function newCustomer() {
    const answer = await create(newCustomerBody(`buyer${randomUUID().slice(0, 6)}.onmicrosoft.com`));
    return (answer.body as { id: string }).id;
  }
  const agreement = {
    primaryContact: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com', phoneNumber: '1234567890' },
    templateId: '117a77b0-9360-443b-8795-c6dedc750cf9',
    dateAgreed: '2018-06-14T00:00:00.000Z',
    type: 'MicrosoftCustomerAgreement',
  };

  test('agreement metadata has the fixture shape (PC-5)', async () => {
    const answer = await call(pc('/v1/agreements?agreementType=MicrosoftCustomerAgreement'), { token: userToken });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(httpFixture('partner-center/get-customer-agreement-metadata.response.http').body);
  });

  test('confirming the agreement needs App+User; a duplicate is 600061 in the fixture shape', async () => {
    const id = await newCustomer();
    const appOnly = await call(pc(`/v1/customers/${id}/agreements`), { method: 'POST', token, body: agreement });
    expect(appOnly.status).toBe(403);
    const created = await call(pc(`/v1/customers/${id}/agreements`), {
      method: 'POST',
      token: userToken,
      body: httpFixture('partner-center/confirm-customer-consent-customer-agreement.request.http').body,
    });
    const fixture = httpFixture('partner-center/confirm-customer-consent-customer-agreement.response.http');
    expect(created.status).toBe(fixture.status);
    expect(shapeDifferences(created.body, fixture.body)).toEqual([]);
    expect((created.body as { userId: string }).userId).toBe(sandbox.users.partnerAdmin);
    const duplicate = await call(pc(`/v1/customers/${id}/agreements`), { method: 'POST', token: userToken, body: agreement });
    expect(duplicate.status).toBe(409);
    expect(Object.keys(duplicate.body as object).sort()).toEqual(Object.keys(jsonFixture('partner-center/confirm-customer-consent-customer-agreement.error-600061.json') as object).sort());
    const listed = await call(pc(`/v1/customers/${id}/agreements?agreementType=MicrosoftCustomerAgreement`), { token: userToken });
    expect((listed.body as { totalCount: number }).totalCount).toBe(1);
  });

  test("the simulated Partner Center's page confirms an agreement by hand, as the partner admin, once", async () => {
    const id = await newCustomer();
    const page = await call(`${sandbox.url}/partner-center/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain("Confirm the customer's acceptance");
    const url = `${sandbox.url}/_sandbox/customers/${id}/agreement`;
    const shown = await call(url);
    expect(shown.body).toMatchObject({ customerTenantId: id, billingContact: { email: expect.any(String) }, agreements: [] });
    // Who accepted and when are required; nothing is recorded without them.
    const incomplete = await call(url, { method: 'POST', body: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com' } });
    expect([incomplete.status, incomplete.body]).toEqual([400, { error: 'Required: dateAgreed.' }]);
    expect((await call(url, { method: 'POST', body: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com', dateAgreed: 'soon' } })).status).toBe(400);
    expect((await call(`${sandbox.url}/_sandbox/customers/${randomUUID()}/agreement`)).status).toBe(404);
    const confirmed = await call(url, { method: 'POST', body: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com', dateAgreed: '2026-11-27' } });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body).toMatchObject({ userId: sandbox.users.partnerAdmin, dateAgreed: '2026-11-27T00:00:00.000Z', primaryContact: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com' } });
    expect((await call(url, { method: 'POST', body: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com', dateAgreed: '2026-11-27' } })).status).toBe(409);
    // Partner Center's own API sees it (App+User).
    const listed = await call(pc(`/v1/customers/${id}/agreements?agreementType=MicrosoftCustomerAgreement`), { token: userToken });
    expect((listed.body as { totalCount: number }).totalCount).toBe(1);
  });

  test('customer agreements are App+User only: an app-only read or write is 403 before any other check', async () => {
    const id = await newCustomer();
    const unknown = randomUUID();
    const answers = await Promise.all([
      call(pc('/v1/agreements?agreementType=MicrosoftCustomerAgreement'), { token }),
      call(pc(`/v1/customers/${id}/agreements?agreementType=MicrosoftCustomerAgreement`), { token }),
      call(pc(`/v1/customers/${id}/agreements`), { method: 'POST', token, body: agreement }),
      // Before the customer lookup and the body checks too.
      call(pc(`/v1/customers/${unknown}/agreements?agreementType=MicrosoftCustomerAgreement`), { token }),
      call(pc(`/v1/customers/${id}/agreements`), { method: 'POST', token, body: {} }),
    ]);
    expect(answers.map((a) => [a.status, (a.body as { code: number }).code])).toEqual(Array(5).fill([403, 600006]));
    expect(sandbox.state.agreements.filter((a) => a.customerTenantId === id)).toEqual([]);
  });

  test('address validation (PC-11): the docs\' answer shape; verified with ZIP+4, a loose spelling corrected, a wrong code None, other countries NotValidated', async () => {
    const validate = (body: object) => call(pc('/v1/validations/address'), { method: 'POST', token, body });
    const redmond = { AddressLine1: 'One Microsoft Way', City: 'Redmond', State: 'WA', PostalCode: '98052', Country: 'US' };
    const verified = await validate(redmond);
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({
      originalAddress: { addressLine1: 'One Microsoft Way', city: 'Redmond', state: 'WA', postalCode: '98052', country: 'US' },
      suggestedAddresses: [{ addressLine1: 'One Microsoft Way', city: 'Redmond', state: 'WA', postalCode: expect.stringMatching(/^98052-\d{4}$/), country: 'US' }],
      status: 'VerifiedShippable',
    });
    const loose = await validate({ addressLine1: 'Herengracht 1', city: 'Amsterdam', postalCode: '1015ba', country: 'nl' });
    expect(loose.body).toMatchObject({ status: 'InteractionRequired', suggestedAddresses: [{ postalCode: '1015 BA' }], validationMessage: "Address field invalid for property: 'PostalCode'" });
    const wrong = await validate({ ...redmond, PostalCode: '9805' });
    expect(wrong.body).toMatchObject({ status: 'None', suggestedAddresses: [] });
    const elsewhere = await validate({ addressLine1: '1-1 Chiyoda', city: 'Chiyoda', postalCode: '100-0001', country: 'JP' });
    expect(elsewhere.body).toMatchObject({ status: 'NotValidated', suggestedAddresses: [] });
    const incomplete = await validate({ addressLine1: 'One Microsoft Way', city: 'Redmond', postalCode: '98052', country: 'US' });
    expect([incomplete.status, (incomplete.body as { code: number }).code]).toEqual([400, 800002]);
  });

  test('availability of the Azure plan: the catalog item id, with the fixture SKU inside (PC-6)', async () => {
    const id = await newCustomer();
    const byCustomer = await call(pc(`/v1/customers/${id}/products/DZH318Z0BPS6/skus/0001/availabilities`), { token });
    const byCountry = await call(pc('/v1/products/DZH318Z0BPS6/skus/0001/availabilities?country=US'), { token });
    for (const answer of [byCustomer, byCountry]) {
      expect(answer.status).toBe(200);
      const item = (answer.body as { items: Array<{ catalogItemId: string; sku: unknown }> }).items[0];
      expect(item.catalogItemId).toBe('DZH318Z0BPS6:0001:DZH318Z0BML6');
      // The docs page shows the SKU where an availability list is expected (specs/README.md).
      expect(item.sku).toEqual(httpFixture('partner-center/get-a-list-of-availabilities-for-a-sku-by-customer.response.http').body);
    }
    const unknown = await call(pc('/v1/products/NOPE/skus/0001/availabilities?country=US'), { token });
    expect([unknown.status, (unknown.body as { code: number }).code]).toEqual([404, 400013]);
  });

  test('cart → checkout → order pending, then completed; subscription and Azure entitlement follow (PC-7..PC-10)', async () => {
    const id = await newCustomer();
    const cart = await call(pc(`/v1/customers/${id}/carts`), {
      method: 'POST',
      token,
      body: { lineItems: [{ id: 0, catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6', quantity: 1, billingCycle: 'one_time', friendlyName: 'Azure plan' }] },
    });
    expect(cart.status).toBe(201);
    expect(shapeDifferences(cart.body, httpFixture('partner-center/create-a-cart.response.http').body)).toEqual([]);
    const { id: cartId, expirationTimestamp } = cart.body as { id: string; expirationTimestamp: string };
    expect(Date.parse(expirationTimestamp) - Date.now()).toBeGreaterThan(14 * 60 * 1000);

    const noAgreement = await call(pc(`/v1/customers/${id}/carts/${cartId}/checkout`), { method: 'POST', token });
    expect([noAgreement.status, (noAgreement.body as { code: number }).code]).toEqual([403, 13605]);
    const cartStatus = async () => ((await call(pc(`/v1/customers/${id}/carts/${cartId}`), { token })).body as { status: string }).status;
    // A refused checkout did not process the cart: still Active.
    expect(await cartStatus()).toBe('Active');
    await call(pc(`/v1/customers/${id}/agreements`), { method: 'POST', token: userToken, body: agreement });

    const checkout = await call(pc(`/v1/customers/${id}/carts/${cartId}/checkout`), { method: 'POST', token });
    expect(checkout.status).toBe(201);
    expect(await cartStatus()).toBe('Ordered');
    expect(shapeDifferences(checkout.body, httpFixture('partner-center/checkout-a-cart.response.http').body)).toEqual([]);
    expect(checkout.body).toHaveProperty('orderErrors', []);
    const order = (checkout.body as { orders: Array<{ id: string; status: string; lineItems: Array<{ subscriptionId: string }> }> }).orders[0];
    expect(shapeDifferences(order, httpFixture('partner-center/get-an-order-by-id.response.http').body)).toEqual([]);
    expect(order.status).toBe('pending');
    const again = await call(pc(`/v1/customers/${id}/carts/${cartId}/checkout`), { method: 'POST', token });
    expect([again.status, (again.body as { code: number }).code]).toEqual([400, 800065]);

    const completed = await eventually(async () => {
      const got = await call(pc(`/v1/customers/${id}/orders/${order.id}`), { token });
      return (got.body as { status: string }).status === 'completed' ? got : undefined;
    });
    expect(shapeDifferences(completed.body, httpFixture('partner-center/get-an-order-by-id.response.http').body)).toEqual([]);
    const orders = await call(pc(`/v1/customers/${id}/orders`), { token });
    expect((orders.body as { items: Array<{ id: string }> }).items.map((o) => o.id)).toEqual([order.id]);

    const subs = await call(pc(`/v1/customers/${id}/subscriptions`), { token });
    expect(shapeDifferences(subs.body, httpFixture('partner-center/get-all-of-a-customer-s-subscriptions.response.http').body)).toEqual([]);
    const sub = (subs.body as { items: Array<{ id: string; offerId: string; status: string }> }).items[0];
    expect(sub.id).toBe(order.lineItems[0].subscriptionId);
    expect(sub.offerId.startsWith('DZH318Z0BPS6')).toBe(true);

    const active = await eventually(async () => {
      const got = await call(pc(`/v1/customers/${id}/subscriptions/${sub.id}/azureEntitlements`), { token });
      const items = (got.body as { items: Array<{ status: string }> }).items;
      return items.length === 1 && items[0].status === 'active' ? got : undefined;
    });
    expect(shapeDifferences(active.body, httpFixture('partner-center/get-a-list-of-azure-entitlements-for-subscription.response.http').body)).toEqual([]);
    const azureSubscriptionId = (active.body as { items: Array<{ id: string }> }).items[0].id;
    expect(azureSubscriptionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  test('the entitlement is invisible while the order is pending, then pending, then active', async () => {
    const slow = await testSandbox({ seed: false, delays: { orderCompleteMs: 300, entitlementActiveMs: 300 } });
    try {
      const c = slow.seedCustomer({ companyName: 'Slow', domain: 'slow.onmicrosoft.com', agreement: true });
      const t = await appToken(slow, PC);
      const base = slow.env.PARTNER_CENTER_ENDPOINT;
      const cart = await call(`${base}/v1/customers/${c.customerTenantId}/carts`, { method: 'POST', token: t, body: { LineItems: [{ CatalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6', Quantity: 1, BillingCycle: 'one_time' }] } });
      const checkout = await call(`${base}/v1/customers/${c.customerTenantId}/carts/${(cart.body as { id: string }).id}/checkout`, { method: 'POST', token: t });
      const subId = (checkout.body as { orders: Array<{ lineItems: Array<{ subscriptionId: string }> }> }).orders[0].lineItems[0].subscriptionId;
      const statuses = async () => {
        const got = await call(`${base}/v1/customers/${c.customerTenantId}/subscriptions/${subId}/azureEntitlements`, { token: t });
        return (got.body as { items: Array<{ status: string }> }).items.map((i) => i.status).join(',');
      };
      expect(await statuses()).toBe('');
      await eventually(async () => ((await statuses()) === 'pending' ? true : undefined));
      await eventually(async () => ((await statuses()) === 'active' ? true : undefined));
    } finally {
      await slow.close();
    }
  });

  test('an order can also be created directly, in the fixture shape', async () => {
    const c = sandbox.seedCustomer({ companyName: 'Direct', domain: 'direct.onmicrosoft.com', agreement: true });
    const body = { ReferenceCustomerId: c.customerTenantId, BillingCycle: 'one_time', LineItems: [{ LineItemNumber: 0, OfferId: 'DZH318Z0BPS6:0001:DZH318Z0BML6', Quantity: 1 }] };
    const created = await call(pc(`/v1/customers/${c.customerTenantId}/orders`), { method: 'POST', token, body });
    const fixture = httpFixture('partner-center/create-an-order.response.http');
    expect(created.status).toBe(fixture.status);
    expect(shapeDifferences(created.body, fixture.body)).toEqual([]);
    expect(created.body).toMatchObject({ status: 'pending', referenceCustomerId: c.customerTenantId });
    const second = await call(pc(`/v1/customers/${c.customerTenantId}/orders`), { method: 'POST', token, body });
    expect(second.status).toBe(400);
  });

  test('a customer with an Azure plan cannot buy a second: 201 with an order error', async () => {
    const c = sandbox.seedCustomer({ companyName: 'Has Plan', domain: 'hasplan.onmicrosoft.com', azurePlan: 'active' });
    const cart = await call(pc(`/v1/customers/${c.customerTenantId}/carts`), { method: 'POST', token, body: { lineItems: [{ id: 0, catalogItemId: 'DZH318Z0BPS6:0001:DZH318Z0BML6', quantity: 1, billingCycle: 'one_time' }] } });
    const before = sandbox.state.counts().ordersCreated;
    const checkout = await call(pc(`/v1/customers/${c.customerTenantId}/carts/${(cart.body as { id: string }).id}/checkout`), { method: 'POST', token });
    expect(checkout.status).toBe(201);
    expect(checkout.body).toMatchObject({ orders: [], orderErrors: [{ orderGroupId: '0', code: expect.any(Number), description: expect.any(String) }] });
    expect(sandbox.state.counts().ordersCreated).toBe(before);
  });
});
