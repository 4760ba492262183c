// Simulated Partner Center REST under /partnercenter: customers, the Microsoft Customer Agreement,
// the Azure plan's availability, carts and checkout, orders, subscriptions and Azure entitlements.
// Where the docs give no error code, the code is the HTTP status (see the report in the README).
import {
  azurePlanAvailabilityId,
  azurePlanCatalogItemId,
  AZURE_PLAN_PRODUCT_ID,
  AZURE_PLAN_SKU_ID,
  MCA_TEMPLATE_ID,
  addAzurePlanOrder,
  addCustomer,
  newGuid,
  visibleEntitlements,
  type Cart,
  type Customer,
  type Order,
  type PcSubscription,
  type SandboxState,
} from './state';
import { validateAddress } from './addressValidation';
import { BadJson, empty, field, header, json, jsonBody, pcError, route, text, type ApiRequest, type Reply, type Route } from './http';

export interface PartnerCenterContext {
  state: SandboxState;
}

/** Countries where Partner Center asks for the organization registration number (and a phone). */
const ORN_COUNTRIES = ['AM', 'AZ', 'BY', 'HU', 'KZ', 'KG', 'MD', 'RU', 'TJ', 'UZ', 'UA'];
const CART_LIFETIME_MS = 15 * 60 * 1000;
const CUSTOMER = '/v1/customers/([^/]+)';

export function partnerCenterRoutes(ctx: PartnerCenterContext): Route[] {
  const forCustomer = (handler: (req: ApiRequest, customer: Customer, rest: string[]) => Reply) => (req: ApiRequest, [id, ...rest]: string[]) => {
    const customer = ctx.state.customers[id.toLowerCase()];
    return customer ? handler(req, customer, rest) : pcError(404, 404, `Customer ${id} was not found.`);
  };
  return [
    route('HEAD', /^\/v1\/domains\/([^/]+)$/i, (_req, [domain]) => domainExists(ctx, domain)),
    route('POST', /^\/v1\/validations\/address$/i, (req) => validateAddress(req)),
    route('GET', /^\/v1\/customers$/i, (req) => searchCustomers(ctx, req)),
    route('POST', /^\/v1\/customers$/i, (req) => createCustomer(ctx, req)),
    route('GET', new RegExp(`^${CUSTOMER}$`, 'i'), forCustomer((_req, c) => json(200, customerBody(c)))),
    route('GET', /^\/v1\/agreements$/i, appUserOnly((req) => agreementMetadata(req))),
    route('GET', new RegExp(`^${CUSTOMER}/agreements$`, 'i'), appUserOnly(forCustomer((req, c) => listAgreements(ctx, req, c)))),
    route('POST', new RegExp(`^${CUSTOMER}/agreements$`, 'i'), appUserOnly(forCustomer((req, c) => createAgreement(ctx, req, c)))),
    route('GET', /^\/v1\/products\/([^/]+)\/skus\/([^/]+)\/availabilities$/i, (req, [product, sku]) => availabilities(product, sku, req.query.get('country'))),
    route('GET', new RegExp(`^${CUSTOMER}/products/([^/]+)/skus/([^/]+)/availabilities$`, 'i'), forCustomer((_req, c, [product, sku]) => availabilities(product, sku, c.billingProfile.defaultAddress.country))),
    route('POST', new RegExp(`^${CUSTOMER}/carts$`, 'i'), forCustomer((req, c) => createCart(ctx, req, c))),
    route('GET', new RegExp(`^${CUSTOMER}/carts/([^/]+)$`, 'i'), forCustomer((_req, c, [cartId]) => getCart(ctx, c, cartId))),
    route('POST', new RegExp(`^${CUSTOMER}/carts/([^/]+)/checkout$`, 'i'), forCustomer((_req, c, [cartId]) => checkout(ctx, c, cartId))),
    route('GET', new RegExp(`^${CUSTOMER}/orders$`, 'i'), forCustomer((_req, c) => listOrders(ctx, c))),
    route('POST', new RegExp(`^${CUSTOMER}/orders$`, 'i'), forCustomer((req, c) => createOrder(ctx, req, c))),
    route('GET', new RegExp(`^${CUSTOMER}/orders/([^/]+)$`, 'i'), forCustomer((_req, c, [orderId]) => getOrder(ctx, c, orderId))),
    route('GET', new RegExp(`^${CUSTOMER}/subscriptions$`, 'i'), forCustomer((_req, c) => listSubscriptions(ctx, c))),
    route('GET', new RegExp(`^${CUSTOMER}/subscriptions/([^/]+)$`, 'i'), forCustomer((_req, c, [subId]) => getSubscription(ctx, c, subId))),
    route('GET', new RegExp(`^${CUSTOMER}/subscriptions/([^/]+)/azureEntitlements$`, 'i'), forCustomer((_req, c, [subId]) => listEntitlements(ctx, c, subId))),
  ];
}

