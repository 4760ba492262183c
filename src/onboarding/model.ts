// The domain model: what a request (an onboarding, a re-map or a removal) is, once parsed.
// Parse at the edge into these types; inside the core, trust them.
import { z } from 'zod';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A lower-case GUID. Partner Center customer ids, tenant ids and Azure subscription ids are all GUIDs. */
export type Guid = Brand<string, 'Guid'>;
export const GUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const GUID_RE = new RegExp(GUID_PATTERN);
export const guidSchema = z
  .string()
  .trim()
  .regex(GUID_RE, 'must be a GUID like 3f15978e-005c-b763-bb78-2a8fab289c58')
  .transform((s) => s.toLowerCase() as Guid);
export function isGuid(value: unknown): value is Guid {
  return typeof value === 'string' && GUID_RE.test(value);
}
export function parseGuid(value: string): Guid {
  return guidSchema.parse(value);
}

/** Short human id of a request, e.g. ONB-7F3K (onboard), MAP-…, DEL-…, BAT-… (a bulk onboarding). */
export type RequestId = Brand<string, 'RequestId'>;
export const REQUEST_ID_PATTERN = '^(ONB|MAP|DEL|OFF|BAT)-[0-9A-HJ-NP-Z]{4,8}$';
export const requestIdSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(new RegExp(REQUEST_ID_PATTERN), 'must be a request id like ONB-7F3K')
  .transform((s) => s as RequestId);

/** An Azure Stack Hub registration resource in global Azure (the one in REGISTRATIONS). */
export interface RegistrationRef {
  subscriptionId: Guid;
  resourceGroup: string;
  name: string;
  /** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.AzureStack/registrations/{name}` */
  resourceId: string;
}

const REGISTRATION_ID_RE =
  /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([-\w._()]{1,90})\/providers\/Microsoft\.AzureStack\/registrations\/([-\w._]{1,90})$/i;

/** Parses a registration resource id; refuses anything that is not exactly that shape (no `..`, no extra segments). */
export function parseRegistrationId(resourceId: string): RegistrationRef {
  const m = REGISTRATION_ID_RE.exec(resourceId.trim());
  if (!m || !isGuid(m[1])) throw new Error(`Not an Azure Stack registration resource id: ${resourceId}`);
  const subscriptionId = m[1].toLowerCase() as Guid;
  return {
    subscriptionId,
    resourceGroup: m[2],
    name: m[3],
    resourceId: `/subscriptions/${subscriptionId}/resourceGroups/${m[2]}/providers/Microsoft.AzureStack/registrations/${m[3]}`,
  };
}

/** One customer subscription mapped to a tenant on a registration. */
export interface TenantMapping {
  registration: RegistrationRef;
  /** The customer's Azure subscription id (not the Partner Center subscription id). */
  azureSubscriptionId: Guid;
  customerTenantId: Guid;
  /** `{registration resourceId}/customerSubscriptions/{azureSubscriptionId}` */
  resourceId: string;
}

export type BillingModel = 'PayAsYouUse' | 'Capacity' | 'Development' | string;

export interface BillingAddress {
  country: string; // ISO 3166-1 alpha-2
  region?: string; // state / region
  city: string;
  postalCode: string;
  addressLine1: string;
  addressLine2?: string;
}

export interface PrimaryContact {
  firstName: string;
  lastName: string;
  email: string;
  phoneNumber?: string;
}

/**
 * The requester's attestation that the customer accepted the Microsoft Customer Agreement: the
 * customer's person who accepted it and the day they did (docs/reference/partner-center.md §PC-5).
 * The run confirms exactly this in Partner Center; it is not the billing contact and not "now".
 */
export interface AgreementAcceptance {
  acceptedBy: PrimaryContact;
  /** YYYY-MM-DD, the day the customer accepted (sent as midnight UTC). */
  dateAccepted: string;
}

export interface NewCustomer {
  kind: 'new';
  companyName: string;
  /** `<prefix>.onmicrosoft.com` */
  domain: string;
  address: BillingAddress;
  contact: PrimaryContact;
  culture: string; // e.g. en-US
  language: string; // e.g. en
  organizationRegistrationNumber?: string;
}

