// What the domain core needs from outside: the cloud (`src/services/` implements it against Partner
// Center, Microsoft Graph and ARM; every method throws DomainError (./errors) on failure; every call
// that waits takes an AbortSignal) and persistence (`src/store/` implements it on SQLite and Blob).
import type {
  AuditEntry,
  BillingAddress,
  BillingModel,
  BulkRequest,
  CardRef,
  Guid,
  NewCustomer,
  ServiceRequest,
  AgreementAcceptance,
  RegistrationRef,
  RequestId,
  RequestStatus,
  StepName,
  TenantMapping,
} from './model';

export interface CallOptions {
  abortSignal?: AbortSignal;
}

/** Correlation ids of one logical call, for the audit trail. */
export interface CallRecord {
  operation: string;
  requestId?: string;
  correlationId?: string;
  statusCode?: number;
}

export interface CustomerSummary {
  /** Partner Center customer id == the customer's Entra tenant id. */
  customerTenantId: Guid;
  companyName: string;
  domain: string;
}

export interface CreatedCustomer extends CustomerSummary {
  /** The customer's first global admin, as Partner Center returns it. A secret: never log, never show in chat. */
  adminCredentials?: { userName: string; password: string };
}

export interface PcOrder {
  id: string;
  status: 'pending' | 'completed' | 'cancelled';
  /** Partner Center subscription ids created by the order's line items. */
  subscriptionIds: string[];
  /** True when a line item is the Azure plan (offer DZH318Z0BPS6…): only such an order can be the run's. */
  isAzurePlan: boolean;
}

export interface PcCart {
  id: string;
  /** `Active` until Partner Center processes a checkout of it, then `Ordered`. */
  status: 'Active' | 'Ordered' | string;
}

export interface PcSubscription {
  /** Partner Center subscription id. */
  id: string;
  offerId: string;
  friendlyName: string;
  status: 'active' | 'pending' | 'suspended' | 'deleted' | 'none' | string;
  orderId?: string;
  /** True for the Azure plan (offer DZH318Z0BPS6…). */
  isAzurePlan: boolean;
}

export interface AzureEntitlement {
  /** The Azure subscription GUID (what Azure Stack wants as customerSubscriptionId). */
  azureSubscriptionId: Guid;
  friendlyName: string;
  status: 'active' | string;
}

export interface PartnerCenter {
  /** HEAD /v1/domains/{domain}: true when nobody has the domain yet. */
  isDomainAvailable(domain: string, options?: CallOptions): Promise<boolean>;
  /** starts_with search, then exact (case-insensitive) domain match. */
  findCustomerByDomain(domain: string, options?: CallOptions): Promise<CustomerSummary | undefined>;
  /**
   * starts_with search on company name or domain, for the operator to pick from: pages are read until
   * `limit` matches are found (default 100), so at most `limit` come back. Ask for one more than you
   * show to know there are more.
   */
  searchCustomers(
    query: { field: 'CompanyName' | 'Domain'; prefix: string },
    options?: CallOptions & { limit?: number },
  ): Promise<CustomerSummary[]>;
  /** Every customer of the partner (every page of GET /v1/customers). */
  listCustomers(options?: CallOptions): Promise<CustomerSummary[]>;
  getCustomer(customerTenantId: Guid, options?: CallOptions): Promise<CustomerSummary | undefined>;
  /** POST /v1/customers with the given MS-RequestId (stored by the caller before the call, reused on retry). */
  createCustomer(customer: NewCustomer, msRequestId: string, options?: CallOptions): Promise<CreatedCustomer>;
  /**
   * Whether the Microsoft Customer Agreement is already confirmed for the customer. App+User only:
   * without a delegated credential it throws `CustomerAgreementNeedsOperator` and calls nothing.
   */
  hasCustomerAgreement(customerTenantId: Guid, options?: CallOptions): Promise<boolean>;
  /** True when a delegated Partner Center credential is configured, so the bot may confirm the agreement. */
  readonly canConfirmCustomerAgreement: boolean;
  /**
   * Confirms the agreement (600061 "already exists" counts as done). Only when canConfirmCustomerAgreement.
   * A refused delegated sign-in (expired or revoked refresh token) throws code `DelegatedSignInFailed`.
   */
  confirmCustomerAgreement(customerTenantId: Guid, acceptance: AgreementAcceptance, options?: CallOptions): Promise<void>;
  /** A page where an operator confirms the agreement by hand, when the cloud has one (the simulated Partner Center). */
  agreementPageLink?(customerTenantId: Guid): string | undefined;
  /**
   * Partner Center's opinion of an address (PC-11, read-only): its status word, its suggested
   * corrections and its message. What the bot makes of it is the rule in rules/addressValidation.ts.
   */
  validateAddress(address: BillingAddress, options?: CallOptions): Promise<AddressValidation>;
  /** The Azure plan's catalog item id as offered to the customer, in their own country (looked up, never hard-coded). */
  azurePlanCatalogItemId(customerTenantId: Guid, options?: CallOptions): Promise<string>;
  createCart(customerTenantId: Guid, catalogItemId: string, options?: CallOptions): Promise<{ cartId: string }>;
  /** GET …/carts/{cartId}; undefined when Partner Center does not know the cart. */
  getCart(customerTenantId: Guid, cartId: string, options?: CallOptions): Promise<PcCart | undefined>;
  /** POST …/checkout exactly once; orderErrors become DomainError. Never re-posted by the client. */
  checkoutCart(customerTenantId: Guid, cartId: string, options?: CallOptions): Promise<PcOrder>;
  getOrder(customerTenantId: Guid, orderId: string, options?: CallOptions): Promise<PcOrder | undefined>;
  listOrders(customerTenantId: Guid, options?: CallOptions): Promise<PcOrder[]>;
  listSubscriptions(customerTenantId: Guid, options?: CallOptions): Promise<PcSubscription[]>;
  listAzureEntitlements(customerTenantId: Guid, pcSubscriptionId: string, options?: CallOptions): Promise<AzureEntitlement[]>;
}

