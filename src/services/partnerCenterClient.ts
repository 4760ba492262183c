// Partner Center REST (no maintained JS SDK: docs/reference/partner-center.md §PC-0) on an Azure SDK pipeline. One
// MS-RequestId per logical call, kept across the pipeline's retries (Partner Center's idempotency
// key), and a new MS-CorrelationId per call; both are reported for the audit trail.
import type { TokenCredential } from '@azure/core-auth';
import { createDefaultHttpClient, type HttpClient, type HttpMethods, type Pipeline } from '@azure/core-rest-pipeline';
import type { Logger } from 'pino';
import { v4 as uuidv4 } from 'uuid';
import { z } from 'zod';
import { DomainError } from '../onboarding/errors';
import type { AgreementAcceptance, BillingAddress, Guid, NewCustomer } from '../onboarding/model';
import { guidSchema } from '../onboarding/model';
import type {
  AddressValidation,
  AzureEntitlement,
  CallOptions,
  CallRecord,
  CreatedCustomer,
  CustomerSummary,
  PartnerCenter,
  PcCart,
  PcOrder,
  PcSubscription,
} from '../onboarding/ports';
import { joinUrl, scopeFor } from './clouds';
import { isKnownPartnerCenterCode, toDomainError, unexpectedResponse } from './errors';
import { createServicePipeline, type RetrySettings } from './pipelines';
import { createThrottleGate } from './throttleGate';
import { callService, type ServiceEndpoint } from './serviceCall';

const SERVICE = 'Partner Center' as const;
/** The Azure plan: product DZH318Z0BPS6, SKU 0001 (docs/reference/partner-center.md §PC-6). Availability ids vary by country. */
export const AZURE_PLAN_PRODUCT_ID = 'DZH318Z0BPS6';
export const AZURE_PLAN_SKU_ID = '0001';
const MCA = 'MicrosoftCustomerAgreement';
/** Customers asked for per page: enough to find one exact domain among starts_with matches without a second page, most of the time. */
const CUSTOMER_PAGE_SIZE = 100;
/** searchCustomers without a limit. */
const DEFAULT_SEARCH_LIMIT = 100;
/** A bound on continuation chasing (100,000 customers at 100 a page); past it the listing fails rather than silently stopping short. */
const MAX_PAGES = 1000;

export interface PartnerCenterClientOptions {
  endpoint: string;
  /** App-only token scope; default `<endpoint>/.default`. The delegated scope is the same resource's `user_impersonation`. */
  scope?: string;
  credential: TokenCredential;
  /** Delegated (App+User) credential; only the customer agreement needs it. */
  delegatedCredential?: TokenCredential;
  /** The simulated Partner Center's page where an operator confirms a customer's agreement by hand. */
  agreementPage?: (customerTenantId: string) => string;
  retry?: RetrySettings;
  /** Per-attempt timeout; 0 = none. */
  timeoutInMs?: number;
  report?: (call: CallRecord) => void;
  logger?: Logger;
  httpClient?: HttpClient;
}

// ---- response shapes (only what we read; Partner Center sends much more) ----

const linkSchema = z.object({
  uri: z.string(),
  headers: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
});

function collectionOf<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    totalCount: z.number().optional(),
    items: z.array(item).default([]),
    continuationToken: z.string().optional(),
    links: z.object({ next: linkSchema.optional() }).passthrough().optional(),
  });
}

const customerSchema = z.object({
  id: guidSchema,
  companyProfile: z
    .object({ domain: z.string().default(''), companyName: z.string().optional(), tenantId: z.string().optional() })
    .passthrough()
    .default({}),
  billingProfile: z
    .object({ companyName: z.string().optional(), defaultAddress: z.object({ country: z.string().optional() }).passthrough().optional() })
    .passthrough()
    .optional(),
  userCredentials: z.object({ userName: z.string(), password: z.string() }).optional(),
});
type PcCustomer = z.infer<typeof customerSchema>;

const orderStatusSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.toLowerCase() : v),
  z.enum(['pending', 'completed', 'cancelled']),
);

const orderSchema = z.object({
  id: z.string().min(1),
  status: orderStatusSchema,
  lineItems: z
    .array(z.object({ offerId: z.string().optional(), subscriptionId: z.string().optional() }).passthrough())
    .default([]),
});
type PcOrderBody = z.infer<typeof orderSchema>;