export interface ExistingCustomer {
  kind: 'existing';
  /** Partner Center customer id == the customer's Entra tenant id. */
  customerTenantId: Guid;
  companyName: string;
  domain: string;
}

export type CustomerChoice = NewCustomer | ExistingCustomer;

export type SubscriptionChoice = { kind: 'azure-plan' } | { kind: 'existing'; azureSubscriptionId: Guid };

export type CustomerAccess =
  | { kind: 'none' }
  | {
      kind: 'guest-owner';
      /** The customer admin who becomes a guest with Owner on the subscription. */
      email: string;
      displayName: string;
      /** `automatic`: the bot invites and assigns; `instructions`: written steps for the customer. */
      mode: 'automatic' | 'instructions';
    };

/**
 * The customer's Azure Stack Hub subscription, when the registration has a stamp (AZURESTACK_STAMPS):
 * the offer it comes from and who manages it. Absent: billing only (the mapping).
 */
export interface StampChoice {
  /** The registration whose stamp it is (its name in AZURESTACK_STAMPS). */
  registration: string;
  /** The offer's full resource id on the stamp, and its display name (for the cards). */
  offerId: string;
  offerName: string;
  /** `csp`: the CSP's dedicated account owns it; `customer`: the customer's admin owns it and the CSP's account is a guest Owner. */
  managedBy: 'csp' | 'customer';
  /** The subscription's (billing) owner: the CSP's account, or the customer admin's e-mail (their UPN). */
  owner: string;
  /** The customer admin's name (customer manages). */
  ownerName?: string;
  /** Customer manages: the bot invites the CSP's account and makes it Owner, or writes the steps for the customer's admin. */
  guestMode: 'automatic' | 'instructions';
  /** CSP_GUEST_ACCOUNT when the request was made. */
  cspAccount: string;
}

export interface Person {
  /** Entra object id (activity.from.aadObjectId). */
  aadObjectId: Guid;
  /** Teams user id (29:…), for mentions and refresh.userIds. */
  teamsUserId: string;
  name: string;
}

export type RequestKind = 'onboard' | 'remap' | 'remove' | 'offboard' | 'bulk';

export type RequestStatus =
  | 'pending_approval'
  | 'rejected'
  | 'cancelled'
  | 'approved' // decided, run not started yet
  | 'running'
  | 'paused' // waiting for an operator (customer agreement)
  | 'failed' // permanent failure; approvers may Retry or Abandon
  | 'abandoned'
  | 'succeeded'
  | 'expired'; // nobody decided within APPROVAL_EXPIRE_HOURS; its requester may submit it again

export type StepName =
  | 'check-registration'
  | 'customer'
  | 'customer-agreement'
  | 'azure-plan'
  | 'azure-subscription'
  | 'customer-access'
  | 'map-tenant'
  | 'stamp-directory'
  | 'stamp-consent'
  | 'stamp-subscription'
  | 'stamp-access'
  | 'stamp-check'
  | 'remove-mapping'
  | 'offboard-mappings'
  | 'offboard-owner'
  | 'offboard-subscriptions'
  | 'offboard-directory'
  | 'post-result'
  | 'bulk-rows'
  | 'bulk-result';

export type StepStatus = 'waiting' | 'running' | 'done' | 'skipped' | 'failed';

export interface StepState {
  name: StepName;
  status: StepStatus;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
  /** When the step first waited on a service (an order, a subscription); a failure clears it, so Retry waits afresh. */
  pollingSince?: string;
  /** Plain words for the checklist, e.g. "Order 1f3… completed". Never a secret. */
  detail?: string;
  error?: DomainErrorInfo;
}

/**
 * The step a paused run waits at: the first one neither done nor skipped. (`waiting` is also the
 * status of every step not reached yet, so the status alone does not say which step paused.)
 */
export function pausedStep(request: { status: string; steps: readonly StepState[] }): StepName | undefined {
  if (request.status !== 'paused') return undefined;
  return request.steps.find((s) => s.status !== 'done' && s.status !== 'skipped')?.name;
}

