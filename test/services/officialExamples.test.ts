// The clients read the official example payloads (test/fixtures/specs) byte for byte: a small HTTPS
// replay server answers each call with the documented response, quirks included (the PUT example's
// empty id, the registration example's wrong name, camelCase Partner Center bodies, numeric error
// codes). Tokens come from a stub credential, as suggested for fakes in
// docs/reference/identity-and-clouds.md §ID-4.
import type { TokenCredential } from '@azure/core-auth';
import * as fs from 'fs';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as path from 'path';
import type { CallRecord } from '../../src/onboarding/ports';
import { parseRegistrationId, type Guid } from '../../src/onboarding/model';
import { ensureSandboxCa } from '../../src/sandbox';
import { issueServerCertificate } from '../../src/sandbox/ca';
import { GraphDirectoryClient } from '../../src/services/graphClient';
import { PartnerCenterClient } from '../../src/services/partnerCenterClient';
import { RegistrationClient } from '../../src/services/registrationClient';
import { OWNER_ROLE_DEFINITION_GUID, RoleAssignmentClient, roleAssignmentName } from '../../src/services/roleAssignmentClient';
import { StampClient } from '../../src/services/stampClient';

/** Copies of the official examples (see test/fixtures/README.md). */
const SPECS = path.join(__dirname, '..', 'fixtures', 'specs');
const read = (file: string) => fs.readFileSync(path.join(SPECS, file), 'utf8');
/** The JSON body of a docs transcript (`*.http`): from the first `{`, with the docs' `{...}` elisions emptied. */
const httpBody = (file: string) => {
  const text = read(file);
  return JSON.parse(text.slice(text.indexOf('{')).replace(/\{\.\.\.\}/g, '{}').replace(/,\s*\.\.\.(?=\s*[}\]])/g, ''));
};
const example = (file: string, status: string) => JSON.parse(read(file)).responses[status].body ?? {};

interface Replay {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const tokenRequests: Array<{ scopes: string[]; tenantId?: string }> = [];
const stubCredential: TokenCredential = {
  getToken: async (scopes, options) => {
    tokenRequests.push({ scopes: [scopes].flat(), tenantId: options?.tenantId });
    return { token: 'stub-token', expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};
const REGISTRATION = '/subscriptions/dd8597b4-8739-4467-8b10-f8679f62bfbf/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/testregistration';
const CUSTOMER = 'dfd8cc0a-c592-468c-8461-869a38d24738' as Guid;

let server: https.Server;
let origin: string;
const routes = new Map<string, Replay>();
const seen: Array<{ method: string; url: string; authorization?: string; body: string }> = [];
const calls: CallRecord[] = [];

beforeAll(async () => {
  const ca = ensureSandboxCa(path.resolve('.sandbox'));
  const certificate = issueServerCertificate(ca);
  server = https.createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://replay');
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body: Buffer.concat(chunks).toString('utf8') });
      const replay = routes.get(`${req.method} ${url.pathname}`) ?? { status: 404, body: { error: { code: 'NotFound', message: 'no replay' } } };
      const payload = replay.body === undefined ? '' : JSON.stringify(replay.body);
      res.writeHead(replay.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...replay.headers });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  routes.clear();
  seen.length = 0;
  calls.length = 0;
});

const common = { credential: stubCredential, retry: { maxRetries: 0 }, timeoutInMs: 5_000, report: (c: CallRecord) => calls.push(c) };
const partnerCenter = () => new PartnerCenterClient({ ...common, endpoint: `${origin}/pc` });
const registrations = () =>
  new RegistrationClient({ ...common, endpoint: `${origin}/arm`, allowed: [parseRegistrationId(REGISTRATION)], portalLink: (id) => id });