const checkoutSchema = z.object({
  orders: z.array(orderSchema).default([]),
  orderErrors: z
    .array(z.object({ orderGroupId: z.string().optional(), code: z.union([z.number(), z.string()]), description: z.string().optional() }))
    .default([]),
});

const subscriptionSchema = z.object({
  id: z.string().min(1),
  offerId: z.string().default(''),
  friendlyName: z.string().default(''),
  status: z.string().default('none'),
  orderId: z.string().optional(),
});

const entitlementSchema = z.object({
  id: guidSchema,
  friendlyName: z.string().default(''),
  status: z.string().default(''),
});

const availabilitySchema = z.object({ id: z.string().optional(), catalogItemId: z.string().optional() }).passthrough();
/** A collection of availabilities; the docs page's bare SKU parses as one with no items. */
const availabilitiesSchema = z.object({ items: z.array(availabilitySchema).default([]) }).passthrough();

function catalogItemOf(items: Array<z.infer<typeof availabilitySchema>> | undefined): string | undefined {
  const first = items?.[0];
  return first?.catalogItemId ?? (first?.id ? `${AZURE_PLAN_PRODUCT_ID}:${AZURE_PLAN_SKU_ID}:${first.id}` : undefined);
}
const cartSchema = z.object({ id: z.string().min(1), status: z.string().default('') });
const agreementTemplateSchema = z.object({ templateId: z.string().min(1) }).passthrough();

const errorBodySchema = z
  .object({
    code: z.union([z.number(), z.string()]).optional(),
    statusCode: z.number().optional(),
    description: z.string().optional(),
    message: z.string().optional(),
  })
  .passthrough();

const pcAddressSchema = z
  .object({
    addressLine1: z.string().optional(),
    addressLine2: z.string().optional(),
    city: z.string().optional(),
    state: z.string().optional(),
    postalCode: z.string().optional(),
    country: z.string().optional(),
  })
  .passthrough();

/** PC-11's answer, today's (status, suggestions) or the older 400 `2007` error body. */
const addressValidationSchema = z.preprocess(
  (v) => (v && typeof v === 'object' ? lowerFirstKeys(v as Record<string, unknown>) : v),
  z
    .object({
      status: z.string().optional(),
      suggestedAddresses: z.array(z.preprocess((v) => (v && typeof v === 'object' ? lowerFirstKeys(v as Record<string, unknown>) : v), pcAddressSchema)).default([]),
      validationMessage: z.string().optional(),
      code: z.union([z.number(), z.string()]).optional(),
      description: z.string().optional(),
    })
    .passthrough(),
);

/** Partner Center examples send PascalCase (`"AddressLine1"`), the page tables camelCase: read both. */
function lowerFirstKeys(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]));
}

function addressBody(address: BillingAddress): Record<string, string> {
  return {
    addressLine1: address.addressLine1,
    ...(address.addressLine2 ? { addressLine2: address.addressLine2 } : {}),
    city: address.city,
    ...(address.region ? { state: address.region } : {}),
    postalCode: address.postalCode,
    country: address.country,
  };
}

function fromPcAddress(a: z.infer<typeof pcAddressSchema>): BillingAddress {
  return {
    country: (a.country ?? '').toUpperCase(),
    ...(a.state ? { region: a.state } : {}),
    city: a.city ?? '',
    postalCode: a.postalCode ?? '',
    addressLine1: a.addressLine1 ?? '',
    ...(a.addressLine2 ? { addressLine2: a.addressLine2 } : {}),
  };
}

/**
 * The pre-2021 answer for an invalid address: 400 `{"code":2007,"description":"{\"code\":\"60071\",
 * \"reason\":\"ZipCityInvalid …\",\"corrected_address\":{…}}"}`. Undefined for any other 400.
 */
function legacyAddressError(body: z.infer<typeof addressValidationSchema> | undefined): AddressValidation | undefined {
  if (String(body?.code) !== '2007' || !body?.description) return undefined;
  let detail: { reason?: unknown; corrected_address?: unknown } = {};
  try {
    detail = JSON.parse(body.description) as typeof detail;
  } catch {
    // A description that is not JSON: still an invalid address, with nothing suggested.
  }
  const corrected = pcAddressSchema.safeParse(detail.corrected_address && typeof detail.corrected_address === 'object' ? lowerFirstKeys(detail.corrected_address as Record<string, unknown>) : undefined);
  const reason = typeof detail.reason === 'string' ? detail.reason : undefined;
  return corrected.success
    ? { status: 'InteractionRequired', suggestions: [fromPcAddress(corrected.data)], message: reason }
    : { status: 'None', suggestions: [], message: reason };
}