/** What a failure tells the user, plus what the audit trail keeps. */
export interface DomainErrorInfo {
  /** Plain sentence: what went wrong. */
  message: string;
  /** What to do next. */
  nextStep: string;
  /** The service's error code (e.g. UnauthorizedCspRegistration, 600061). */
  code?: string;
  statusCode?: number;
  /** MS-CorrelationId / x-ms-correlation-request-id / request-id, for support. */
  correlationId?: string;
  requestId?: string;
  transient: boolean;
}

/** One approver's Approve while a request needs more than one (the two-person rule). */
export interface ApprovalVote {
  by: Person;
  at: string;
}

export interface ApprovalDecision {
  outcome: 'approved' | 'rejected';
  by: Person;
  at: string;
  reason?: string;
}

/** Where a request's cards live, so they can be updated in place. */
export interface CardRef {
  conversationId: string;
  activityId: string;
}

/** Results the run records step by step (each step first looks for its own earlier result). */
export interface RunResults {
  customerTenantId?: Guid;
  /** MS-RequestId stored before create-customer is called, reused on retry. */
  createCustomerRequestId?: string;
  agreementConfirmed?: boolean;
  cartId?: string;
  orderId?: string;
  /** Partner Center subscription id of the Azure plan. */
  pcSubscriptionId?: string;
  azureSubscriptionId?: Guid;
  guestObjectId?: Guid;
  roleAssignmentId?: string;
  mappingResourceId?: string;
  /** For a removal: whether the DELETE removed the mapping or found it already gone. */
  mappingRemoval?: 'deleted' | 'already-gone';
  resultPostedActivityId?: string;
  /** When the checkout POST was about to be sent; from then on the order is looked up, never re-posted blindly. */
  checkoutSubmittedAt?: string;
  /**
   * When the same cart was checked out a second time because, after a checkout with no clear answer
   * and no order, Partner Center still showed the cart `Active` (never processed). Done at most once.
   */
  checkoutResentAt?: string;
  /** Who confirmed the customer agreement when the run paused for it (an approver's Continue click). */
  agreementContinuedBy?: string;
  /** Written guest/Owner instructions when access mode is `instructions` (no secrets). */
  accessInstructions?: string;
  /** The customer's directory is registered on the stamp (directory tenant). */
  stampDirectoryOnboarded?: boolean;
  /** The instructions the consent pause showed (the command with this stamp and directory). */
  stampConsentInstructions?: string;
  /** The simulated cloud's consent page for the customer's admin (never set in a real cloud). */
  stampConsentPageLink?: string;
  /** Who clicked "The customer has consented" (Entra object id). */
  stampConsentContinuedBy?: string;
  /** The stamp reports the customer's directory healthy (its admin registered the stamp's applications). */
  stampConsented?: boolean;
  /** The user subscription's id, chosen and stored before the create, so a retry finds its own. */
  stampSubscriptionId?: Guid;
  /** The CSP's account as a guest in the customer's directory. */
  stampGuestObjectId?: Guid;
  /** Owner for the CSP's guest on the stamp subscription (customer manages, automatic). */
  stampRoleAssignmentId?: string;
  /** Written steps for the customer's admin (customer manages, instructions). */
  stampAccessInstructions?: string;
  /** The subscription in the stamp's user portal (set by the check). */
  stampPortalLink?: string;
  /** Offboarding: what each step did, and what is left afterwards (plain words, for the result). */
  offboardDone?: string[];
  offboardLeft?: string[];
  /** A bulk onboarding: each row's onboarding request (its id is recorded before it is created) and where it stands. */
  bulkRows?: BulkRowState[];
}

/** Where one row of a bulk onboarding stands, as the batch last saw its onboarding request. */
export interface BulkRowState {
  /** The row's line in the pasted list (the header is line 1). */
  line: number;
  /** The row's onboarding request, recorded before it is created. */
  requestId: RequestId;
  status: RequestStatus | 'not-started';
  /** The row's failure (or the last one of an abandoned row), in plain words. */
  error?: string;
}