describe('Partner Center examples', () => {
  it('create a customer (201) → the customer id, domain and the admin credentials', async () => {
    routes.set('POST /pc/v1/customers', { status: 201, body: httpBody('partner-center/create-a-customer.response.http') });
    const created = await partnerCenter().createCustomer(
      {
        kind: 'new',
        companyName: 'test company',
        domain: 'xyz.ccsctp.net',
        address: { country: 'US', region: 'WA', city: 'Redmond', postalCode: '98052', addressLine1: 'One Microsoft Way' },
        contact: { firstName: 'Test', lastName: 'Test', email: 'test@outlook.com' },
        culture: 'en-US',
        language: 'en',
      },
      '94e4e214-6b06-4fb7-96d1-94d559f9b47f',
    );
    expect(created).toEqual({
      customerTenantId: CUSTOMER,
      companyName: 'test company',
      domain: 'xyz.ccsctp.net',
      adminCredentials: { userName: 'admin', password: '=;;n.=s9Z' },
    });
    expect(seen[0].authorization).toBe('Bearer stub-token');
  });

  it('customers by name → summaries, and the exact domain among starts_with matches', async () => {
    routes.set('GET /pc/v1/customers', { status: 200, body: httpBody('partner-center/get-a-customer-by-name.response.http') });
    const found = await partnerCenter().searchCustomers({ field: 'CompanyName', prefix: 'Cont' });
    expect(found).toHaveLength(3);
    expect(found[0]).toEqual({ customerTenantId: 'c5757d70-06f3-4f23-8367-5a9e55019f94', companyName: 'Contoso190', domain: 'contoso190.onmicrosoft.com' });
    await expect(partnerCenter().findCustomerByDomain('contosocorpco.onmicrosoft.com')).resolves.toMatchObject({ companyName: 'Contoso' });
    await expect(partnerCenter().findCustomerByDomain('contoso.onmicrosoft.com')).resolves.toBeUndefined();
  });

  it('order by id, all subscriptions, Azure entitlements', async () => {
    routes.set(`GET /pc/v1/customers/${CUSTOMER}/orders/YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1`, { status: 200, body: httpBody('partner-center/get-an-order-by-id.response.http') });
    routes.set(`GET /pc/v1/customers/${CUSTOMER}/subscriptions`, { status: 200, body: httpBody('partner-center/get-all-of-a-customer-s-subscriptions.response.http') });
    routes.set(`GET /pc/v1/customers/${CUSTOMER}/subscriptions/3f15978e-005c-b763-bb78-2a8fab289c58/azureEntitlements`, {
      status: 200,
      body: httpBody('partner-center/get-a-list-of-azure-entitlements-for-subscription.response.http'),
    });
    const client = partnerCenter();
    await expect(client.getOrder(CUSTOMER, 'YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1')).resolves.toEqual({ id: 'YxH1q4KScfvfkJQjgRI8QY1DznnUWZTH1', status: 'completed', subscriptionIds: [], isAzurePlan: false });
    await expect(client.listSubscriptions(CUSTOMER)).resolves.toEqual([
      { id: '83ef9d05-4169-4ef9-9657-0e86b1eab1de', offerId: '', friendlyName: 'nickname', status: 'active', orderId: '6183db3d-6318-4e52-877e-25806e4971be', isAzurePlan: false },
    ]);
    await expect(client.listAzureEntitlements(CUSTOMER, '3f15978e-005c-b763-bb78-2a8fab289c58')).resolves.toEqual([
      { azureSubscriptionId: '899ae6f1-8a74-4d5e-b6c6-e6b5019bbff8', friendlyName: 'Microsoft Azure', status: 'active' },
    ]);
  });

  it('cart (201) and checkout (201, several orders) → the cart id and the first order', async () => {
    routes.set(`POST /pc/v1/customers/${CUSTOMER}/carts`, { status: 201, body: httpBody('partner-center/create-a-cart.response.http') });
    routes.set(`POST /pc/v1/customers/${CUSTOMER}/carts/3655b1a0-b1c9-4268-9824-577fdbc4d0be/checkout`, { status: 201, body: httpBody('partner-center/checkout-a-cart.response.http') });
    const client = partnerCenter();
    const { cartId } = await client.createCart(CUSTOMER, 'DZH318Z0BPS6:0001:DZH318Z0BML6');
    expect(cartId).toBe('3655b1a0-b1c9-4268-9824-577fdbc4d0be');
    await expect(client.checkoutCart(CUSTOMER, cartId)).resolves.toEqual({
      id: '3c6f2530-1e31-4088-8230-dd1c31a18bce',
      status: 'completed',
      subscriptionIds: ['EF2E1307-86E6-40E3-A794-872403FBD31C'],
      // The example's first order is a legacy Azure offer (MS-AZR-0145P), not the Azure plan.
      isAzurePlan: false,
    });
  });

  it('customer agreement: the template from the metadata; the attested person and date sent as the example; 201, and the 600061 example counts as done', async () => {
    routes.set('GET /pc/v1/agreements', { status: 200, body: httpBody('partner-center/get-customer-agreement-metadata.response.http') });
    routes.set(`POST /pc/v1/customers/${CUSTOMER}/agreements`, { status: 201, body: httpBody('partner-center/confirm-customer-consent-customer-agreement.response.http') });
    const client = new PartnerCenterClient({ ...common, endpoint: `${origin}/pc`, delegatedCredential: stubCredential });
    const contact = { acceptedBy: { firstName: 'Tania', lastName: 'Carr', email: 'someone@example.com', phoneNumber: '1234567890' }, dateAccepted: '2018-06-14' };
    await client.confirmCustomerAgreement(CUSTOMER, contact);
    // The body is the docs' request, key for key: the customer's person and the day they accepted, not "now".
    expect(JSON.parse(seen.find((r) => r.method === 'POST')!.body)).toEqual(httpBody('partner-center/confirm-customer-consent-customer-agreement.request.http'));
    routes.set(`POST /pc/v1/customers/${CUSTOMER}/agreements`, { status: 400, body: JSON.parse(read('partner-center/confirm-customer-consent-customer-agreement.error-600061.json')) });
    await expect(client.confirmCustomerAgreement(CUSTOMER, contact)).resolves.toBeUndefined();
    expect(seen.filter((r) => r.method === 'POST').map((r) => r.url)).toEqual([`/pc/v1/customers/${CUSTOMER}/agreements`, `/pc/v1/customers/${CUSTOMER}/agreements`]);
  });

  it('the 429 example: a transient error with its Retry-After (57 s)', async () => {
    const text = read('partner-center/api-throttling-guidance.response-429.http');
    routes.set(`GET /pc/v1/customers/${CUSTOMER}`, { status: 429, body: httpBody('partner-center/api-throttling-guidance.response-429.http'), headers: { 'retry-after': /Retry-After: (\d+)/.exec(text)![1] } });
    await expect(partnerCenter().getCustomer(CUSTOMER)).rejects.toMatchObject({ statusCode: 429, transient: true, retryAfterMs: 57_000 });
  });

  it("validate an address: the body uses the swagger's Address names; the docs' answer and the pre-2021 400 answer are both read (PC-11)", async () => {
    const address = { country: 'US', region: 'WA', city: 'Redmond', postalCode: '98052', addressLine1: 'Microsoft Way' };
    // The docs page's example answer (docs/reference/partner-center.md §PC-11).
    routes.set('POST /pc/v1/validations/address', {
      status: 200,
      body: {
        originalAddress: { country: 'US', city: 'Redmond', state: 'WA', addressLine1: 'Microsoft Way', postalCode: '98052' },
        suggestedAddresses: [{ country: 'US', city: 'Redmond', state: 'WA', addressLine1: '1 Microsoft Way', postalCode: '98052-6399' }],
        status: 'StreetPartial',
        validationMessage: "Address field invalid for property: 'Region', 'PostalCode', 'City'",
      },
    });
    await expect(partnerCenter().validateAddress(address)).resolves.toEqual({
      status: 'StreetPartial',
      suggestions: [{ country: 'US', region: 'WA', city: 'Redmond', postalCode: '98052-6399', addressLine1: '1 Microsoft Way' }],
      message: "Address field invalid for property: 'Region', 'PostalCode', 'City'",
    });
    const swagger = JSON.parse(read('partner-center/CustomerService.swagger.json')) as { definitions: Record<string, { properties: Record<string, unknown> }> };
    const sent = JSON.parse(seen[0].body) as Record<string, string>;
    expect(Object.keys(sent).filter((k) => !(k in swagger.definitions['Microsoft.Partner.Service.Customers.Contracts.V1.Address'].properties))).toEqual([]);
    expect(sent).toEqual({ addressLine1: 'Microsoft Way', city: 'Redmond', state: 'WA', postalCode: '98052', country: 'US' });

    // Before June 2021: 200 with no body when valid, 400 2007 with the correction inside the description when not.
    routes.set('POST /pc/v1/validations/address', { status: 200 });
    await expect(partnerCenter().validateAddress(address)).resolves.toEqual({ status: 'Verified', suggestions: [] });
    routes.set('POST /pc/v1/validations/address', {
      status: 400,
      body: { code: 2007, description: JSON.stringify({ code: '60071', reason: 'ZipCityInvalid', corrected_address: { country: 'US', addressLine1: '1 Microsoft Way', postalCode: '98052-6399', city: 'Redmond', state: 'WA' } }), data: [], source: 'PartnerFD' },
    });
    await expect(partnerCenter().validateAddress(address)).resolves.toMatchObject({ status: 'InteractionRequired', suggestions: [{ addressLine1: '1 Microsoft Way', postalCode: '98052-6399' }], message: 'ZipCityInvalid' });
    routes.set('POST /pc/v1/validations/address', { status: 400, body: { code: 2007, description: 'not json', data: [], source: 'PartnerFD' } });
    await expect(partnerCenter().validateAddress(address)).resolves.toEqual({ status: 'None', suggestions: [], message: undefined });
    // Any other 400 is a failure, not a verdict.
    routes.set('POST /pc/v1/validations/address', { status: 400, body: { code: 800002, description: 'bad input' } });
    await expect(partnerCenter().validateAddress(address)).rejects.toMatchObject({ code: '800002' });
  });

  it("the customer's availabilities page shows a SKU, not a collection: the country comes from the customer's billing profile, and no catalog item is made up", async () => {
    const sku = httpBody('partner-center/get-a-list-of-availabilities-for-a-sku-by-customer.response.http');
    routes.set(`GET /pc/v1/customers/${CUSTOMER}/products/DZH318Z0BPS6/skus/0001/availabilities`, { status: 200, body: sku });
    routes.set(`GET /pc/v1/customers/${CUSTOMER}`, { status: 200, body: httpBody('partner-center/create-a-customer.response.http') });
    routes.set('GET /pc/v1/products/DZH318Z0BPS6/skus/0001/availabilities', { status: 200, body: sku });
    await expect(partnerCenter().azurePlanCatalogItemId(CUSTOMER)).rejects.toMatchObject({ code: 'AzurePlanNotAvailable' });
    // The example customer's billing address is in the US: that country is asked, no other.
    expect(seen.map((r) => r.url)).toEqual([
      `/pc/v1/customers/${CUSTOMER}/products/DZH318Z0BPS6/skus/0001/availabilities`,
      `/pc/v1/customers/${CUSTOMER}`,
      '/pc/v1/products/DZH318Z0BPS6/skus/0001/availabilities?country=US',
    ]);
  });
});