/** PC-11's answer: `status` as Partner Center words it (VerifiedShippable, Verified, InteractionRequired, StreetPartial, PremisesPartial, Multiple, None, NotValidated). */
export interface AddressValidation {
  status: string;
  suggestions: BillingAddress[];
  /** e.g. "Address field invalid for property: 'PostalCode'" (service text: escape where shown). */
  message?: string;
}

export interface DirectoryUser {
  objectId: Guid;
  mail: string;
  userType: 'Guest' | 'Member' | string;
  externalUserState?: string;
}

export interface Directory {
  /** In the customer's tenant. */
  findUserByMail(customerTenantId: Guid, email: string, options?: CallOptions): Promise<DirectoryUser | undefined>;
  /** In the customer's tenant: POST /invitations. */
  inviteGuest(
    customerTenantId: Guid,
    invitation: { email: string; displayName: string; redirectUrl: string; message?: string },
    options?: CallOptions,
  ): Promise<{ objectId: Guid; redeemUrl: string }>;
  /** In the partner's own tenant: is the user a member of the Entra group (transitively)? */
  isMemberOfGroup(userObjectId: Guid, groupId: Guid, options?: CallOptions): Promise<boolean>;
}

export interface RegistrationInfo {
  ref: RegistrationRef;
  billingModel: BillingModel;
  cloudId?: string;
  location?: string;
}

export interface Registrations {
  /** The registrations the bot may change (REGISTRATIONS); anything else is refused. */
  readonly allowed: readonly RegistrationRef[];
  getRegistration(ref: RegistrationRef, options?: CallOptions): Promise<RegistrationInfo>;
  /**
   * The configured registrations as Azure lists them (one list per registration subscription, every
   * page), with their billing models. A configured registration Azure does not list is left out.
   */
  listRegistrations(options?: CallOptions): Promise<RegistrationInfo[]>;
  /** Every page. An empty registration (no body) is an empty list. */
  listMappings(ref: RegistrationRef, options?: CallOptions): Promise<TenantMapping[]>;
  getMapping(ref: RegistrationRef, azureSubscriptionId: Guid, options?: CallOptions): Promise<TenantMapping | undefined>;
  /**
   * PUT (overwrites whatever is there), then confirm: a 200 with a body is the mapping; a 200/201
   * with no body is read back with one GET (MappingNotConfirmed when it is not there). No reads
   * before the PUT: whether the subscription or the tenant is already mapped is decided by the run
   * step (rules/tenantMapping), and a Capacity (or Development) registration is refused by Azure itself
   * (CustomerSubscriptionsNotAllowed) after the registration check step has refused it first.
   */
  putMapping(ref: RegistrationRef, azureSubscriptionId: Guid, customerTenantId: Guid, options?: CallOptions): Promise<TenantMapping>;
  deleteMapping(ref: RegistrationRef, azureSubscriptionId: Guid, options?: CallOptions): Promise<'deleted' | 'already-gone'>;
  /** Azure portal link to the resource, for the cloud in use. */
  portalLink(resourceId: string): string;
}