// ---- the client ----

interface PcRequest<T> {
  operation: string;
  method: HttpMethods;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Reuse a stored MS-RequestId (create customer after a crash); otherwise a new one per logical call. */
  msRequestId?: string;
  /** Statuses that are an answer rather than a failure. */
  accept: number[];
  schema?: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** Extra headers (continuation token). */
  headers?: Record<string, string>;
  pipeline?: Pipeline;
  /** Names the thing in an error sentence. */
  subject?: string;
}

interface PcResponse<T> {
  status: number;
  body: T | undefined;
}

export class PartnerCenterClient implements PartnerCenter {
  readonly canConfirmCustomerAgreement: boolean;
  private readonly endpoint: ServiceEndpoint;
  /** Checkout must never be re-sent after an ambiguous failure: this pipeline retries throttling only. */
  private readonly throttlingOnlyPipeline: Pipeline;
  private readonly delegatedPipeline?: Pipeline;

  constructor(private readonly options: PartnerCenterClientOptions) {
    const scope = options.scope ?? scopeFor(options.endpoint);
    const retry = options.retry ?? {};
    // One gate for every Partner Center call of this process: a 429 slows everyone down, not one run.
    const gate = createThrottleGate();
    this.endpoint = {
      service: SERVICE,
      pipeline: createServicePipeline(options.credential, scope, retry, 'all', gate),
      httpClient: options.httpClient ?? createDefaultHttpClient(),
      timeoutInMs: options.timeoutInMs,
      report: options.report,
      logger: options.logger,
      errorCode: (body) => {
        const error = errorBodySchema.safeParse(body);
        return error.success && error.data.code !== undefined ? String(error.data.code) : undefined;
      },
    };
    this.throttlingOnlyPipeline = createServicePipeline(options.credential, scope, retry, 'throttling', gate);
    if (options.delegatedCredential) {
      this.delegatedPipeline = createServicePipeline(options.delegatedCredential, delegatedScopeFor(scope), retry, 'all', gate);
    }
    this.canConfirmCustomerAgreement = Boolean(this.delegatedPipeline);
  }

  agreementPageLink(customerTenantId: Guid): string | undefined {
    return this.options.agreementPage?.(customerTenantId);
  }

  async isDomainAvailable(domain: string, options?: CallOptions): Promise<boolean> {
    const { status } = await this.send(
      { operation: 'isDomainAvailable', method: 'HEAD', path: `/v1/domains/${encodeURIComponent(domain)}`, accept: [200, 404], subject: domain },
      options,
    );
    // 200 = somebody has it (not necessarily our customer); 404 = free.
    return status === 404;
  }

  async findCustomerByDomain(domain: string, options?: CallOptions): Promise<CustomerSummary | undefined> {
    const wanted = domain.trim().toLowerCase();
    // starts_with also matches contoso2…: compare the whole domain ourselves (docs/reference/partner-center.md §PC-2).
    for await (const customer of this.customerSearch('Domain', wanted, 'findCustomerByDomain', options)) {
      if (customer.companyProfile.domain.toLowerCase() === wanted) return toSummary(customer);
    }
    return undefined;
  }

  async searchCustomers(
    query: { field: 'CompanyName' | 'Domain'; prefix: string },
    options?: CallOptions & { limit?: number },
  ): Promise<CustomerSummary[]> {
    const limit = Math.max(1, Math.floor(options?.limit ?? DEFAULT_SEARCH_LIMIT));
    const found: CustomerSummary[] = [];
    // Leaving the loop at the limit stops the paging: no page after it is asked for.
    for await (const customer of this.customerSearch(query.field, query.prefix.trim(), 'searchCustomers', options, Math.min(limit, CUSTOMER_PAGE_SIZE))) {
      found.push(toSummary(customer));
      if (found.length >= limit) break;
    }
    return found;
  }

  async listCustomers(options?: CallOptions): Promise<CustomerSummary[]> {
    const customers = await this.collect(
      {
        operation: 'listCustomers',
        method: 'GET',
        path: '/v1/customers',
        query: { size: String(CUSTOMER_PAGE_SIZE) },
        accept: [200],
        schema: collectionOf(customerSchema),
        subject: 'the customer list',
      },
      options,
    );
    return customers.map(toSummary);
  }