/** What every request has, whatever it asks for: who asked where, the decision, its cards and its run. */
export interface RequestBase {
  id: RequestId;
  status: RequestStatus;
  /** Teams tenant the request was made in; approvals must come from the same tenant. */
  teamsTenantId: string;
  requester: Person;
  /** Conversation where the request was made (id only; the reference is in the conversation-reference store). */
  conversationId: string;
  decision?: ApprovalDecision;
  approvalCard?: CardRef;
  /** Further copies of the approval card (one per approver's 1:1 chat when the request came from a 1:1 chat). */
  approvalCopies?: CardRef[];
  /** The approvals counted so far while more than one is required; absent on requests that needed one. */
  approvals?: ApprovalVote[];
  /** When the wait for approval began (absent: createdAt); a resubmitted expired request starts afresh. */
  waitingSince?: string;
  /** Reminders posted during the current wait (the sweep counts them so each is posted once). */
  remindersSent?: number;
  steps: StepState[];
  results: RunResults;
  createdAt: string;
  updatedAt: string;
  /**
   * The trace the run belongs to (a W3C traceparent: the Approve click's turn), stored when the run
   * first starts so every worker, after any restart, continues the same trace. Telemetry only.
   */
  traceContext?: string;
}

/** Onboard a customer (new or existing): the Azure plan or subscription, guest access, the mapping. */
export interface OnboardingRequest extends RequestBase {
  kind: 'onboard';
  registration: RegistrationRef;
  customer: CustomerChoice;
  subscription: SubscriptionChoice;
  access: CustomerAccess;
  /** For a new Azure plan: who at the customer accepted the Microsoft Customer Agreement, and when (attested by the requester). */
  agreement?: AgreementAcceptance;
  /** The customer's Azure Stack Hub subscription; absent: billing only (no stamp for the registration). */
  stamp?: StampChoice;
  /** A row of a bulk onboarding: the batch approved it, and its Retry / Abandon live on the batch's cards. */
  batch?: BatchOrigin;
}

/** The bulk onboarding a row belongs to. */
export interface BatchOrigin {
  id: RequestId;
  /** The row's line in the pasted list (the header is line 1). */
  line: number;
  /** The batch's cards (approval card and copies): clicks on the row's buttons come from there. */
  cards: CardRef[];
}

/** One ready row of a bulk onboarding: an onboarding's plan and its line in the pasted list. */
export interface BulkRow {
  /** The header is line 1. */
  line: number;
  plan: Omit<OnboardingRequest, keyof RequestBase | 'batch'>;
}

/**
 * Onboard many customers at once (docs/bulk.md): one approval for every row; each row then runs as
 * an ordinary onboarding request, a few at a time.
 */
export interface BulkRequest extends RequestBase {
  kind: 'bulk';
  rows: BulkRow[];
  /** The rows of the list that were not ready when it was submitted (only the ready ones are run). */
  skippedRows: number;
}

/** Map an existing customer's Azure subscription to their tenant on the registration, overwriting what is there. */
export interface RemapRequest extends RequestBase {
  kind: 'remap';
  registration: RegistrationRef;
  /** The customer's Azure subscription the PUT maps. */
  azureSubscriptionId: Guid;
  /** The customer whose tenant the subscription will bill. */
  customer: ExistingCustomer;
  /** What the PUT overwrites, as the approver saw it; the run stops if either changed since. */
  previousMapping: {
    /** The tenant the subscription bills now (absent: the subscription is not mapped yet). */
    customerTenantId?: Guid;
    /** The customer's other subscription on the registration, which this one replaces (a tenant is mapped once). */
    azureSubscriptionId?: Guid;
  };
}

/** Delete one mapping from the registration: usage is billed to the registration's owner again. */
export interface RemovalRequest extends RequestBase {
  kind: 'remove';
  registration: RegistrationRef;
  /** The mapping the DELETE removes, as the approver saw it; the run stops if the subscription bills another tenant since. */
  mapping: { azureSubscriptionId: Guid; customerTenantId: Guid };
  /** The customer's name in Partner Center when the removal was requested; absent when the tenant is no customer any more. */
  customerName?: string;
}

/** What a customer has on one Azure Stack Hub stamp, as the approver saw it. */
export interface OffboardStampPieces {
  /** The stamp (= its registration's name). */
  registration: string;
  /** The customer's directory tenant on the stamp (its domain), when registered. */
  directory?: string;
  /** The customer's user subscriptions there that are not deleted. */
  subscriptionIds: Guid[];
  /** The CSP's account as a guest in the customer's directory, and the subscriptions it is Owner of. */
  guest?: { objectId: Guid; account: string; ownerOf: Guid[] };
}

