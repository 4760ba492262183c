// Partner Center contract: every call of the PartnerCenter port against the simulated Partner
// Center over real HTTPS, with the official example shapes; the MS-RequestId kept across retries,
// Retry-After waited out, and a checkout that is never sent twice.
import { Writable } from 'stream';
import pino from 'pino';
import { v4 as uuidv4 } from 'uuid';
import { testConfig } from '../support/testConfig';
import { DomainError } from '../../src/onboarding/errors';
import type { Guid, NewCustomer } from '../../src/onboarding/model';
import { createCloud } from '../../src/services';
import { FAST_RETRY, ioTurn, requestsTo, until, useRetryClock, useTestCloud } from './harness';

const AZURE_PLAN_CATALOG_ITEM = 'DZH318Z0BPS6:0001:DZH318Z0BML6';
const CUSTOMERS = '/partnercenter/v1/customers';

const t = useTestCloud();

function newCustomer(prefix: string, overrides: Partial<NewCustomer> = {}): NewCustomer {
  return {
    kind: 'new',
    companyName: `${prefix} Ltd`,
    domain: `${prefix}.onmicrosoft.com`,
    address: { country: 'US', region: 'WA', city: 'Redmond', postalCode: '98052', addressLine1: 'One Microsoft Way' },
    contact: { firstName: 'Test', lastName: 'Test', email: `it@${prefix}.example`, phoneNumber: '4255550101' },
    culture: 'en-US',
    language: 'en',
    ...overrides,
  };
}

const unique = (name: string) => `${name}${uuidv4().slice(0, 8)}`;

/** A customer with the agreement confirmed and no Azure plan yet: ready to buy one. */
function readyToBuy(): Guid {
  const prefix = unique('buyer');
  return t.sandbox.seedCustomer({ companyName: prefix, domain: `${prefix}.onmicrosoft.com`, agreement: true }).customerTenantId as Guid;
}