const link = (uri: string) => ({ uri, method: 'GET', headers: [] as string[] });
const collection = (items: unknown[], self?: string) => ({
  totalCount: items.length,
  items,
  ...(self ? { links: { self: link(self) } } : {}),
  attributes: { objectType: 'Collection' },
});

function parseBody(req: ApiRequest): { value: unknown } | { reply: Reply } {
  try {
    return { value: jsonBody(req) };
  } catch (e) {
    if (e instanceof BadJson) return { reply: pcError(400, 400, 'The request body could not be read as JSON.') };
    throw e;
  }
}
const isReply = (x: object): x is Reply => 'status' in x && typeof x.status === 'number';

// ---- customers -----------------------------------------------------------------------------

function domainExists(ctx: PartnerCenterContext, domain: string): Reply {
  const taken = Object.values(ctx.state.customers).some((c) => c.domain.toLowerCase() === domain.toLowerCase());
  return empty(taken ? 200 : 404);
}

export function customerBody(c: Customer, withCredentials = false) {
  const a = c.billingProfile.defaultAddress;
  return {
    id: c.id,
    commerceId: c.commerceId,
    companyProfile: {
      tenantId: c.id,
      domain: c.domain,
      companyName: c.companyName,
      ...(c.organizationRegistrationNumber ? { organizationRegistrationNumber: c.organizationRegistrationNumber } : {}),
      links: { self: link(`/customers/${c.id}/profiles/company`) },
      attributes: { objectType: 'CustomerCompanyProfile' },
    },
    billingProfile: {
      id: c.billingProfile.id,
      email: c.billingProfile.email,
      culture: c.billingProfile.culture,
      language: c.billingProfile.language,
      companyName: c.companyName,
      defaultAddress: {
        country: a.country,
        city: a.city ?? '',
        state: a.state ?? '',
        addressLine1: a.addressLine1 ?? '',
        ...(a.addressLine2 ? { addressLine2: a.addressLine2 } : {}),
        postalCode: a.postalCode ?? '',
        firstName: a.firstName ?? '',
        lastName: a.lastName ?? '',
        phoneNumber: a.phoneNumber ?? '',
      },
      attributes: { etag: String(Date.parse(c.createdAt)), objectType: 'CustomerBillingProfile' },
    },
    relationshipToPartner: c.relationshipToPartner,
    ...(withCredentials ? { userCredentials: { ...c.adminCredentials } } : {}),
    links: { self: link(`/customers/${c.id}`) },
    attributes: { objectType: 'Customer' },
  };
}

/** The only seek operation a continuation uses (the swagger's `seekOperation` query). */
const SEEK_NEXT = 'next';

interface CustomerCursor {
  /** Index of the next customer to answer, in creation order. */
  offset: number;
  size: number;
  /** The raw filter of the first request: a continuation keeps searching what the first page searched. */
  filter?: string;
}

function encodeCursor(cursor: CustomerCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(token: string): CustomerCursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const offset = field(value, 'offset');
    const size = field(value, 'size');
    const filter = field(value, 'filter');
    if (!Number.isInteger(offset) || (offset as number) < 0 || !Number.isInteger(size) || (size as number) < 1) return undefined;
    if (filter !== undefined && typeof filter !== 'string') return undefined;
    return { offset: offset as number, size: size as number, filter: filter as string | undefined };
  } catch {
    return undefined;
  }
}

/**
 * GET /v1/customers: with `size` > 0 the answer is one page of that many, in creation order; when more
 * follow it carries `continuationToken` and `links.next` (`/customers?size=N&seekOperation=Next` with
 * the token as its `MS-ContinuationToken` header). The token carries the filter and the position, so
 * the replayed request needs nothing else. Without `size` (or 0) every match comes in one answer.
 */