export interface RoleAssignments {
  /** Owner at /subscriptions/{id}, deterministic assignment name; RoleAssignmentExists counts as done. */
  ensureOwner(
    customerTenantId: Guid,
    azureSubscriptionId: Guid,
    principalObjectId: Guid,
    options?: CallOptions,
  ): Promise<{ roleAssignmentId: string; created: boolean }>;
}

// ---- Azure Stack Hub stamps (the operator's side: docs/reference/azure-stack-hub-operator.md) ----

/** What a stamp's /metadata/endpoints and its operator subscriptions say about it. */
export interface StampInfo {
  /** The registration the stamp reports to (its name in AZURESTACK_STAMPS). */
  registration: string;
  adminArm: string;
  /** The tenant (user) ARM: role assignments on user subscriptions. */
  tenantArm: string;
  /** The user portal (`https://portal.<region>.<fqdn>/`). */
  userPortal: string;
  /** Token audience of both ARMs; authority host. */
  audience: string;
  loginEndpoint: string;
  /** The operator's Default Provider Subscription and the stamp's region (directory tenants live in `system.<region>`). */
  providerSubscriptionId: Guid;
  region: string;
}

export interface StampOffer {
  /** The full resource id, what a user subscription's offerId holds. */
  id: string;
  name: string;
  displayName: string;
  description?: string;
  /** `Public` (users can see it), `Private` (operator only), `Decommissioned` (no new subscriptions). */
  state: 'Public' | 'Private' | 'Decommissioned' | string;
}

export interface StampDirectoryTenant {
  /** The directory's domain name (the resource's name). */
  domain: string;
  tenantId: Guid;
}

export interface StampSubscription {
  subscriptionId: Guid;
  displayName: string;
  /** The billing owner's UPN. */
  owner: string;
  offerId: string;
  tenantId?: Guid;
  state: 'Enabled' | 'Disabled' | 'Deleting' | 'Deleted' | string;
}

export interface NewStampSubscription {
  /** Chosen by the caller (stored before the call, so a retry finds its own). */
  subscriptionId: Guid;
  displayName: string;
  owner: string;
  offerId: string;
  tenantId: Guid;
}

/** One usage record of the provider usage API, per day. */
export interface StampUsageRecord {
  subscriptionId: Guid;
  /** The UTC day of `usageStartTime`, YYYY-MM-DD. */
  day: string;
  meterId: string;
  quantity: number;
}

export interface AzureStackStamps {
  /** Registration names that have a stamp (AZURESTACK_STAMPS), as configured. */
  readonly registrations: readonly string[];
  /** The CSP's dedicated account (CSP_GUEST_ACCOUNT): owner, or guest Owner, of the customers' stamp subscriptions. */
  readonly cspAccount: string;
  /** Whether the registration (its name, any case) has a stamp. */
  has(registrationName: string): boolean;
  /** Metadata, Default Provider Subscription and region; read once per stamp. */
  describe(registrationName: string, options?: CallOptions): Promise<StampInfo>;
  /** Every offer on the stamp (the caller filters `Public`). */
  listOffers(registrationName: string, options?: CallOptions): Promise<StampOffer[]>;
  getDirectoryTenant(registrationName: string, domain: string, options?: CallOptions): Promise<StampDirectoryTenant | undefined>;
  /** PUT (add or update; idempotent). */
  putDirectoryTenant(registrationName: string, domain: string, tenantId: Guid, options?: CallOptions): Promise<StampDirectoryTenant>;
  deleteDirectoryTenant(registrationName: string, domain: string, options?: CallOptions): Promise<'deleted' | 'already-gone'>;
  /** The directory's identity health: `Healthy` once its admin registered the stamp's applications. */
  directoryHealth(registrationName: string, tenantId: Guid, options?: CallOptions): Promise<'Healthy' | 'Unhealthy' | 'Unknown' | 'NotRegistered'>;
  getSubscription(registrationName: string, subscriptionId: Guid, options?: CallOptions): Promise<StampSubscription | undefined>;
  listSubscriptions(registrationName: string, options?: CallOptions): Promise<StampSubscription[]>;
  /** GET first: an existing subscription with this id is returned as is (`created: false`); else PUT. */
  createSubscription(registrationName: string, subscription: NewStampSubscription, options?: CallOptions): Promise<{ subscription: StampSubscription; created: boolean }>;
  /** GET, change the state, PUT the whole object back (there is no PATCH). Undefined when there is no such subscription. */
  setSubscriptionState(registrationName: string, subscriptionId: Guid, state: 'Enabled' | 'Disabled', options?: CallOptions): Promise<StampSubscription | undefined>;
  /** Owner at the user subscription on the stamp's tenant ARM (2015-07-01), with a token of the customer's directory. */
  ensureOwner(registrationName: string, customerTenantId: Guid, subscriptionId: Guid, principalObjectId: Guid, options?: CallOptions): Promise<{ roleAssignmentId: string; created: boolean }>;
  /** Whether the principal holds Owner there. */
  hasOwner(registrationName: string, customerTenantId: Guid, subscriptionId: Guid, principalObjectId: Guid, options?: CallOptions): Promise<boolean>;
  removeOwner(registrationName: string, customerTenantId: Guid, subscriptionId: Guid, principalObjectId: Guid, options?: CallOptions): Promise<'deleted' | 'already-gone'>;
  /** Resources in a user subscription (tenant ARM, a token of the customer's directory); undefined when it cannot be read. */
  resourceCount(registrationName: string, customerTenantId: Guid, subscriptionId: Guid, options?: CallOptions): Promise<number | undefined>;
  /** Daily usage of the last `days` complete UTC days (all subscribers, or one). */
  usage(registrationName: string, query: { days: number; subscriberId?: Guid }, options?: CallOptions): Promise<StampUsageRecord[]>;
  /** The subscription in the stamp's user portal, in the customer's directory. */
  userPortalLink(info: StampInfo, directoryDomain: string, subscriptionId: Guid): string;
  /** A page where the customer's consent is simulated (the simulated cloud only). */
  consentPageLink?(info: StampInfo, directoryDomain: string): string | undefined;
}