describe('domains and customers', () => {
  it('tells a taken domain from a free one (HEAD 200 / 404)', async () => {
    await expect(t.cloud.partnerCenter.isDomainAvailable('contoso.onmicrosoft.com')).resolves.toBe(false);
    await expect(t.cloud.partnerCenter.isDomainAvailable(`${unique('free')}.onmicrosoft.com`)).resolves.toBe(true);
    const [head] = requestsTo(t.sandbox, 'HEAD', '/partnercenter/v1/domains/contoso.onmicrosoft.com');
    expect(head.headers).toMatchObject({ authorization: 'present', 'ms-requestid': expect.any(String), 'ms-correlationid': expect.any(String) });
  });

  it('finds a customer by exact domain, ignoring case, and not by a longer domain that starts the same', async () => {
    const prefix = unique('exact');
    const seeded = t.sandbox.seedCustomer({ companyName: 'Exact', domain: `${prefix}.onmicrosoft.com.example` });
    await expect(t.cloud.partnerCenter.findCustomerByDomain(`${prefix}.onmicrosoft.com`)).resolves.toBeUndefined();
    const found = await t.cloud.partnerCenter.findCustomerByDomain(`${prefix.toUpperCase()}.onmicrosoft.com.EXAMPLE`);
    expect(found).toEqual({ customerTenantId: seeded.customerTenantId, companyName: 'Exact', domain: `${prefix}.onmicrosoft.com.example` });
    const search = requestsTo(t.sandbox, 'GET', CUSTOMERS).at(-1)!;
    expect(JSON.parse(search.query.filter)).toEqual({ Field: 'Domain', Value: `${prefix}.onmicrosoft.com.example`, Operator: 'starts_with' });
  });

  it('searches customers by company name prefix', async () => {
    const found = await t.cloud.partnerCenter.searchCustomers({ field: 'CompanyName', prefix: 'Conto' });
    expect(found.map((c) => c.domain)).toContain('contoso.onmicrosoft.com');
  });

  it('lists every customer, page by page: links.next replayed with its MS-ContinuationToken, each customer once', async () => {
    const tag = unique('lister');
    for (let i = 0; i < 230; i++) t.sandbox.seedCustomer({ companyName: `${tag} ${i}`, domain: `${tag}n${i}.onmicrosoft.com` });
    const sent = requestsTo(t.sandbox, 'GET', CUSTOMERS).length;
    const listed = await t.cloud.partnerCenter.listCustomers();
    const all = Object.values(t.sandbox.state.customers);
    expect(listed).toHaveLength(all.length);
    expect(new Set(listed.map((c) => c.customerTenantId)).size).toBe(all.length);
    expect(listed.filter((c) => c.companyName.startsWith(tag))).toHaveLength(230);
    const pages = requestsTo(t.sandbox, 'GET', CUSTOMERS).slice(sent);
    expect(pages).toHaveLength(Math.ceil(all.length / 100));
    expect(pages[0].query).toEqual({ size: '100' });
    for (const next of pages.slice(1)) expect(next.query).toEqual({ size: '100', seekOperation: 'Next' });
    expect(pages.every((r) => r.status === 200)).toBe(true);
  });

  it('searches page by page up to the limit the caller gives, and asks for no page beyond it', async () => {
    const tag = unique('many');
    for (let i = 0; i < 130; i++) t.sandbox.seedCustomer({ companyName: `${tag} ${i}`, domain: `${tag}n${i}.onmicrosoft.com` });
    let sent = requestsTo(t.sandbox, 'GET', CUSTOMERS).length;
    const everything = await t.cloud.partnerCenter.searchCustomers({ field: 'CompanyName', prefix: tag }, { limit: 500 });
    expect(everything.map((c) => c.companyName)).toEqual(Array.from({ length: 130 }, (_, i) => `${tag} ${i}`));
    expect(requestsTo(t.sandbox, 'GET', CUSTOMERS).slice(sent)).toHaveLength(2);

    sent = requestsTo(t.sandbox, 'GET', CUSTOMERS).length;
    const few = await t.cloud.partnerCenter.searchCustomers({ field: 'Domain', prefix: tag }, { limit: 51 });
    expect(few).toHaveLength(51);
    const asked = requestsTo(t.sandbox, 'GET', CUSTOMERS).slice(sent);
    expect(asked.map((r) => r.query.size)).toEqual(['51']);

    // No limit: the first 100 (the page the search always read).
    await expect(t.cloud.partnerCenter.searchCustomers({ field: 'CompanyName', prefix: tag })).resolves.toHaveLength(100);
  });

  it('gets a customer by id, and answers undefined for an unknown one', async () => {
    const contoso = (await t.cloud.partnerCenter.findCustomerByDomain('contoso.onmicrosoft.com'))!;
    await expect(t.cloud.partnerCenter.getCustomer(contoso.customerTenantId)).resolves.toMatchObject({ companyName: 'Contoso' });
    await expect(t.cloud.partnerCenter.getCustomer(uuidv4() as Guid)).resolves.toBeUndefined();
  });
});