function searchCustomers(ctx: PartnerCenterContext, req: ApiRequest): Reply {
  const seek = req.query.get('seekOperation');
  let cursor: CustomerCursor | undefined;
  if (seek !== null) {
    if (seek.toLowerCase() !== SEEK_NEXT) return pcError(400, 400, `seekOperation ${seek} is not supported: only Next is.`);
    const token = header(req, 'ms-continuationtoken');
    if (!token) return pcError(400, 400, 'seekOperation=Next needs the MS-ContinuationToken header of the previous page.');
    cursor = decodeCursor(token);
    if (!cursor) return pcError(400, 400, 'The continuation token is not valid.');
  }
  const rawFilter = cursor ? cursor.filter : req.query.get('filter') ?? undefined;
  let matches = Object.values(ctx.state.customers);
  if (rawFilter) {
    let filter: unknown;
    try {
      filter = JSON.parse(rawFilter);
    } catch {
      return pcError(400, 400, 'The filter is not valid JSON.');
    }
    const fieldName = text(filter, 'Field');
    const value = text(filter, 'Value') ?? '';
    const operator = text(filter, 'Operator');
    if (operator?.toLowerCase() !== 'starts_with') return pcError(400, 400, `Operator ${operator ?? ''} is not supported: only starts_with is.`);
    const pick: Record<string, (c: Customer) => string> = { domain: (c) => c.domain, companyname: (c) => c.companyName };
    const getter = pick[fieldName?.toLowerCase() ?? ''];
    if (!getter) return pcError(400, 400, `Field ${fieldName ?? ''} is not supported: use Domain or CompanyName.`);
    matches = matches.filter((c) => getter(c).toLowerCase().startsWith(value.toLowerCase()));
  }
  const size = cursor ? cursor.size : Number(req.query.get('size') ?? '0');
  if (!Number.isInteger(size) || size < 0) return pcError(400, 400, `size ${req.query.get('size') ?? ''} is not a whole number.`);
  const offset = cursor?.offset ?? 0;
  const page = size > 0 ? matches.slice(offset, offset + size) : matches;
  const query = req.query.toString();
  const items = page.map((c) => {
    const { companyProfile, relationshipToPartner, links, attributes, id } = customerBody(c);
    return { id, companyProfile, relationshipToPartner, links, attributes };
  });
  const body = collection(items, `/customers${query ? `?${query}` : ''}`);
  if (size === 0 || offset + size >= matches.length) return json(200, body);
  const continuationToken = encodeCursor({ offset: offset + size, size, ...(rawFilter ? { filter: rawFilter } : {}) });
  return json(200, {
    ...body,
    continuationToken,
    links: {
      ...body.links,
      next: { uri: `/customers?size=${size}&seekOperation=Next`, method: 'GET', headers: [{ key: 'MS-ContinuationToken', value: continuationToken }] },
    },
  });
}

interface CustomerInput {
  domain: string;
  companyName: string;
  email: string;
  culture: string;
  language: string;
  address: Record<string, string | undefined> & { country: string };
  organizationRegistrationNumber?: string;
}

function readCustomerInput(body: unknown): CustomerInput | Reply {
  const company = field(body, 'CompanyProfile');
  const billing = field(body, 'BillingProfile');
  const address = field(billing, 'DefaultAddress');
  const required: Array<[string, string | undefined]> = [
    ['companyProfile.domain', text(company, 'Domain')],
    ['billingProfile.email', text(billing, 'Email')],
    ['billingProfile.culture', text(billing, 'Culture')],
    ['billingProfile.language', text(billing, 'Language')],
    ['billingProfile.companyName', text(billing, 'CompanyName')],
    ['billingProfile.defaultAddress.country', text(address, 'Country')],
  ];
  const missing = required.filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length > 0) return pcError(400, 400, `Required values are missing: ${missing.join(', ')}.`);
  const domain = text(company, 'Domain')!;
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9-]+)+$/i.test(domain)) return pcError(400, 400, `The domain ${domain} is not valid.`);
  const country = text(address, 'Country')!.toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) return pcError(400, 400, `The country ${country} is not a two-letter ISO country code.`);
  const orn = text(company, 'OrganizationRegistrationNumber');
  const phone = text(address, 'PhoneNumber');
  if (ORN_COUNTRIES.includes(country)) {
    if (!orn) return pcError(400, 600049, `Organization registration number is required for customers in ${country}.`);
    if (!/^[A-Za-z0-9-]{1,50}$/.test(orn)) return pcError(400, 600050, 'Organization registration number has an invalid format.');
    if (!phone) return pcError(400, 600051, `Phone number is required for customers in ${country}.`);
  } else if (orn) {
    return pcError(400, 600002, `Organization registration number is not supported for customers in ${country}.`);
  }
  const addressText = (name: string) => text(address, name);
  return {
    domain,
    companyName: text(billing, 'CompanyName')!,
    email: text(billing, 'Email')!,
    culture: text(billing, 'Culture')!,
    language: text(billing, 'Language')!,
    organizationRegistrationNumber: orn,
    address: {
      firstName: addressText('FirstName'),
      lastName: addressText('LastName'),
      addressLine1: addressText('AddressLine1'),
      addressLine2: addressText('AddressLine2'),
      city: addressText('City'),
      state: addressText('State'),
      postalCode: addressText('PostalCode'),
      phoneNumber: phone ?? '',
      country,
    },
  };
}