describe('Azure Stack examples (2017-06-01)', () => {
  const ref = parseRegistrationId(REGISTRATION);
  const mappingPath = `/arm${REGISTRATION}/customerSubscriptions/e09a4e93-29a7-4eba-a6d4-76202383f07f`;

  it('registration Get → billing model (the example’s wrong name is ignored)', async () => {
    routes.set(`GET /arm${REGISTRATION}`, { status: 200, body: example('azurestack/2017-06-01/examples/Registration/Get.json', '200') });
    await expect(registrations().getRegistration(ref)).resolves.toEqual({ ref, billingModel: 'Development', location: 'global' });
    expect(seen[0].url).toBe(`/arm${REGISTRATION}?api-version=2017-06-01`);
  });

  it('registration List → the configured one', async () => {
    routes.set('GET /arm/subscriptions/dd8597b4-8739-4467-8b10-f8679f62bfbf/providers/Microsoft.AzureStack/registrations', {
      status: 200,
      body: example('azurestack/2017-06-01/examples/Registration/List.json', '200'),
    });
    await expect(registrations().listRegistrations()).resolves.toEqual([{ ref, billingModel: 'Development', location: 'global' }]);
  });

  it('customerSubscriptions List and Get → mappings with lower-case subscription ids', async () => {
    routes.set(`GET /arm${REGISTRATION}/customerSubscriptions`, { status: 200, body: example('azurestack/2017-06-01/examples/CustomerSubscription/List.json', '200') });
    const expected = {
      registration: ref,
      azureSubscriptionId: 'e09a4e93-29a7-4eba-a6d4-76202383f07f',
      customerTenantId: 'dbab3982-796f-4d03-9908-044c08aef8a2',
      resourceId: `${REGISTRATION}/customerSubscriptions/e09a4e93-29a7-4eba-a6d4-76202383f07f`,
    };
    await expect(registrations().listMappings(ref)).resolves.toEqual([expected]);
    routes.set(`GET ${mappingPath}`, { status: 200, body: example('azurestack/2017-06-01/examples/CustomerSubscription/Get.json', '200') });
    await expect(registrations().getMapping(ref, 'E09A4E93-29A7-4EBA-A6D4-76202383F07F' as Guid)).resolves.toEqual(expected);
  });

  it('customerSubscriptions Put (200, empty id and name in the example) and Delete (200)', async () => {
    routes.set(`GET /arm${REGISTRATION}`, { status: 200, body: example('azurestack/2017-06-01/examples/Registration/Get.json', '200') });
    routes.set(`GET /arm${REGISTRATION}/customerSubscriptions`, { status: 200 });
    routes.set(`PUT ${mappingPath}`, { status: 200, body: example('azurestack/2017-06-01/examples/CustomerSubscription/Put.json', '200') });
    const mapping = await registrations().putMapping(ref, 'e09a4e93-29a7-4eba-a6d4-76202383f07f' as Guid, 'dbab3982-796f-4d03-9908-044c08aef8a2' as Guid);
    expect(mapping.resourceId).toBe(`${REGISTRATION}/customerSubscriptions/e09a4e93-29a7-4eba-a6d4-76202383f07f`);
    routes.set(`GET ${mappingPath}`, { status: 200, body: example('azurestack/2017-06-01/examples/CustomerSubscription/Get.json', '200') });
    routes.set(`DELETE ${mappingPath}`, { status: 200 });
    await expect(registrations().deleteMapping(ref, mapping.azureSubscriptionId)).resolves.toBe('deleted');
  });
});