  async getCustomer(customerTenantId: Guid, options?: CallOptions): Promise<CustomerSummary | undefined> {
    const { status, body } = await this.send(
      {
        operation: 'getCustomer',
        method: 'GET',
        path: `/v1/customers/${customerTenantId}`,
        accept: [200, 404],
        schema: customerSchema,
        subject: `customer ${customerTenantId}`,
      },
      options,
    );
    return status === 404 || !body ? undefined : toSummary(body);
  }

  async createCustomer(customer: NewCustomer, msRequestId: string, options?: CallOptions): Promise<CreatedCustomer> {
    const { body } = await this.send<PcCustomer>(
      {
        operation: 'createCustomer',
        method: 'POST',
        path: '/v1/customers',
        body: newCustomerBody(customer),
        msRequestId,
        // The docs say 201; the swagger says 200.
        accept: [200, 201],
        schema: customerSchema,
        subject: customer.domain,
      },
      options,
    ).catch((error: unknown) => {
      // A taken domain has no documented code; a conflict on create can only be that.
      if (error instanceof DomainError && error.statusCode === 409 && !isKnownPartnerCenterCode(error.code)) {
        throw toDomainError({ service: SERVICE, operation: 'createCustomer', code: 'DomainInUse', subject: customer.domain, statusCode: 409, requestId: error.requestId, correlationId: error.correlationId }, error);
      }
      throw error;
    });
    const created = required(body, 'createCustomer');
    const summary = toSummary(created);
    return created.userCredentials
      ? { ...summary, adminCredentials: { userName: created.userCredentials.userName, password: created.userCredentials.password } }
      : summary;
  }

  async hasCustomerAgreement(customerTenantId: Guid, options?: CallOptions): Promise<boolean> {
    // App+User only (docs/reference/partner-center.md §PC-5): the real service refuses an app-only
    // token, so without a delegated credential there is nothing to ask.
    const delegated = this.delegatedPipeline;
    if (!delegated) {
      throw toDomainError({ service: SERVICE, operation: 'hasCustomerAgreement', code: 'CustomerAgreementNeedsOperator' });
    }
    const { body } = await this.send(
      {
        operation: 'hasCustomerAgreement',
        method: 'GET',
        path: `/v1/customers/${customerTenantId}/agreements`,
        query: { agreementType: MCA },
        accept: [200],
        schema: collectionOf(z.object({ type: z.string().optional(), agreementType: z.string().optional() }).passthrough()),
        pipeline: delegated,
        subject: `customer ${customerTenantId}`,
      },
      options,
    );
    return (body?.items.length ?? 0) > 0;
  }

  async confirmCustomerAgreement(customerTenantId: Guid, acceptance: AgreementAcceptance, options?: CallOptions): Promise<void> {
    const contact = acceptance.acceptedBy;
    const delegated = this.delegatedPipeline;
    if (!delegated) {
      throw toDomainError({ service: SERVICE, operation: 'confirmCustomerAgreement', code: 'CustomerAgreementNeedsOperator' });
    }
    const templates = await this.send(
      {
        operation: 'customerAgreementTemplate',
        method: 'GET',
        path: '/v1/agreements',
        query: { agreementType: MCA },
        accept: [200],
        schema: collectionOf(agreementTemplateSchema),
        pipeline: delegated,
      },
      options,
    );
    const templateId = templates.body?.items[0]?.templateId;
    if (!templateId) throw unexpectedResponse({ service: SERVICE, operation: 'customerAgreementTemplate' }, 'no agreement template');
    try {
      await this.send(
        {
          operation: 'confirmCustomerAgreement',
          method: 'POST',
          path: `/v1/customers/${customerTenantId}/agreements`,
          body: {
            primaryContact: {
              firstName: contact.firstName,
              lastName: contact.lastName,
              email: contact.email,
              ...(contact.phoneNumber ? { phoneNumber: contact.phoneNumber } : {}),
            },
            templateId,
            // The day the customer accepted, as attested: not the moment of this call.
            dateAgreed: dateAgreedOf(acceptance.dateAccepted),
            type: MCA,
          },
          accept: [200, 201],
          pipeline: delegated,
          subject: `customer ${customerTenantId}`,
        },
        options,
      );
    } catch (error) {
      // 600061: a partner-confirmed agreement already exists — what we wanted.
      if (error instanceof DomainError && error.code === '600061') return;
      throw error;
    }
  }