function createCustomer(ctx: PartnerCenterContext, req: ApiRequest): Reply {
  const requestId = header(req, 'ms-requestid')?.toLowerCase();
  // "This API is idempotent": the same MS-RequestId returns the customer it created, nothing new.
  const replayed = requestId ? ctx.state.customers[ctx.state.customerCreateRequests[requestId] ?? ''] : undefined;
  if (replayed) return json(201, customerBody(replayed, true));
  const parsed = parseBody(req);
  if ('reply' in parsed) return parsed.reply;
  const body = parsed.value;
  const input = readCustomerInput(body);
  if (isReply(input)) return input;
  if (Object.values(ctx.state.customers).some((c) => c.domain.toLowerCase() === input.domain.toLowerCase())) {
    return pcError(409, 409, `The domain ${input.domain} is already in use.`);
  }
  const customer = addCustomer(ctx.state, {
    companyName: input.companyName,
    domain: input.domain,
    email: input.email,
    culture: input.culture,
    language: input.language,
    organizationRegistrationNumber: input.organizationRegistrationNumber,
    address: input.address,
  });
  customer.relationshipToPartner = 'none';
  if (requestId) ctx.state.customerCreateRequests[requestId] = customer.id;
  ctx.state.counters.customersCreated += 1;
  return json(201, customerBody(customer, true));
}

// ---- agreements ----------------------------------------------------------------------------

function agreementMetadata(req: ApiRequest): Reply {
  const type = req.query.get('agreementType') ?? 'MicrosoftCloudAgreement';
  const all = [
    { templateId: MCA_TEMPLATE_ID, agreementType: 'MicrosoftCustomerAgreement', agreementLink: 'https://aka.ms/customeragreement', versionRank: 0 },
    { templateId: '998b88de-aa99-4388-a42c-1b3517d49490', agreementType: 'MicrosoftCloudAgreement', agreementLink: 'https://aka.ms/microsoftcloudagreement', versionRank: 0 },
  ];
  return json(200, collection(all.filter((a) => type.toLowerCase() === 'all' || a.agreementType.toLowerCase() === type.toLowerCase())));
}

function agreementBody(a: SandboxState['agreements'][number]) {
  return { userId: a.userId, primaryContact: { ...a.primaryContact }, templateId: a.templateId, dateAgreed: a.dateAgreed, type: a.type };
}

function listAgreements(ctx: PartnerCenterContext, req: ApiRequest, c: Customer): Reply {
  const type = req.query.get('agreementType') ?? 'MicrosoftCloudAgreement';
  const items = ctx.state.agreements
    .filter((a) => a.customerTenantId === c.id && a.type.toLowerCase() === type.toLowerCase())
    .map(agreementBody);
  return json(200, collection(items));
}

/**
 * The agreement calls are App+User only ("This scenario only supports App+User authentication"):
 * an app-only token is refused before anything else is looked at, the customer included.
 */
function appUserOnly<A extends unknown[]>(handler: (req: ApiRequest, ...rest: A) => Reply) {
  return (req: ApiRequest, ...rest: A): Reply => {
    if (req.token?.idtyp !== 'user' || !req.token.scp?.split(' ').includes('user_impersonation')) {
      return pcError(403, 600006, 'The requested action is not allowed: customer agreements need App+User authentication.');
    }
    return handler(req, ...rest);
  };
}