describe('create customer', () => {
  it('creates the customer with the caller’s MS-RequestId and returns the admin credentials once', async () => {
    const prefix = unique('created');
    const msRequestId = uuidv4();
    const before = t.sandbox.state.counts().customersCreated;
    const created = await t.cloud.partnerCenter.createCustomer(newCustomer(prefix), msRequestId);
    expect(created).toMatchObject({ companyName: `${prefix} Ltd`, domain: `${prefix}.onmicrosoft.com` });
    expect(created.adminCredentials).toEqual({ userName: expect.any(String), password: expect.any(String) });
    expect(requestsTo(t.sandbox, 'POST', CUSTOMERS).at(-1)!.headers['ms-requestid']).toBe(msRequestId);
    // After a crash the run calls again with the stored MS-RequestId: the same customer, not a second one.
    const again = await t.cloud.partnerCenter.createCustomer(newCustomer(prefix), msRequestId);
    expect(again.customerTenantId).toBe(created.customerTenantId);
    expect(t.sandbox.state.counts().customersCreated - before).toBe(1);
  });

  it('retries a 503 and a dropped answer with the same MS-RequestId and creates one customer', async () => {
    const before = t.sandbox.state.counts().customersCreated;
    t.sandbox.faults.add({ method: 'POST', path: CUSTOMERS, kind: 'status', status: 503 });
    t.sandbox.faults.add({ method: 'POST', path: CUSTOMERS, kind: 'drop', when: 'after' });
    const sent = requestsTo(t.sandbox, 'POST', CUSTOMERS).length;
    const created = await t.cloud.partnerCenter.createCustomer(newCustomer(unique('retried')), uuidv4());
    const attempts = requestsTo(t.sandbox, 'POST', CUSTOMERS).slice(sent);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((r) => r.headers['ms-requestid'])).size).toBe(1);
    expect(t.sandbox.state.customers[created.customerTenantId]).toBeDefined();
    expect(t.sandbox.state.counts().customersCreated - before).toBe(1);
  });

  it('waits out a 429 Retry-After, then retries with the same MS-RequestId', async () => {
    // Warm the token first: the wait under test is the throttling one.
    await t.cloud.partnerCenter.isDomainAvailable('contoso.onmicrosoft.com');
    useRetryClock();
    t.sandbox.faults.add({ method: 'POST', path: CUSTOMERS, kind: 'status', status: 429, retryAfterSeconds: 30 });
    const sent = requestsTo(t.sandbox, 'POST', CUSTOMERS).length;
    const creating = t.cloud.partnerCenter.createCustomer(newCustomer(unique('throttled')), uuidv4());
    const attempts = () => requestsTo(t.sandbox, 'POST', CUSTOMERS).slice(sent);
    await until(() => attempts()[0]?.status === 429, 'the throttled answer');
    await jest.advanceTimersByTimeAsync(29_000);
    expect(attempts()).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1_500);
    const created = await creating;
    expect(attempts()).toHaveLength(2);
    expect(attempts()[1].headers['ms-requestid']).toBe(attempts()[0].headers['ms-requestid']);
    expect(attempts()[1].headers['ms-correlationid']).toBe(attempts()[0].headers['ms-correlationid']);
    expect(created.customerTenantId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a 429 slows every Partner Center call down, not only the throttled one: no call goes out before its Retry-After (shared backoff)', async () => {
    await t.cloud.partnerCenter.isDomainAvailable('contoso.onmicrosoft.com');
    useRetryClock();
    t.sandbox.faults.add({ method: 'POST', path: CUSTOMERS, kind: 'status', status: 429, retryAfterSeconds: 30 });
    const domain = `${unique('other')}.onmicrosoft.com`;
    const heads = () => requestsTo(t.sandbox, 'HEAD', `/partnercenter/v1/domains/${domain}`);
    const creating = t.cloud.partnerCenter.createCustomer(newCustomer(unique('first')), uuidv4());
    const sent = requestsTo(t.sandbox, 'POST', CUSTOMERS).length;
    await until(() => requestsTo(t.sandbox, 'POST', CUSTOMERS).some((r) => r.status === 429), 'the throttled answer');
    // The answer reaches the client a few I/O turns after the simulator sent it.
    for (let turn = 0; turn < 50; turn++) await ioTurn();
    // Another run's call, made while the service asked everyone to wait: it waits too.
    const checking = t.cloud.partnerCenter.isDomainAvailable(domain);
    await jest.advanceTimersByTimeAsync(29_000);
    expect(heads()).toHaveLength(0);
    // Past the Retry-After, and no further: both calls are then on the wire.
    await jest.advanceTimersByTimeAsync(1_001);
    await expect(checking).resolves.toBe(true);
    await creating;
    expect(heads()).toHaveLength(1);
    expect(requestsTo(t.sandbox, 'POST', CUSTOMERS).length - sent).toBeLessThanOrEqual(2);
  });

  it('throttled beyond its retries: a transient error carrying the service’s Retry-After', async () => {
    await t.cloud.partnerCenter.isDomainAvailable('contoso.onmicrosoft.com');
    useRetryClock();
    const prefix = unique('busy');
    t.sandbox.faults.add({ method: 'GET', path: CUSTOMERS, kind: 'status', status: 429, retryAfterSeconds: 5, times: 10 });
    const sent = requestsTo(t.sandbox, 'GET', CUSTOMERS).length;
    const throttled = () => requestsTo(t.sandbox, 'GET', CUSTOMERS).slice(sent).filter((r) => r.status === 429).length;
    const finding = t.cloud.partnerCenter.findCustomerByDomain(`${prefix}.onmicrosoft.com`).catch((e: unknown) => e);
    // Advance the clock only between attempts, never while one is on the wire.
    for (let attempt = 1; attempt <= FAST_RETRY.maxRetries; attempt++) {
      await until(() => throttled() === attempt, `throttled attempt ${attempt}`);
      await jest.advanceTimersByTimeAsync(5_000);
    }
    const outcome = await finding;
    expect(outcome).toBeInstanceOf(DomainError);
    expect(outcome).toMatchObject({ statusCode: 429, transient: true, retryAfterMs: 5_000, message: "Partner Center is throttling the bot's requests." });
    expect(throttled()).toBe(FAST_RETRY.maxRetries + 1);
  });

  it('says which detail Partner Center needs (600049) and that a taken domain is taken', async () => {
    const hungary = newCustomer(unique('hu'), {
      address: { country: 'HU', city: 'Budapest', postalCode: '1051', addressLine1: 'Szabadság tér 7' },
    });
    const missingNumber = await t.cloud.partnerCenter.createCustomer(hungary, uuidv4()).catch((e: unknown) => e);
    expect(missingNumber).toBeInstanceOf(DomainError);
    expect(missingNumber).toMatchObject({ code: '600049', transient: false, message: expect.stringMatching(/organization registration number/) });
    const taken = await t.cloud.partnerCenter.createCustomer(newCustomer('contoso'), uuidv4()).catch((e: unknown) => e);
    expect(taken).toMatchObject({ code: 'DomainInUse', statusCode: 409, transient: false });
  });

  it('never logs the admin password or the client secret', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const logged = createCloud(testConfig({ ...t.sandbox.env, CLOUD: 'sandbox' }), { logger: pino({ level: 'trace' }, sink), retry: FAST_RETRY });
    const created = await logged.partnerCenter.createCustomer(newCustomer(unique('quiet')), uuidv4());
    await logged.partnerCenter.createCustomer(newCustomer('contoso'), uuidv4()).catch(() => undefined);
    const log = lines.join('');
    expect(log).toContain('createCustomer');
    expect(log).not.toContain(created.adminCredentials!.password);
    expect(log).not.toContain(t.sandbox.clientSecret);
  });
});

