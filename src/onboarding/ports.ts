// What the domain core needs from outside: the cloud (`src/services/` implements it against Partner
// Center, Microsoft Graph and ARM; every method throws DomainError (./errors) on failure; every call
// that waits takes an AbortSignal) and persistence (`src/store/` implements it on SQLite and Blob).
import type {
  AuditEntry,
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
  /** The Azure plan's catalog item id for the customer's country (looked up, never hard-coded). */
  azurePlanCatalogItemId(customerTenantId: Guid, country: string, options?: CallOptions): Promise<string>;
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

/** Everything cloud-facing, as the composition root builds it. */
export interface Cloud {
  /** `sandbox` when the simulated cloud is in use: nothing real is touched. */
  readonly name: string;
  readonly simulated: boolean;
  partnerCenter: PartnerCenter;
  directory: Directory;
  registrations: Registrations;
  roleAssignments: RoleAssignments;
  /** Calls made (with correlation ids) are reported here so the run can audit them. */
  onCall?: (call: CallRecord) => void;
}

/** Links the result message carries. */
export interface ResultLinks {
  /** Azure portal link to the customerSubscription resource on the registration (the right portal for the cloud). */
  portalLink: string;
  /** `{registration}/customerSubscriptions/{azureSubscriptionId}` */
  mappingResourceId: string;
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
  /** Posts a finished bulk onboarding's one summary (with its results CSV) in the approval thread; returns the posted activity id. */
  batchFinished?(request: BulkRequest, rows: BulkRowResult[]): Promise<string | undefined>;
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