/** Everything cloud-facing, as the composition root builds it. */
export interface Cloud {
  /** `sandbox` when the simulated cloud is in use: nothing real is touched. */
  readonly name: string;
  readonly simulated: boolean;
  partnerCenter: PartnerCenter;
  directory: Directory;
  registrations: Registrations;
  roleAssignments: RoleAssignments;
  /** Azure Stack Hub stamps (AZURESTACK_STAMPS); absent when none is configured. */
  stamps?: AzureStackStamps;
  /** Calls made (with correlation ids) are reported here so the run can audit them. */
  onCall?: (call: CallRecord) => void;
  /**
   * Optional: starts, in the background, the sign-ins a run needs next, so their tokens are cached
   * when its calls come (issue 17): the partner tenant's app token for Partner Center, or with a
   * customer's tenant id its tokens for Graph and role assignments. A failure here is ignored: the
   * call that needs the token meets it and reports it. Resolves when the sign-ins are done; never rejects.
   */
  signInAhead?(customerTenantId?: Guid): Promise<void>;
}

/** Links the result message carries. */
export interface ResultLinks {
  /** Azure portal link to the customerSubscription resource on the registration (the right portal for the cloud). */
  portalLink: string;
  /** `{registration}/customerSubscriptions/{azureSubscriptionId}` */
  mappingResourceId: string;
  /** The customer's subscription in the Azure Stack Hub's user portal (onboarding with a stamp). */
  stampPortalLink?: string;
}

/** One row of a finished bulk onboarding, for its summary and results CSV. */
export interface BulkRowResult {
  line: number;
  requestId: RequestId;
  companyName: string;
  registrationName: string;
  customerTenantId?: string;
  azureSubscriptionId?: string;
  /** The row request's final status (succeeded or abandoned). */
  status: RequestStatus | 'not-started';
  /** Why an abandoned row stopped, in plain words. */
  error?: string;
}

/** Where an approval card went (undefined when no approver could be reached; the requester is told). */
export interface ApprovalPosting {
  card: CardRef;
  copies: CardRef[];
}

/**
 * How the core tells people about a request. Implemented at the edge (src/bot/runNotifier.ts) with
 * proactive sends and in-place updates; the core never sees Bot Framework types.
 */