function createAgreement(ctx: PartnerCenterContext, req: ApiRequest, c: Customer): Reply {
  if (!req.token) return pcError(401, 401, 'Unauthorized.');
  const parsed = parseBody(req);
  if ('reply' in parsed) return parsed.reply;
  const body = parsed.value;
  const contact = field(body, 'PrimaryContact');
  const agreement = {
    customerTenantId: c.id,
    templateId: text(body, 'TemplateId') ?? '',
    type: text(body, 'Type') ?? '',
    dateAgreed: text(body, 'DateAgreed') ?? '',
    primaryContact: {
      firstName: text(contact, 'FirstName'),
      lastName: text(contact, 'LastName'),
      email: text(contact, 'Email'),
      phoneNumber: text(contact, 'PhoneNumber'),
    },
    userId: req.token.oid,
  };
  const missing = [
    ['primaryContact.firstName', agreement.primaryContact.firstName],
    ['primaryContact.lastName', agreement.primaryContact.lastName],
    ['primaryContact.email', agreement.primaryContact.email],
    ['templateId', agreement.templateId || undefined],
    ['dateAgreed', agreement.dateAgreed || undefined],
    ['type', agreement.type || undefined],
  ].filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length > 0) return pcError(400, 400, `Required values are missing: ${missing.join(', ')}.`);
  if (agreement.templateId !== MCA_TEMPLATE_ID || agreement.type !== 'MicrosoftCustomerAgreement') {
    return pcError(400, 400, `Template ${agreement.templateId} of type ${agreement.type} is not a current agreement template.`);
  }
  if (Number.isNaN(Date.parse(agreement.dateAgreed))) return pcError(400, 400, 'dateAgreed is not a valid date.');
  if (ctx.state.agreements.some((a) => a.customerTenantId === c.id && a.type === agreement.type)) {
    return json(409, {
      code: 600061,
      message: 'A partner confirmed agreement already exists for the customer.',
      description: 'A partner confirmed agreement already exists for the customer.',
      errorName: 'PartnerConfirmedAgreementAlreadyExists',
      isRetryable: false,
      parameters: {},
      errorMessageExtended: 'InternalErrorCode=600061',
    });
  }
  ctx.state.agreements.push(agreement);
  ctx.state.counters.agreementsCreated += 1;
  return json(201, agreementBody(agreement));
}

/**
 * What the simulated Partner Center's page (`/partner-center/#/customers/{id}/agreement`) shows:
 * the customer and whether its Microsoft Customer Agreement is confirmed.
 */
export function agreementPageData(state: SandboxState, customerId: string): Reply {
  const c = state.customers[customerId.toLowerCase()];
  if (!c) return json(404, { error: `No customer ${customerId} in the simulated Partner Center.` });
  const confirmed = state.agreements.filter((a) => a.customerTenantId === c.id && a.type === 'MicrosoftCustomerAgreement').map(agreementBody);
  const address = c.billingProfile.defaultAddress;
  return json(200, {
    customerTenantId: c.id,
    companyName: c.companyName,
    domain: c.domain,
    billingContact: { firstName: address.firstName, lastName: address.lastName, email: c.billingProfile.email, phoneNumber: address.phoneNumber },
    agreements: confirmed,
  });
}

/**
 * The operator confirms the customer's acceptance by hand, as in Partner Center's
 * Customers → customer → Account → Microsoft Customer Agreement: the same record the App+User
 * POST makes, confirmed by the partner admin (`userId`).
 */
export function confirmAgreementByHand(state: SandboxState, customerId: string, body: unknown, partnerAdmin: string): Reply {
  const c = state.customers[customerId.toLowerCase()];
  if (!c) return json(404, { error: `No customer ${customerId} in the simulated Partner Center.` });
  const contact = {
    firstName: text(body, 'firstName'),
    lastName: text(body, 'lastName'),
    email: text(body, 'email'),
    phoneNumber: text(body, 'phoneNumber'),
  };
  const dateAccepted = text(body, 'dateAgreed');
  const missing = (['firstName', 'lastName', 'email'] as const).filter((k) => !contact[k]);
  if (!dateAccepted) missing.push('dateAgreed' as never);
  if (missing.length > 0) return json(400, { error: `Required: ${missing.join(', ')}.` });
  const day = /^\d{4}-\d{2}-\d{2}$/.test(dateAccepted!) ? `${dateAccepted}T00:00:00.000Z` : dateAccepted!;
  if (Number.isNaN(Date.parse(day))) return json(400, { error: `dateAgreed (${dateAccepted}) is not a date.` });
  if (state.agreements.some((a) => a.customerTenantId === c.id && a.type === 'MicrosoftCustomerAgreement')) {
    return json(409, { error: 'A partner confirmed agreement already exists for the customer.' });
  }
  const agreement = {
    customerTenantId: c.id,
    templateId: MCA_TEMPLATE_ID,
    type: 'MicrosoftCustomerAgreement',
    dateAgreed: new Date(Date.parse(day)).toISOString(),
    primaryContact: { firstName: contact.firstName, lastName: contact.lastName, email: contact.email, ...(contact.phoneNumber ? { phoneNumber: contact.phoneNumber } : {}) },
    userId: partnerAdmin,
  };
  state.agreements.push(agreement);
  state.counters.agreementsCreated += 1;
  return json(201, agreementBody(agreement));
}