describe('role assignment and Graph examples', () => {
  it('RoleAssignments_CreateForSubscription (201) → the assignment id, created', async () => {
    const body = example('authorization/2022-04-01/examples/RoleAssignments_CreateForSubscription.json', '201');
    const client = new RoleAssignmentClient({ ...common, endpoint: `${origin}/arm`, apiVersion: '2022-04-01' });
    // The assignment name is ours (deterministic): the example answers the PUT under it.
    const name = roleAssignmentName('/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2', 'ce2ce14e-85d7-4629-bdbc-454d0519d987', OWNER_ROLE_DEFINITION_GUID);
    routes.set(`PUT /arm/subscriptions/a925f2f7-5c63-4b7b-8799-25a5f97bc3b2/providers/Microsoft.Authorization/roleAssignments/${name}`, { status: 201, body });
    await expect(
      client.ensureOwner('11111111-2222-4333-8444-555555555555' as Guid, 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2' as Guid, 'ce2ce14e-85d7-4629-bdbc-454d0519d987' as Guid),
    ).resolves.toEqual({ roleAssignmentId: body.id, created: true });
  });

  it('invitation-post (201) → the guest object id and the redeem URL; a non-Graph host gets the token', async () => {
    const text = read('graph/invitation-post.response.http');
    routes.set('POST /graph/v1.0/invitations', { status: 201, body: JSON.parse(text.slice(text.indexOf('{'))) });
    const directory = new GraphDirectoryClient({ ...common, endpoint: `${origin}/graph` });
    const invited = await directory.inviteGuest('69997834-fa40-45da-8888-382c3bdc66c3' as Guid, { email: 'admin@fabrikam.com', displayName: 'Admin', redirectUrl: 'https://myapp.contoso.com' });
    expect(invited).toEqual({ objectId: 'cbb896f9-8306-49d0-b56b-b8e39cd28825', redeemUrl: expect.stringMatching(/^https:\/\/login\.microsoftonline\.com\/redeem\?rd=/) });
    expect(seen[0].authorization).toBe('Bearer stub-token');
  });

  it('asks for tokens of the endpoint in use, and of the customer’s tenant for Graph and role assignments', async () => {
    tokenRequests.length = 0;
    routes.set('HEAD /pc/v1/domains/contoso.onmicrosoft.com', { status: 404 });
    routes.set(`GET /arm${REGISTRATION}`, { status: 200, body: example('azurestack/2017-06-01/examples/Registration/Get.json', '200') });
    routes.set('GET /graph/v1.0/users', { status: 200, body: { value: [] } });
    await partnerCenter().isDomainAvailable('contoso.onmicrosoft.com');
    await registrations().getRegistration(parseRegistrationId(REGISTRATION));
    await new GraphDirectoryClient({ ...common, endpoint: `${origin}/graph` }).findUserByMail(CUSTOMER, 'a@b.example');
    await new RoleAssignmentClient({ ...common, endpoint: `${origin}/stamp`, apiVersion: '2015-07-01' })
      .ensureOwner(CUSTOMER, 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2' as Guid, 'ce2ce14e-85d7-4629-bdbc-454d0519d987' as Guid)
      .catch(() => undefined);
    expect(tokenRequests).toEqual([
      { scopes: [`${origin}/pc/.default`], tenantId: undefined },
      { scopes: [`${origin}/arm/.default`], tenantId: undefined },
      { scopes: [`${origin}/graph/.default`], tenantId: CUSTOMER },
      { scopes: [`${origin}/stamp/.default`], tenantId: CUSTOMER },
    ]);
  });

  it('the Graph error example → a DomainError with its code', async () => {
    routes.set('POST /graph/v1.0/invitations', { status: 416, body: JSON.parse(read('graph/error-response.example.json')) });
    const directory = new GraphDirectoryClient({ ...common, endpoint: `${origin}/graph` });
    await expect(directory.inviteGuest(CUSTOMER, { email: 'a@b.example', displayName: 'A', redirectUrl: 'https://x.example' })).rejects.toMatchObject({ code: 'invalidRange', statusCode: 416 });
  });
});

describe('Azure Stack Hub operator examples (azurestack-admin)', () => {
  const PROVIDER = '20ff7fc3-e762-44dd-bd96-b71116dcdc23';
  const SUBS = `/adminmanagement/subscriptions/${PROVIDER}/providers/Microsoft.Subscriptions.Admin`;
  const DIRS = `/adminmanagement/subscriptions/${PROVIDER}/resourcegroups/system.local/providers/Microsoft.Subscriptions.Admin/directoryTenants`;
  /** The docs' development-kit metadata (AZ-1), verbatim; the operator's subscriptions and locations have no example. */
  const METADATA = JSON.parse(
    '{"galleryEndpoint":"https://adminportal.local.azurestack.external:30015/","graphEndpoint":"https://graph.windows.net/","portalEndpoint":"https://adminportal.local.azurestack.external/","authentication":{"loginEndpoint":"https://login.windows.net/","audiences":["https://contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155"]}}',
  );
  const stamp = () => {
    routes.set('GET /adminmanagement/metadata/endpoints', { status: 200, body: METADATA });
    routes.set('GET /management/metadata/endpoints', { status: 200, body: METADATA });
    routes.set('GET /adminmanagement/subscriptions', { status: 200, body: { value: [{ subscriptionId: PROVIDER, displayName: 'Default Provider Subscription' }] } });
    routes.set(`GET /adminmanagement/subscriptions/${PROVIDER}/locations`, { status: 200, body: { value: [{ name: 'local' }] } });
    return new StampClient({
      ...common,
      stamps: [{ registration: 'testregistration', endpoint: `${origin}/adminmanagement` }],
      cspAccount: 'azs@csp.example.com',
      credentialFor: () => stubCredential,
      simulated: false,
    });
  };

  it('metadata (the docs’ example) → the audience as token scope; the user portal not the admin portal (AZ-1 conflict)', async () => {
    tokenRequests.length = 0;
    const info = await stamp().describe('testregistration');
    expect(info).toMatchObject({ audience: 'https://contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155', loginEndpoint: 'https://login.windows.net/', region: 'local', userPortal: 'https://portal.local.azurestack.external/', providerSubscriptionId: PROVIDER });
    expect(tokenRequests[0].scopes).toEqual(['https://contoso.onmicrosoft.com/4de154de-f8a8-4017-af41-df619da68155/.default']);
    expect(seen.find((r) => r.url.startsWith('/adminmanagement/metadata'))?.authorization).toBeUndefined();
  });

  it('Offer List → offers with ids and states', async () => {
    const client = stamp();
    routes.set(`GET ${SUBS}/offers`, { status: 200, body: example('azurestack-admin/Offer-List.json', '200') });
    const offers = await client.listOffers('testregistration');
    expect(offers.map((o) => [o.name, o.displayName, o.state])).toEqual([['sampleoffer1', 'SampleOffer1', 'Public'], ['sampleoffer2', 'sampleoffer2', 'Public']]);
    expect(offers[0].id).toMatch(/\/offers\/sampleoffer1$/);
  });

  it('DirectoryTenant Get and Create (201) → domain and tenant; the body sent is the swagger’s object, not the example’s bare GUID', async () => {
    const client = stamp();
    routes.set(`GET ${DIRS}/azurestackci07.onmicrosoft.com`, { status: 200, body: example('azurestack-admin/DirectoryTenant-Get.json', '200') });
    await expect(client.getDirectoryTenant('testregistration', 'azurestackci07.onmicrosoft.com')).resolves.toEqual({ domain: 'azurestackci07.onmicrosoft.com', tenantId: '2b3697e6-a7a2-4cdd-a3d4-f4ef6505cd4f' });
    routes.set(`PUT ${DIRS}/azurestackci05.onmicrosoft.in`, { status: 201, body: example('azurestack-admin/DirectoryTenant-Create.json', '201') });
    await expect(client.putDirectoryTenant('testregistration', 'azurestackci05.onmicrosoft.in', 'eb90516e-65d7-4bf6-8537-8322e9172832' as Guid)).resolves.toEqual({
      domain: 'azurestackci05.onmicrosoft.in',
      tenantId: 'eb90516e-65d7-4bf6-8537-8322e9172832',
    });
    const put = seen.find((r) => r.method === 'PUT')!;
    expect(JSON.parse(put.body)).toEqual({ location: 'local', properties: { tenantId: 'eb90516e-65d7-4bf6-8537-8322e9172832' } });
  });

  it('Subscriptions Get → the subscription; a create after the recorded 404 sends the flat body and takes the recorded 201', async () => {
    const client = stamp();
    routes.set(`GET ${SUBS}/subscriptions/c79389af-4480-48cc-8fa2-ee8ced8e843d`, { status: 200, body: example('azurestack-admin/Subscriptions-Get.json', '200') });
    await expect(client.getSubscription('testregistration', 'c79389af-4480-48cc-8fa2-ee8ced8e843d' as Guid)).resolves.toEqual({
      subscriptionId: 'c79389af-4480-48cc-8fa2-ee8ced8e843d',
      displayName: 'Test Subscription',
      owner: 'tenantadmin1@msazurestack.onmicrosoft.com',
      offerId: '/subscriptions/d16dfcf0-44cc-4498-9937-08b94159d27b/resourceGroups/planrg/providers/Microsoft.Subscriptions.Admin/offers/testoffer',
      tenantId: '104edf09-7fc1-459f-8c4e-b062db480b90',
      state: 'Enabled',
    });
    // The recording's id holds a non-hex 'g' (sanitised); the client sends whatever id it was given.
    const id = 'eb377774-8d90-4f4b-bc76-0211g8bfbf86';
    routes.set(`GET ${SUBS}/subscriptions/${id}`, { status: 404, body: JSON.parse(read('azurestack-admin/recorded/Subscriptions-get.response-404.json')) });
    routes.set(`PUT ${SUBS}/subscriptions/${id}`, { status: 201, body: JSON.parse(read('azurestack-admin/recorded/Subscriptions-put-create.response-201.json')) });
    const request = JSON.parse(read('azurestack-admin/recorded/Subscriptions-put-create.request.json'));
    const created = await client.createSubscription('testregistration', { subscriptionId: id as Guid, displayName: request.displayName, owner: request.owner, offerId: request.offerId, tenantId: '0a9c9a9e-2774-489f-8560-bae5824f8b46' as Guid });
    expect(created).toMatchObject({ created: true, subscription: { subscriptionId: id, owner: 'user@microsoft.com', state: 'Enabled' } });
    const sent = JSON.parse(seen.find((r) => r.method === 'PUT')!.body);
    expect(Object.keys(sent).sort()).toEqual([...Object.keys(request), 'tenantId'].sort());
    expect(sent).not.toHaveProperty('properties');
  });

  it('CheckIdentityHealth (the example’s empty strings) → not registered; SubscriberUsageAggregates List (empty) → no usage; the recorded 504 → a transient GatewayTimeout', async () => {
    const client = stamp();
    routes.set(`POST ${SUBS}/checkIdentityHealth`, { status: 200, body: example('azurestack-admin/Subscriptions-CheckIdentityHealth.json', '200') });
    await expect(client.directoryHealth('testregistration', CUSTOMER)).resolves.toBe('NotRegistered');
    const usagePath = `/adminmanagement/subscriptions/${PROVIDER}/providers/Microsoft.Commerce.Admin/subscriberUsageAggregates`;
    routes.set(`GET ${usagePath}`, { status: 200, body: example('azurestack-admin/SubscriberUsageAggregates-List.json', '200') });
    await expect(client.usage('testregistration', { days: 30 })).resolves.toEqual([]);
    routes.set(`GET ${usagePath}`, { status: 504, body: JSON.parse(read('azurestack-admin/recorded/SubscriberUsageAggregates-list.response-504.json')) });
    await expect(client.usage('testregistration', { days: 30 })).rejects.toMatchObject({ code: 'GatewayTimeout', transient: true });
  });

  it('PutRoleAssignment 2015-07-01 (201) on the tenant ARM → the assignment id, created, with a token of the customer’s directory', async () => {
    const client = stamp();
    tokenRequests.length = 0;
    const sub = 'a925f2f7-5c63-4b7b-8799-25a5f97bc3b2';
    const principal = 'ce2ce14e-85d7-4629-bdbc-454d0519d987';
    const name = roleAssignmentName(`/subscriptions/${sub}`, principal, OWNER_ROLE_DEFINITION_GUID);
    const body = example('authorization/2015-07-01/examples/PutRoleAssignment.json', '201');
    routes.set(`GET /management/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments`, { status: 200, body: { value: [] } });
    routes.set(`PUT /management/subscriptions/${sub}/providers/Microsoft.Authorization/roleAssignments/${name}`, { status: 201, body });
    await expect(client.ensureOwner('testregistration', CUSTOMER, sub as Guid, principal as Guid)).resolves.toEqual({ roleAssignmentId: body.id, created: true });
    const put = seen.find((r) => r.method === 'PUT')!;
    expect(put.url).toContain('api-version=2015-07-01');
    expect(JSON.parse(put.body)).toEqual({ properties: { roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${OWNER_ROLE_DEFINITION_GUID}`, principalId: principal } });
    expect(tokenRequests.some((r) => r.tenantId === CUSTOMER)).toBe(true);
  });
});