  /**
   * PC-11 `POST /v1/validations/address`. Today's answer is 200 with a status and suggestions; the
   * older one (before June 2021) was 200 with no body for a valid address and 400 `2007` with a
   * corrected address in the description's JSON: both are read.
   */
  async validateAddress(address: BillingAddress, options?: CallOptions): Promise<AddressValidation> {
    const { status, body } = await this.send(
      {
        operation: 'validateAddress',
        method: 'POST',
        path: '/v1/validations/address',
        body: addressBody(address),
        accept: [200, 400],
        schema: addressValidationSchema,
        subject: 'the address',
      },
      options,
    );
    if (status === 200) {
      if (!body?.status) return { status: 'Verified', suggestions: [] };
      return { status: body.status, suggestions: body.suggestedAddresses.map(fromPcAddress), message: body.validationMessage };
    }
    const legacy = legacyAddressError(body);
    if (!legacy) {
      throw toDomainError({ service: SERVICE, operation: 'validateAddress', statusCode: status, code: body?.code !== undefined ? String(body.code) : undefined, subject: 'the address' });
    }
    return legacy;
  }

  /**
   * The Azure plan's catalog item as offered to this customer: the customer-scoped availabilities
   * first (no country: Partner Center knows the customer's); if those hold no catalog item (the docs
   * page shows a bare SKU there), the partner-scoped list for the country of the customer's billing
   * profile. Never a fixed country (docs/reference/partner-center.md §PC-6).
   */
  async azurePlanCatalogItemId(customerTenantId: Guid, options?: CallOptions): Promise<string> {
    const { body } = await this.send(
      {
        operation: 'azurePlanAvailability',
        method: 'GET',
        path: `/v1/customers/${customerTenantId}/products/${AZURE_PLAN_PRODUCT_ID}/skus/${AZURE_PLAN_SKU_ID}/availabilities`,
        accept: [200],
        schema: availabilitiesSchema,
        subject: `customer ${customerTenantId}`,
      },
      options,
    );
    const offered = catalogItemOf(body?.items);
    if (offered) return offered;
    const country = await this.billingCountry(customerTenantId, options);
    const { body: byCountry } = await this.send(
      {
        operation: 'azurePlanAvailability',
        method: 'GET',
        path: `/v1/products/${AZURE_PLAN_PRODUCT_ID}/skus/${AZURE_PLAN_SKU_ID}/availabilities`,
        query: { country },
        accept: [200],
        schema: availabilitiesSchema,
        // The partner-level catalog: a 404 is about the offer, not the customer.
        subject: `the Azure plan offer for ${country}`,
      },
      options,
    );
    const catalogItemId = catalogItemOf(byCountry?.items);
    if (!catalogItemId) {
      throw toDomainError({ service: SERVICE, operation: 'azurePlanAvailability', code: 'AzurePlanNotAvailable', subject: country });
    }
    return catalogItemId;
  }

  /** The country of the customer's billing profile (its default address), upper-case ISO alpha-2. */
  private async billingCountry(customerTenantId: Guid, options?: CallOptions): Promise<string> {
    const { body } = await this.send(
      {
        operation: 'getCustomer',
        method: 'GET',
        path: `/v1/customers/${customerTenantId}`,
        accept: [200],
        schema: customerSchema,
        subject: `customer ${customerTenantId}`,
      },
      options,
    );
    const country = body?.billingProfile?.defaultAddress?.country;
    if (!country) {
      throw toDomainError({ service: SERVICE, operation: 'azurePlanAvailability', code: 'AzurePlanNotAvailable', subject: `customer ${customerTenantId} (no billing country)` });
    }
    return country.toUpperCase();
  }

  async createCart(customerTenantId: Guid, catalogItemId: string, options?: CallOptions): Promise<{ cartId: string }> {
    const { body } = await this.send(
      {
        operation: 'createCart',
        method: 'POST',
        path: `/v1/customers/${customerTenantId}/carts`,
        body: {
          lineItems: [{ id: 0, catalogItemId, quantity: 1, billingCycle: 'one_time', friendlyName: 'Azure plan' }],
        },
        accept: [200, 201],
        schema: cartSchema,
        subject: `customer ${customerTenantId}`,
      },
      options,
    );
    return { cartId: required(body, 'createCart').id };
  }