/** Offboard a customer: every piece the onboarding made, in reverse (mapping, Owner, subscription, directory). */
export interface OffboardRequest extends RequestBase {
  kind: 'offboard';
  customer: { customerTenantId: Guid; companyName?: string; domain?: string };
  /** Every mapping of the tenant, as the approver saw them. */
  mappings: Array<{ registration: RegistrationRef; azureSubscriptionId: Guid }>;
  stamps: OffboardStampPieces[];
  /** The operator ticked it: unregister the directory on a stamp where its subscriptions hold no resources. */
  unregisterDirectory: boolean;
}

/** Any request the bot takes in, approves and runs. */
export type ServiceRequest = OnboardingRequest | RemapRequest | RemovalRequest | OffboardRequest | BulkRequest;

/** What a request asks for, before it is taken in (the intake adds the id, the origin, the status and the run). */
export type RequestPlan =
  | Omit<OnboardingRequest, keyof RequestBase>
  | Omit<RemapRequest, keyof RequestBase>
  | Omit<RemovalRequest, keyof RequestBase>
  | Omit<OffboardRequest, keyof RequestBase>
  | Omit<BulkRequest, keyof RequestBase>;
export type PlanOf<K extends RequestKind> = Extract<RequestPlan, { kind: K }>;

/** Who asks and where: the requester, the Teams tenant and the conversation (read from the activity at the edge). */
export interface RequestOrigin {
  requester: Person;
  teamsTenantId: string;
  conversationId: string;
}

/**
 * A stored request as the current model has it. Re-maps and removals stored before the request
 * became a union carried an onboarding's fields (a stand-in customer, `target`, no access); they
 * are read into the kind they always were. Anything else is returned as stored.
 */
export function upgradeStoredRequest(stored: ServiceRequest): ServiceRequest {
  const legacy = stored as ServiceRequest & LegacyChangeFields;
  if ((legacy.kind !== 'remap' && legacy.kind !== 'remove') || !legacy.target) return stored;
  const { target, customer, subscription: _subscription, access: _access, ...rest } = legacy;
  void _subscription;
  void _access;
  const { previousMapping, ...results } = legacy.results as RunResults & { previousMapping?: { azureSubscriptionId?: Guid } };
  if (legacy.kind === 'remap') {
    return {
      ...(rest as unknown as RemapRequest),
      kind: 'remap',
      azureSubscriptionId: target.azureSubscriptionId,
      customer: customer as ExistingCustomer,
      previousMapping: { customerTenantId: target.customerTenantId, azureSubscriptionId: previousMapping?.azureSubscriptionId },
      results,
    };
  }
  const tenant = target.customerTenantId ?? (customer?.kind === 'existing' ? customer.customerTenantId : undefined);
  const standIn = !customer?.domain && /^Tenant .* \(not a Partner Center customer any more\)$/.test(customer?.companyName ?? '');
  return {
    ...(rest as unknown as RemovalRequest),
    kind: 'remove',
    mapping: { azureSubscriptionId: target.azureSubscriptionId, customerTenantId: tenant as Guid },
    customerName: customer && !standIn ? customer.companyName : undefined,
    results,
  };
}

/** The fields every re-map and removal carried before the request became a union. */
interface LegacyChangeFields {
  target?: { azureSubscriptionId: Guid; customerTenantId?: Guid };
  customer?: CustomerChoice;
  subscription?: SubscriptionChoice;
  access?: CustomerAccess;
}

export interface AuditEntry {
  requestId: RequestId;
  at: string;
  /** Who: an Entra object id, or `bot` for the run itself. */
  actor: string;
  actorName?: string;
  /** e.g. submitted, approved, rejected, approval-refused, step-started, call, step-done, step-failed, retried, abandoned */
  action: string;
  detail: string;
  /** Raw codes and correlation ids for support; never secrets. */
  data?: Record<string, string | number | boolean | undefined>;
}