// ---- catalog -------------------------------------------------------------------------------

function azurePlanSku(country: string) {
  return {
    id: AZURE_PLAN_SKU_ID,
    productId: AZURE_PLAN_PRODUCT_ID,
    title: 'Microsoft Azure plan',
    description: 'Microsoft Azure plan (MS-AZR-0017G)',
    minimumQuantity: 1,
    maximumQuantity: 1,
    isTrial: false,
    supportedBillingCycles: ['one_time'],
    purchasePrerequisites: ['MicrosoftCustomerAgreement'],
    inventoryVariables: [],
    provisioningVariables: [],
    actions: ['Refund'],
    dynamicAttributes: { isMicrosoftProduct: true, pilotProgram: 'modernazurepilot' },
    links: {
      availabilities: link(`/products/${AZURE_PLAN_PRODUCT_ID}/skus/${AZURE_PLAN_SKU_ID}/availabilities?country=${country}`),
      self: link(`/products/${AZURE_PLAN_PRODUCT_ID}/skus/${AZURE_PLAN_SKU_ID}?country=${country}`),
    },
  };
}

function availabilities(product: string, sku: string, country: string | null): Reply {
  if (product.toUpperCase() !== AZURE_PLAN_PRODUCT_ID || sku !== AZURE_PLAN_SKU_ID) {
    return pcError(404, 400013, `Product ${product} with SKU ${sku} was not found.`);
  }
  if (!country || !/^[A-Za-z]{2}$/.test(country)) return pcError(400, 400, 'The country query parameter is required (a two-letter ISO code).');
  const c = country.toUpperCase();
  const availabilityId = azurePlanAvailabilityId(c);
  const item = {
    id: availabilityId,
    productId: AZURE_PLAN_PRODUCT_ID,
    skuId: AZURE_PLAN_SKU_ID,
    catalogItemId: azurePlanCatalogItemId(c),
    defaultCurrency: { code: 'USD', symbol: '$' },
    segment: 'commercial',
    country: c,
    isPurchasable: true,
    isRenewable: false,
    sku: azurePlanSku(c),
    links: { self: link(`/products/${AZURE_PLAN_PRODUCT_ID}/skus/${AZURE_PLAN_SKU_ID}/availabilities/${availabilityId}?country=${c}`) },
    attributes: { objectType: 'Availability' },
  };
  return json(200, collection([item], `/products/${AZURE_PLAN_PRODUCT_ID}/skus/${AZURE_PLAN_SKU_ID}/availabilities?country=${c}`));
}

// ---- carts and orders ----------------------------------------------------------------------

function countryOf(c: Customer): string {
  return c.billingProfile.defaultAddress.country.toUpperCase();
}

/**
 * A cart line or order line must name the Azure plan as it is offered in the customer's own
 * country: another country's catalog item is refused like an unknown one (400 800002; the docs
 * name no code for it, see README.md).
 */
function catalogItemProblem(c: Customer, catalogItemId: string | undefined): Reply | undefined {
  const expected = azurePlanCatalogItemId(countryOf(c));
  if (catalogItemId?.toUpperCase() === expected.toUpperCase()) return undefined;
  const otherCountry = catalogItemId?.toUpperCase().startsWith(`${AZURE_PLAN_PRODUCT_ID}:${AZURE_PLAN_SKU_ID}:`);
  return pcError(
    400,
    800002,
    otherCountry
      ? `Catalog item ${catalogItemId} is not available in the customer's country (${countryOf(c)}).`
      : `Catalog item ${catalogItemId ?? '(none)'} is not available for this customer.`,
  );
}

function cartBody(cart: Cart) {
  return {
    id: cart.id,
    creationTimestamp: cart.creationTimestamp,
    lastModifiedTimestamp: cart.creationTimestamp,
    expirationTimestamp: cart.expirationTimestamp,
    lastModifiedUser: '00000000-0000-0000-0000-000000000000',
    status: cart.status,
    lineItems: cart.lineItems.map((li) => ({
      id: li.id,
      catalogItemId: li.catalogItemId,
      quantity: li.quantity,
      currencyCode: 'USD',
      billingCycle: li.billingCycle,
      ...(li.termDuration ? { termDuration: li.termDuration } : {}),
      ...(li.friendlyName ? { friendlyName: li.friendlyName } : {}),
      orderGroup: li.orderGroup,
    })),
    links: { self: link(`/customers/${cart.customerTenantId}/carts/${cart.id}`) },
    attributes: { objectType: 'Cart' },
  };
}