  async getCart(customerTenantId: Guid, cartId: string, options?: CallOptions): Promise<PcCart | undefined> {
    const { status, body } = await this.send(
      {
        operation: 'getCart',
        method: 'GET',
        path: `/v1/customers/${customerTenantId}/carts/${encodeURIComponent(cartId)}`,
        accept: [200, 404],
        schema: cartSchema,
        subject: `cart ${cartId} of customer ${customerTenantId}`,
      },
      options,
    );
    return status === 404 || !body ? undefined : { id: body.id, status: body.status };
  }

  async checkoutCart(customerTenantId: Guid, cartId: string, options?: CallOptions): Promise<PcOrder> {
    let result: z.infer<typeof checkoutSchema> | undefined;
    try {
      ({ body: result } = await this.send(
        {
          operation: 'checkoutCart',
          method: 'POST',
          path: `/v1/customers/${customerTenantId}/carts/${encodeURIComponent(cartId)}/checkout`,
          accept: [200, 201],
          schema: checkoutSchema,
          pipeline: this.throttlingOnlyPipeline,
          // A 404 here is most often the cart: name it, not just the customer.
          subject: `cart ${cartId} of customer ${customerTenantId}`,
        },
        options,
      ));
    } catch (error) {
      if (!checkoutMayHaveHappened(error)) throw error;
      // Never re-post a checkout: find the order it made, if any (docs/reference/partner-center.md §PC-7).
      return this.findAzurePlanOrder(customerTenantId, error as DomainError, options);
    }
    const checkout = required(result, 'checkoutCart');
    const orderError = checkout.orderErrors[0];
    if (orderError) {
      throw toDomainError({ service: SERVICE, operation: 'checkoutCart', code: String(orderError.code), subject: `customer ${customerTenantId}` });
    }
    const order = checkout.orders[0];
    if (!order) throw unexpectedResponse({ service: SERVICE, operation: 'checkoutCart' }, 'no order and no order error');
    return toOrder(order);
  }

  async getOrder(customerTenantId: Guid, orderId: string, options?: CallOptions): Promise<PcOrder | undefined> {
    const { status, body } = await this.send(
      {
        operation: 'getOrder',
        method: 'GET',
        path: `/v1/customers/${customerTenantId}/orders/${encodeURIComponent(orderId)}`,
        accept: [200, 404],
        schema: orderSchema,
        subject: `order ${orderId}`,
      },
      options,
    );
    return status === 404 || !body ? undefined : toOrder(body);
  }

  async listOrders(customerTenantId: Guid, options?: CallOptions): Promise<PcOrder[]> {
    return (await this.orderBodies(customerTenantId, options)).map(toOrder);
  }

  async listSubscriptions(customerTenantId: Guid, options?: CallOptions): Promise<PcSubscription[]> {
    const items = await this.collect(
      {
        operation: 'listSubscriptions',
        method: 'GET',
        path: `/v1/customers/${customerTenantId}/subscriptions`,
        accept: [200],
        schema: collectionOf(subscriptionSchema),
        subject: `customer ${customerTenantId}`,
      },
      options,
    );
    return items.map((s) => ({
      id: s.id,
      offerId: s.offerId,
      friendlyName: s.friendlyName,
      status: s.status.toLowerCase(),
      orderId: s.orderId,
      isAzurePlan: isAzurePlanOffer(s.offerId),
    }));
  }

  async listAzureEntitlements(customerTenantId: Guid, pcSubscriptionId: string, options?: CallOptions): Promise<AzureEntitlement[]> {
    const items = await this.collect(
      {
        operation: 'listAzureEntitlements',
        method: 'GET',
        path: `/v1/customers/${customerTenantId}/subscriptions/${encodeURIComponent(pcSubscriptionId)}/azureEntitlements`,
        accept: [200],
        schema: collectionOf(entitlementSchema),
        subject: `subscription ${pcSubscriptionId}`,
      },
      options,
    );
    // items[].id is the Azure subscription GUID; items[].subscriptionId is the parent PC subscription.
    return items.map((e) => ({ azureSubscriptionId: e.id, friendlyName: e.friendlyName, status: e.status.toLowerCase() }));
  }

  // ---- helpers ----