describe('customer agreement', () => {
  it('without a delegated credential: neither reads nor confirms (App+User only), says an operator must confirm, and calls nothing', async () => {
    const customer = t.sandbox.seedCustomer({ companyName: 'No MCA', domain: `${unique('nomca')}.onmicrosoft.com` }).customerTenantId as Guid;
    expect(t.cloud.partnerCenter.canConfirmCustomerAgreement).toBe(false);
    const sent = requestsTo(t.sandbox, 'GET', /agreements/).length + requestsTo(t.sandbox, 'POST', /agreements$/).length;
    await expect(t.cloud.partnerCenter.hasCustomerAgreement(customer)).rejects.toMatchObject({ code: 'CustomerAgreementNeedsOperator', transient: false });
    const error = await t.cloud.partnerCenter
      .confirmCustomerAgreement(customer, { acceptedBy: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com' }, dateAccepted: '2026-11-30' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CustomerAgreementNeedsOperator', transient: false, nextStep: expect.stringMatching(/operator must confirm/) });
    expect(requestsTo(t.sandbox, 'GET', /agreements/).length + requestsTo(t.sandbox, 'POST', /agreements$/).length).toBe(sent);
  });

  it('with the delegated refresh token: confirms once, and a second confirmation (600061) counts as done', async () => {
    const delegated = createCloud(
      testConfig({ ...t.sandbox.env, CLOUD: 'sandbox', PARTNER_CENTER_REFRESH_TOKEN: t.sandbox.delegatedRefreshToken }),
      { retry: FAST_RETRY },
    );
    const customer = t.sandbox.seedCustomer({ companyName: 'MCA', domain: `${unique('mca')}.onmicrosoft.com` }).customerTenantId as Guid;
    const contact = { acceptedBy: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com', phoneNumber: '1234567890' }, dateAccepted: '2026-11-30' };
    expect(delegated.partnerCenter.canConfirmCustomerAgreement).toBe(true);
    await delegated.partnerCenter.confirmCustomerAgreement(customer, contact);
    await expect(delegated.partnerCenter.hasCustomerAgreement(customer)).resolves.toBe(true);
    await expect(delegated.partnerCenter.confirmCustomerAgreement(customer, contact)).resolves.toBeUndefined();
    const stored = t.sandbox.state.agreements.filter((a) => a.customerTenantId === customer);
    expect(stored).toHaveLength(1);
    // Exactly the attested person and day, confirmed by the partner admin the delegated token stands for.
    expect(stored[0]).toMatchObject({ primaryContact: contact.acceptedBy, dateAgreed: '2026-11-30T00:00:00.000Z', userId: t.sandbox.users.partnerAdmin });
  });
});

describe('the Azure plan: cart, checkout, order, subscription, entitlement', () => {
  it("looks up the catalog item as offered to the customer (their own country) and buys the plan once", async () => {
    const customer = readyToBuy();
    const catalogItemId = await t.cloud.partnerCenter.azurePlanCatalogItemId(customer);
    expect(catalogItemId).toBe(AZURE_PLAN_CATALOG_ITEM);
    // Customer-scoped: no country in the question, Partner Center knows the customer's.
    expect(requestsTo(t.sandbox, 'GET', /availabilities$/).at(-1)!.path).toBe(`/partnercenter/v1/customers/${customer}/products/DZH318Z0BPS6/skus/0001/availabilities`);
    const { cartId } = await t.cloud.partnerCenter.createCart(customer, catalogItemId);
    const order = await t.cloud.partnerCenter.checkoutCart(customer, cartId);
    expect(order).toMatchObject({ status: 'pending', subscriptionIds: [expect.any(String)] });

    await until(() => t.sandbox.state.orders[order.id]?.status === 'completed', 'the order to complete');
    await expect(t.cloud.partnerCenter.getOrder(customer, order.id)).resolves.toMatchObject({ id: order.id, status: 'completed' });
    await expect(t.cloud.partnerCenter.listOrders(customer)).resolves.toEqual([expect.objectContaining({ id: order.id })]);
    const [plan] = await t.cloud.partnerCenter.listSubscriptions(customer);
    expect(plan).toMatchObject({ id: order.subscriptionIds[0], isAzurePlan: true, orderId: order.id });
    const [entitlement] = await t.cloud.partnerCenter.listAzureEntitlements(customer, plan.id);
    const expected = Object.values(t.sandbox.state.entitlements).find((e) => e.pcSubscriptionId === plan.id)!;
    expect(entitlement.azureSubscriptionId).toBe(expected.id);
  });

  it("a customer outside the US gets their own country's catalog item; another country's item is refused on the cart", async () => {
    const prefix = unique('berlin');
    const customer = t.sandbox.seedCustomer({ companyName: prefix, domain: `${prefix}.onmicrosoft.com`, agreement: true, country: 'DE' }).customerTenantId as Guid;
    const catalogItemId = await t.cloud.partnerCenter.azurePlanCatalogItemId(customer);
    expect(catalogItemId).toMatch(/^DZH318Z0BPS6:0001:/);
    expect(catalogItemId).not.toBe(AZURE_PLAN_CATALOG_ITEM);
    // The US item (what a fixed 'US' used to buy) is not available in Germany: Partner Center refuses the line.
    await expect(t.cloud.partnerCenter.createCart(customer, AZURE_PLAN_CATALOG_ITEM)).rejects.toMatchObject({ code: '800002' });
    expect(Object.values(t.sandbox.state.carts).filter((c) => c.customerTenantId === customer)).toEqual([]);
    const { cartId } = await t.cloud.partnerCenter.createCart(customer, catalogItemId);
    const order = await t.cloud.partnerCenter.checkoutCart(customer, cartId);
    expect(t.sandbox.state.orders[order.id].lineItems.map((l) => l.offerId)).toEqual([catalogItemId]);
  });

  it('reads a cart: Active until checked out, then Ordered; undefined for an unknown cart', async () => {
    const customer = readyToBuy();
    const { cartId } = await t.cloud.partnerCenter.createCart(customer, AZURE_PLAN_CATALOG_ITEM);
    await expect(t.cloud.partnerCenter.getCart(customer, cartId)).resolves.toEqual({ id: cartId, status: 'Active' });
    await t.cloud.partnerCenter.checkoutCart(customer, cartId);
    await expect(t.cloud.partnerCenter.getCart(customer, cartId)).resolves.toEqual({ id: cartId, status: 'Ordered' });
    await expect(t.cloud.partnerCenter.getCart(customer, uuidv4())).resolves.toBeUndefined();
  });

  it('answers undefined for an unknown order', async () => {
    await expect(t.cloud.partnerCenter.getOrder(readyToBuy(), 'no-such-order')).resolves.toBeUndefined();
  });

  it('turns an order error in a 201 checkout into a DomainError (a second Azure plan)', async () => {
    const owner = t.sandbox.seedCustomer({ companyName: 'Has plan', domain: `${unique('hasplan')}.onmicrosoft.com`, azurePlan: 'active' });
    const { cartId } = await t.cloud.partnerCenter.createCart(owner.customerTenantId as Guid, AZURE_PLAN_CATALOG_ITEM);
    const error = await t.cloud.partnerCenter.checkoutCart(owner.customerTenantId as Guid, cartId).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '800002', message: expect.stringMatching(/invalid input/) });
  });

  it('says the customer agreement is missing (13605)', async () => {
    const customer = t.sandbox.seedCustomer({ companyName: 'No MCA', domain: `${unique('nomca')}.onmicrosoft.com` }).customerTenantId as Guid;
    const { cartId } = await t.cloud.partnerCenter.createCart(customer, AZURE_PLAN_CATALOG_ITEM);
    const error = await t.cloud.partnerCenter.checkoutCart(customer, cartId).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '13605', statusCode: 403, message: expect.stringMatching(/Microsoft Customer Agreement/) });
  });

  it.each([
    ['timed out', { kind: 'timeout' as const, when: 'after' as const }],
    ['dropped', { kind: 'drop' as const, when: 'after' as const }],
    ['failed with 502 after processing', { kind: 'status' as const, status: 502 as const, when: 'after' as const }],
  ])('a checkout that %s is not re-posted: the order it made is found', async (_what, fault) => {
    const customer = readyToBuy();
    const { cartId } = await t.cloud.partnerCenter.createCart(customer, AZURE_PLAN_CATALOG_ITEM);
    const checkoutPath = `${CUSTOMERS}/${customer}/carts/${cartId}/checkout`;
    t.sandbox.faults.add({ method: 'POST', path: checkoutPath, ...fault });
    const order = await t.cloud.partnerCenter.checkoutCart(customer, cartId);
    expect(requestsTo(t.sandbox, 'POST', checkoutPath)).toHaveLength(1);
    const made = Object.values(t.sandbox.state.orders).filter((o) => o.customerTenantId === customer);
    expect(made).toHaveLength(1);
    expect(order.id).toBe(made[0].id);
  });

  it('a checkout that failed before Partner Center processed it is not re-posted either: look again later', async () => {
    const customer = readyToBuy();
    const { cartId } = await t.cloud.partnerCenter.createCart(customer, AZURE_PLAN_CATALOG_ITEM);
    const checkoutPath = `${CUSTOMERS}/${customer}/carts/${cartId}/checkout`;
    t.sandbox.faults.add({ method: 'POST', path: checkoutPath, kind: 'status', status: 503 });
    const error = await t.cloud.partnerCenter.checkoutCart(customer, cartId).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CheckoutOutcomeUnknown', transient: true });
    expect(requestsTo(t.sandbox, 'POST', checkoutPath)).toHaveLength(1);
    expect(t.sandbox.state.counts().checkouts).toBeGreaterThan(0);
  });

  it('a throttled checkout (not processed) is retried with the same MS-RequestId', async () => {
    const customer = readyToBuy();
    const { cartId } = await t.cloud.partnerCenter.createCart(customer, AZURE_PLAN_CATALOG_ITEM);
    const checkoutPath = `${CUSTOMERS}/${customer}/carts/${cartId}/checkout`;
    t.sandbox.faults.add({ method: 'POST', path: checkoutPath, kind: 'status', status: 429, retryAfterSeconds: 0 });
    const order = await t.cloud.partnerCenter.checkoutCart(customer, cartId);
    const attempts = requestsTo(t.sandbox, 'POST', checkoutPath);
    expect(attempts.map((r) => r.status)).toEqual([429, 201]);
    expect(attempts[1].headers['ms-requestid']).toBe(attempts[0].headers['ms-requestid']);
    expect(order.status).toBe('pending');
  });

  it('a cart checked out before (800065, e.g. by a run that crashed) yields the order already made', async () => {
    const customer = readyToBuy();
    const { cartId } = await t.cloud.partnerCenter.createCart(customer, AZURE_PLAN_CATALOG_ITEM);
    const first = await t.cloud.partnerCenter.checkoutCart(customer, cartId);
    const again = await t.cloud.partnerCenter.checkoutCart(customer, cartId);
    expect(again.id).toBe(first.id);
    expect(Object.values(t.sandbox.state.orders).filter((o) => o.customerTenantId === customer)).toHaveLength(1);
  });
});