function createCart(ctx: PartnerCenterContext, req: ApiRequest, c: Customer): Reply {
  const parsed = parseBody(req);
  if ('reply' in parsed) return parsed.reply;
  const body = parsed.value;
  const items = field(body, 'LineItems');
  if (!Array.isArray(items) || items.length === 0) return pcError(400, 800002, 'The cart must have at least one line item.');
  const lineItems: Cart['lineItems'] = [];
  for (const [index, item] of items.entries()) {
    const catalogItemId = text(item, 'CatalogItemId');
    const quantity = Number(field(item, 'Quantity') ?? 1);
    const billingCycle = text(item, 'BillingCycle') ?? 'one_time';
    const problem = catalogItemProblem(c, catalogItemId);
    if (problem) return problem;
    if (quantity !== 1) return pcError(400, 800002, 'The Azure plan can only be bought with quantity 1.');
    if (billingCycle !== 'one_time') return pcError(400, 800002, `Billing cycle ${billingCycle} is not supported for the Azure plan: use one_time.`);
    const id = Number(field(item, 'Id') ?? index);
    lineItems.push({ id, catalogItemId: azurePlanCatalogItemId(countryOf(c)), quantity, billingCycle, friendlyName: text(item, 'FriendlyName'), termDuration: text(item, 'TermDuration'), orderGroup: '0' });
  }
  const now = Date.now();
  const cart: Cart = {
    id: newGuid(),
    customerTenantId: c.id,
    status: 'Active',
    creationTimestamp: new Date(now).toISOString(),
    expirationTimestamp: new Date(now + CART_LIFETIME_MS).toISOString(),
    lineItems,
    orderIds: [],
  };
  ctx.state.carts[cart.id] = cart;
  ctx.state.counters.cartsCreated += 1;
  return json(201, cartBody(cart));
}

function getCart(ctx: PartnerCenterContext, c: Customer, cartId: string): Reply {
  const cart = ctx.state.carts[cartId.toLowerCase()];
  if (!cart || cart.customerTenantId !== c.id) return pcError(404, 404, `Cart ${cartId} was not found.`);
  return json(200, cartBody(cart));
}

export function orderBody(o: Order) {
  return {
    id: o.id,
    alternateId: o.id.replace(/-/g, '').slice(0, 12),
    referenceCustomerId: o.customerTenantId,
    billingCycle: o.billingCycle,
    currencyCode: 'USD',
    currencySymbol: '$',
    lineItems: o.lineItems.map((li) => ({
      lineItemNumber: li.lineItemNumber,
      offerId: li.offerId,
      subscriptionId: li.subscriptionId,
      transactionType: 'New',
      friendlyName: li.friendlyName,
      quantity: li.quantity,
      links: { sku: link(`/products/${AZURE_PLAN_PRODUCT_ID}/skus/${AZURE_PLAN_SKU_ID}?country=US`) },
    })),
    creationDate: o.creationDate,
    status: o.status,
    transactionType: 'UserPurchase',
    links: {
      provisioningStatus: link(`/customers/${o.customerTenantId}/orders/${o.id}/provisioningstatus`),
      self: link(`/customers/${o.customerTenantId}/orders/${o.id}`),
    },
    attributes: { objectType: 'Order' },
  };
}

function hasAzurePlan(ctx: PartnerCenterContext, c: Customer): boolean {
  return Object.values(ctx.state.pcSubscriptions).some(
    (s) => s.customerTenantId === c.id && s.offerId.startsWith(AZURE_PLAN_PRODUCT_ID) && ['active', 'pending'].includes(s.status),
  );
}

function checkout(ctx: PartnerCenterContext, c: Customer, cartId: string): Reply {
  const cart = ctx.state.carts[cartId.toLowerCase()];
  if (!cart || cart.customerTenantId !== c.id) return pcError(404, 404, `Cart ${cartId} was not found.`);
  if (cart.status !== 'Active') return pcError(400, 800065, 'Cannot check out an already submitted cart.');
  if (!hasAgreement(ctx, c)) return pcError(403, 13605, NO_AGREEMENT);
  cart.status = 'Ordered';
  ctx.state.counters.checkouts += 1;
  if (hasAzurePlan(ctx, c)) {
    // The Azure plan SKU allows one per customer: the checkout "succeeds" with an order error.
    return json(201, { orders: [], orderErrors: [{ orderGroupId: '0', code: 800002, description: 'The customer already has an Azure plan; a customer can have only one.' }] });
  }
  const order = addAzurePlanOrder(ctx.state, c.id);
  cart.orderIds.push(order.id);
  return json(201, { orders: [orderBody(order)], orderErrors: [] });
}