  /** After an ambiguous checkout: the customer's Azure plan order (one per customer), or "look again later". */
  private async findAzurePlanOrder(customerTenantId: Guid, ambiguity: DomainError, options?: CallOptions): Promise<PcOrder> {
    const orders = await this.orderBodies(customerTenantId, options);
    const order = orders.find((o) => o.status !== 'cancelled' && o.lineItems.some((li) => isAzurePlanOffer(li.offerId)));
    if (order) return toOrder(order);
    // The order list can lag up to 15 minutes; the subscription may show first.
    const plan = (await this.listSubscriptions(customerTenantId, options)).find((s) => s.isAzurePlan && s.orderId);
    if (plan?.orderId) {
      const byId = await this.getOrder(customerTenantId, plan.orderId, options);
      if (byId) return byId;
    }
    throw toDomainError(
      {
        service: SERVICE,
        operation: 'checkoutCart',
        code: 'CheckoutOutcomeUnknown',
        statusCode: ambiguity.statusCode,
        correlationId: ambiguity.correlationId,
        requestId: ambiguity.requestId,
        subject: `customer ${customerTenantId}`,
      },
      ambiguity,
    );
  }

  private orderBodies(customerTenantId: Guid, options?: CallOptions): Promise<PcOrderBody[]> {
    return this.collect(
      {
        operation: 'listOrders',
        method: 'GET',
        path: `/v1/customers/${customerTenantId}/orders`,
        accept: [200],
        schema: collectionOf(orderSchema),
        subject: `customer ${customerTenantId}`,
      },
      options,
    );
  }

  private async *customerSearch(
    field: 'CompanyName' | 'Domain',
    prefix: string,
    operation: string,
    options?: CallOptions,
    pageSize = CUSTOMER_PAGE_SIZE,
  ): AsyncGenerator<PcCustomer> {
    const filter = JSON.stringify({ Field: field, Value: prefix, Operator: 'starts_with' });
    yield* this.pages(
      {
        operation,
        method: 'GET',
        path: '/v1/customers',
        query: { size: String(pageSize), filter },
        accept: [200],
        schema: collectionOf(customerSchema),
        subject: prefix,
      },
      options,
    );
  }

  private async collect<T>(request: PcRequest<CollectionBody<T>>, options?: CallOptions): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this.pages(request, options)) all.push(item);
    return all;
  }

  /**
   * Every page of a Partner Center collection (docs/reference/partner-center.md §PC-0): the request in `links.next` is sent
   * with its MS-ContinuationToken header; a bare `continuationToken` is replayed on the first request
   * with `seekOperation=Next`. A token that comes back unchanged, or more than MAX_PAGES pages, fails
   * the call instead of looping or stopping short.
   */
  private async *pages<T>(request: PcRequest<CollectionBody<T>>, options?: CallOptions): AsyncGenerator<T> {
    let next: PcRequest<CollectionBody<T>> | undefined = request;
    const seen = new Set<string>();
    for (let page = 0; next; page++) {
      if (page >= MAX_PAGES) {
        throw unexpectedResponse({ service: SERVICE, operation: request.operation }, `more than ${MAX_PAGES} pages`);
      }
      const response: PcResponse<CollectionBody<T>> = await this.send(next, options);
      yield* response.body?.items ?? [];
      next = nextPage(request, response.body);
      const token = next?.headers?.['MS-ContinuationToken'];
      if (token !== undefined) {
        if (seen.has(token)) throw unexpectedResponse({ service: SERVICE, operation: request.operation }, 'the same continuation token twice');
        seen.add(token);
      }
    }
  }

  private async send<T>(request: PcRequest<T>, options?: CallOptions): Promise<PcResponse<T>> {
    // One MS-RequestId per logical call (the same on every retry of the pipeline); a new MS-CorrelationId.
    const ids = { requestId: request.msRequestId ?? uuidv4(), correlationId: uuidv4() };
    const { status, body } = await callService(
      this.endpoint,
      {
        operation: request.operation,
        method: request.method,
        url: this.url(request.path, request.query),
        headers: { 'MS-RequestId': ids.requestId, 'MS-CorrelationId': ids.correlationId, 'X-Locale': 'en-US', ...request.headers },
        body: request.body,
        accept: request.accept,
        ids,
        pipeline: request.pipeline,
        subject: request.subject,
      },
      options,
    );
    if (!request.schema || status === 404 || body === undefined) {
      return { status, body: undefined };
    }
    const parsed = request.schema.safeParse(body);
    if (!parsed.success) {
      throw unexpectedResponse({ service: SERVICE, operation: request.operation, ...ids, statusCode: status }, parsed.error.issues[0]?.message ?? 'invalid body');
    }
    return { status, body: parsed.data };
  }

  private url(path: string, query?: Record<string, string>): string {
    const url = new URL(joinUrl(this.options.endpoint, path));
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    return url.toString();
  }
}