describe('timeouts and sign-in', () => {
  it('reports a call that got no answer in time as a transient timeout', async () => {
    const customer = readyToBuy();
    const path = `${CUSTOMERS}/${customer}`;
    t.sandbox.faults.add({ method: 'GET', path, kind: 'timeout' });
    const error = await t.cloud.partnerCenter.getCustomer(customer).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'timeout', transient: true, message: 'Partner Center did not answer in time.', requestId: expect.any(String) });
    // The pipeline does not resend a timed-out request: the run decides, with the same MS-RequestId.
    expect(requestsTo(t.sandbox, 'GET', path)).toHaveLength(1);
  });

  it('a refused delegated refresh token says how to renew it, without quoting it', async () => {
    const refused = 'sandbox-rt.revoked-and-secret';
    const delegated = createCloud(testConfig({ ...t.sandbox.env, CLOUD: 'sandbox', PARTNER_CENTER_REFRESH_TOKEN: refused }), { retry: FAST_RETRY });
    const customer = readyToBuy();
    // The check too: no app-only fallback, which the real service refuses.
    await expect(delegated.partnerCenter.hasCustomerAgreement(customer)).rejects.toMatchObject({ code: 'DelegatedSignInFailed' });
    const error = (await delegated.partnerCenter
      .confirmCustomerAgreement(customer, { acceptedBy: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com' }, dateAccepted: '2026-11-30' })
      .catch((e: unknown) => e)) as DomainError;
    expect(error).toMatchObject({ code: 'DelegatedSignInFailed', transient: false, message: 'The delegated Partner Center sign-in has expired or was revoked.' });
    expect(error.nextStep).toMatch(/PARTNER_CENTER_REFRESH_TOKEN/);
    expect(JSON.stringify(error.toInfo()) + error.message).not.toContain(refused);
  });
});

describe('the audit trail', () => {
  it('reports each call with the MS-RequestId and MS-CorrelationId Partner Center received', async () => {
    const from = t.calls.length;
    await t.cloud.partnerCenter.isDomainAvailable('fabrikam.onmicrosoft.com');
    const [call] = t.calls.slice(from);
    const [request] = requestsTo(t.sandbox, 'HEAD', '/partnercenter/v1/domains/fabrikam.onmicrosoft.com');
    expect(call).toEqual({
      operation: 'isDomainAvailable',
      requestId: request.headers['ms-requestid'],
      correlationId: request.headers['ms-correlationid'],
      statusCode: 200,
    });
  });
});