function hasAgreement(ctx: PartnerCenterContext, c: Customer): boolean {
  return ctx.state.agreements.some((a) => a.customerTenantId === c.id && a.type === 'MicrosoftCustomerAgreement');
}

const NO_AGREEMENT =
  'Either a partner confirmation of the customer acceptance of the Microsoft Customer Agreement must be provided or the customer must accept the Microsoft Customer Agreement.';

/** The documented alternative to a cart: one order straight away. */
function createOrder(ctx: PartnerCenterContext, req: ApiRequest, c: Customer): Reply {
  const parsed = parseBody(req);
  if ('reply' in parsed) return parsed.reply;
  const items = field(parsed.value, 'LineItems');
  if (!Array.isArray(items) || items.length !== 1) return pcError(400, 800002, 'An Azure plan order has exactly one line item.');
  const offerId = text(items[0], 'OfferId');
  const problem = catalogItemProblem(c, offerId);
  if (problem) return problem;
  if (Number(field(items[0], 'Quantity') ?? 1) !== 1) return pcError(400, 800002, 'The Azure plan can only be bought with quantity 1.');
  if (!hasAgreement(ctx, c)) return pcError(403, 13605, NO_AGREEMENT);
  if (hasAzurePlan(ctx, c)) return pcError(400, 800002, 'The customer already has an Azure plan; a customer can have only one.');
  return json(201, orderBody(addAzurePlanOrder(ctx.state, c.id)));
}

function listOrders(ctx: PartnerCenterContext, c: Customer): Reply {
  const items = Object.values(ctx.state.orders).filter((o) => o.customerTenantId === c.id).map(orderBody);
  return json(200, collection(items, `/customers/${c.id}/orders`));
}

function getOrder(ctx: PartnerCenterContext, c: Customer, orderId: string): Reply {
  const order = ctx.state.orders[orderId.toLowerCase()];
  if (!order || order.customerTenantId !== c.id) return pcError(404, 404, `Order ${orderId} was not found.`);
  return json(200, orderBody(order));
}

// ---- subscriptions and entitlements --------------------------------------------------------

function subscriptionBody(s: PcSubscription) {
  return {
    id: s.id,
    entitlementId: s.id,
    offerId: s.offerId,
    offerName: 'Azure plan',
    friendlyName: s.friendlyName,
    quantity: s.quantity,
    unitType: 'none',
    creationDate: s.creationDate,
    effectiveStartDate: s.creationDate,
    commitmentEndDate: '9999-12-31T00:00:00Z',
    status: s.status,
    autoRenewEnabled: false,
    billingType: 'usage',
    contractType: 'subscription',
    links: { offer: link(`/v1/offers/${s.offerId}`), self: link(`/customers/${s.customerTenantId}/subscriptions/${s.id}`) },
    orderId: s.orderId,
    attributes: { etag: String(Date.parse(s.creationDate)), objectType: 'Subscription' },
  };
}

function listSubscriptions(ctx: PartnerCenterContext, c: Customer): Reply {
  const items = Object.values(ctx.state.pcSubscriptions).filter((s) => s.customerTenantId === c.id).map(subscriptionBody);
  return json(200, collection(items));
}

function subscriptionOf(ctx: PartnerCenterContext, c: Customer, subId: string): PcSubscription | undefined {
  const sub = ctx.state.pcSubscriptions[subId.toLowerCase()];
  return sub && sub.customerTenantId === c.id ? sub : undefined;
}

function getSubscription(ctx: PartnerCenterContext, c: Customer, subId: string): Reply {
  const sub = subscriptionOf(ctx, c, subId);
  return sub ? json(200, subscriptionBody(sub)) : pcError(404, 404, `Subscription ${subId} was not found.`);
}

function listEntitlements(ctx: PartnerCenterContext, c: Customer, subId: string): Reply {
  const sub = subscriptionOf(ctx, c, subId);
  if (!sub) return pcError(404, 404, `Subscription ${subId} was not found.`);
  const items = visibleEntitlements(ctx.state, sub.id).map((e) => ({
    id: e.id,
    friendlyName: e.friendlyName,
    status: e.status,
    subscriptionId: e.pcSubscriptionId,
  }));
  return json(200, collection(items));
}