type CollectionBody<T> = { items: T[]; continuationToken?: string; links?: { next?: z.infer<typeof linkSchema> } };

/** The request for the page after `body`, or undefined on the last page. */
function nextPage<T>(first: PcRequest<CollectionBody<T>>, body: CollectionBody<T> | undefined): PcRequest<CollectionBody<T>> | undefined {
  const link = body?.links?.next;
  const token = link?.headers?.find((h) => h.key.toLowerCase() === 'ms-continuationtoken')?.value ?? body?.continuationToken;
  if (!token) return undefined;
  const headers = { ...first.headers, 'MS-ContinuationToken': token };
  if (!link) return { ...first, query: { ...first.query, seekOperation: 'Next' }, headers };
  // The link is relative to the versioned base (`/customers?size=100&seekOperation=Next`). Only its
  // path and query are used: the call stays on the configured endpoint with the bot's own headers.
  const uri = new URL(link.uri, 'https://partner-center.invalid');
  const path = /^\/v\d+\//i.test(uri.pathname) ? uri.pathname : `/v1${uri.pathname}`;
  return { ...first, path, query: Object.fromEntries(uri.searchParams), headers };
}

/** A failure after which the checkout may nonetheless have been processed: look before acting. */
function checkoutMayHaveHappened(error: unknown): boolean {
  if (!(error instanceof DomainError)) return false;
  // 800065: the cart was already checked out; 800064 / 800060: it is being processed.
  if (error.code === '800065' || error.code === '800064' || error.code === '800060') return true;
  if (error.code === 'timeout' || error.code === 'dropped') return true;
  return (error.statusCode ?? 0) >= 500;
}

export function isAzurePlanOffer(offerId: string | undefined): boolean {
  return (offerId ?? '').toUpperCase().startsWith(AZURE_PLAN_PRODUCT_ID);
}

/** `2026-11-30` → `2026-11-30T00:00:00.000Z`; a full timestamp is sent as given (in UTC). */
function dateAgreedOf(dateAccepted: string): string {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(dateAccepted) ? `${dateAccepted}T00:00:00.000Z` : dateAccepted;
  const time = Date.parse(day);
  if (Number.isNaN(time)) throw new DomainError({ code: 'InvalidAgreementDate', message: `The date the customer accepted the agreement (${dateAccepted}) is not a date.`, nextStep: 'Correct the date on the request.', transient: false });
  return new Date(time).toISOString();
}

/** `<resource>/.default` → `<resource>/user_impersonation` (the Secure Application Model's delegated scope). */
function delegatedScopeFor(appScope: string): string {
  return appScope.replace(/\/\.default$/, '/user_impersonation');
}

function required<T>(body: T | undefined, operation: string): T {
  if (body === undefined) throw unexpectedResponse({ service: SERVICE, operation }, 'empty body');
  return body;
}

function toSummary(customer: PcCustomer): CustomerSummary {
  return {
    customerTenantId: customer.id,
    companyName: customer.companyProfile.companyName ?? customer.billingProfile?.companyName ?? '',
    domain: customer.companyProfile.domain,
  };
}

function toOrder(order: PcOrderBody): PcOrder {
  return {
    id: order.id,
    status: order.status,
    subscriptionIds: order.lineItems.flatMap((li) => (li.subscriptionId ? [li.subscriptionId] : [])),
    isAzurePlan: order.lineItems.some((li) => isAzurePlanOffer(li.offerId)),
  };
}

function newCustomerBody(customer: NewCustomer): unknown {
  const { address, contact } = customer;
  return {
    companyProfile: {
      domain: customer.domain,
      ...(customer.organizationRegistrationNumber ? { organizationRegistrationNumber: customer.organizationRegistrationNumber } : {}),
    },
    billingProfile: {
      culture: customer.culture,
      email: contact.email,
      language: customer.language,
      companyName: customer.companyName,
      defaultAddress: {
        firstName: contact.firstName,
        lastName: contact.lastName,
        addressLine1: address.addressLine1,
        ...(address.addressLine2 ? { addressLine2: address.addressLine2 } : {}),
        city: address.city,
        ...(address.region ? { state: address.region } : {}),
        postalCode: address.postalCode,
        country: address.country,
        ...(contact.phoneNumber ? { phoneNumber: contact.phoneNumber } : {}),
      },
    },
  };
}