export interface RunNotifier {
  /** Posts the approval card; returns where it went so the request can record it. */
  approvalRequested(request: ServiceRequest): Promise<ApprovalPosting | undefined>;
  /**
   * The request changed (decided, step progress, paused, failed, finished): update the shared card in
   * place. May coalesce; always renders the state it is given or a newer one.
   */
  requestChanged(request: ServiceRequest): Promise<void>;
  /** Posts the result in the approval thread, mentioning the requester; returns the posted activity id. */
  resultReady(request: ServiceRequest, links: ResultLinks): Promise<string | undefined>;
  /**
   * Posts a reply in the request's thread that @mentions whom it concerns: the requester when the run
   * failed, paused or the request expired; the approvers too when their click is needed (a failure's
   * Retry, a pause's Continue, a reminder, a resubmitted request). Never throws.
   */
  attentionNeeded?(request: ServiceRequest, reason: AttentionReason): Promise<void>;
  /** Posts a finished bulk onboarding's one summary (with its results CSV) in the approval thread; returns the posted activity id. */
  batchFinished?(request: BulkRequest, rows: BulkRowResult[]): Promise<string | undefined>;
}

/** Why a request's thread gets a reply that mentions people. */
export type AttentionReason = 'failed' | 'paused' | 'reminder' | 'expired' | 'resubmitted';
/**
 * What the durable run tells the bot's telemetry (src/telemetry/runTelemetry.ts; absent: nothing).
 * The core knows no tracing library: it hands over ids and names, and runs its work inside the
 * callbacks so the spans nest.
 */
export interface RunObserver {
  /** The trace the caller is in (the Approve click's turn), as a W3C traceparent, to store on the request. */
  traceContext(): string | undefined;
  /** One worker's attempt at a run, continuing the trace stored on the request (`request.traceContext`). */
  inRun<T>(request: ServiceRequest, work: () => Promise<T>): Promise<T>;
  /** One step of the run, from start to its outcome (`next`, `paused`, `failed` or `stopped`). */
  inStep(request: ServiceRequest, step: StepName, work: () => Promise<string>): Promise<string>;
  /** The run started (first time, not a resume), succeeded, failed or paused. */
  runChanged(request: ServiceRequest, event: 'started' | 'succeeded' | 'failed' | 'paused'): void;
}

// ---- Persistence ------------------------------------------------------------------------------

/** A stored value with the ETag that a compare-and-set must present. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** A compare-and-set lost: someone else wrote first (or the key already exists on create). */
export class ConcurrencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrencyError';
  }
}

export interface RequestStore {
  /** Creates the request; throws ConcurrencyError when the id is taken. */
  create(request: ServiceRequest): Promise<Versioned<ServiceRequest>>;
  get(id: RequestId): Promise<Versioned<ServiceRequest> | undefined>;
  /** Writes only when the stored ETag still equals `etag`; otherwise throws ConcurrencyError. */
  replace(request: ServiceRequest, etag: string): Promise<Versioned<ServiceRequest>>;
  /**
   * Optional: `replace`, and only when it wrote, append these audit entries, in one commit. A run
   * step's state and its trail entry then cost one disk flush, not two (issue 17). Without it,
   * callers replace, then append.
   */
  replaceAndAudit?(request: ServiceRequest, etag: string, entries: AuditEntry[]): Promise<Versioned<ServiceRequest>>;
  list(filter?: { status?: RequestStatus[] }): Promise<Versioned<ServiceRequest>[]>;
  /**
   * The ids of the requests stored with one of these statuses, in no set order, without reading them:
   * a cheap hint for a background sweep. A status can change right after, so read the request
   * (under its lease) before acting on it.
   */
  ids(filter: { status: RequestStatus[] }): Promise<RequestId[]>;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** Optional: these entries, in order, in one write. Without it, callers append them one by one. */
  appendAll?(entries: AuditEntry[]): Promise<void>;
  /** Oldest first. */
  list(requestId: RequestId): Promise<AuditEntry[]>;
}

/** A lease names one owner of a piece of work (a run) until it expires; the owner renews it (heartbeat). */
export interface LeaseStore {
  /** True when `owner` now holds the lease (it was free, expired, or already ours). */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** True when still held by `owner` and extended. */
  renew(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
  /**
   * When the lease as now stored runs out (ms since the epoch), or undefined when nobody holds it.
   * Lets a worker that was refused come back the moment the holder's lease expires (issue 17).
   */
  expiresAt?(name: string): Promise<number | undefined>;
}

/** Small JSON facts keyed by name, e.g. "registration X was refused as not approved for multi-tenancy on date D". */
export interface FactStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set<T = unknown>(key: string, value: T): Promise<void>;
}

/** What the core keeps: requests, their audit trails, leases and small facts. */
export interface CoreStore {
  readonly requests: RequestStore;
  readonly audit: AuditLog;
  readonly leases: LeaseStore;
  readonly facts: FactStore;
}
