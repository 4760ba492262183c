// The error table: every failure a cloud call can end in becomes a DomainError with a plain
// sentence, the next step, the service's own code and the correlation ids. The codes come from
// docs/reference/partner-center.md §PC-13, docs/reference/arm-and-azure-stack.md §AS-2 (and §R-1)
// and docs/reference/graph.md §G-0. Raw service messages stay out of the user's sentence: they can
// be long, vague, or echo request data.
import { DomainError } from '../onboarding/errors';

export type ServiceName = 'Partner Center' | 'Microsoft Graph' | 'Azure Resource Manager' | 'Microsoft Entra ID';

/** What went wrong on the wire, before it is put into words. */
export interface ServiceFailure {
  service: ServiceName;
  /** Our name of the call, e.g. `putMapping`. */
  operation: string;
  statusCode?: number;
  /** The service's error code (numbers from Partner Center become strings). */
  code?: string;
  /** No answer: the request timed out, the connection dropped, or the caller cancelled it. */
  network?: 'timeout' | 'dropped' | 'aborted';
  correlationId?: string;
  requestId?: string;
  /** Values the sentence may name: registration id, customer tenant id, subscription id, domain. */
  subject?: string;
  /**
   * The Azure Stack registration the call was about, when it was (a mapping's subject is its
   * subscription id): registration errors name this, never the subject.
   */
  registration?: { name: string; resourceGroup: string };
  /** The service's Retry-After, when it gave one (the run's backoff honours it). */
  retryAfterMs?: number;
}

interface Wording {
  message: string;
  nextStep: string;
  transient: boolean;
}

type Entry = (f: ServiceFailure) => Wording;

const REGISTRATION_APPROVAL_EMAIL = 'azstcsp@microsoft.com';
const about = (f: ServiceFailure, fallback: string) => f.subject ?? fallback;
/** ` <subject>` or nothing, to name the thing in a sentence when it is known. */
const named = (f: ServiceFailure) => (f.subject ? ` ${f.subject}` : '');
const REGISTRATION_IN_ID = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.AzureStack\/registrations\/([^/]+)$/i;
/**
 * ` <name> in resource group <rg>` for the registration the call was about (or whose resource id is
 * the subject), or nothing: a registration error never names a subscription as the registration.
 */
const registrationNamed = (f: ServiceFailure) => {
  const m = f.registration ? undefined : REGISTRATION_IN_ID.exec(f.subject ?? '');
  const registration = f.registration ?? (m ? { resourceGroup: m[1], name: m[2] } : undefined);
  return registration ? ` ${registration.name} in resource group ${registration.resourceGroup}` : '';
};

/** Azure Stack registration codes (docs/reference/arm-and-azure-stack.md §AS-2) and ARM/RBAC codes (§R-1). */
const ARM_CODES: Record<string, Entry> = {
  RegistrationNotFound: (f) => ({
    message: `The Azure Stack registration${registrationNamed(f)} was not found: the subscription, resource group or registration name is wrong.`,
    nextStep: 'Check the registration resource id in REGISTRATIONS against the Azure portal and correct it.',
    transient: false,
  }),
  BadCustomerSubscriptionId: (f) => ({
    message: `The customer subscription${named(f)} does not roll up to the same CSP as the registration subscription (or its id is not lower-case).`,
    nextStep: 'Use an Azure subscription the customer bought from this CSP, with its id in lower-case, and try again.',
    transient: false,
  }),
  InvalidCustomerSubscriptionId: (f) => ({
    message: `${about(f, 'The customer subscription id')} is not a valid Azure subscription.`,
    nextStep: 'Check the Azure subscription id (from Partner Center: the Azure plan entitlement, not the Partner Center subscription id).',
    transient: false,
  }),
  InvalidCSPSubscription: (f) => ({
    message: `The subscription${named(f)} is not a CSP subscription.`,
    nextStep: 'Check the subscription id for a typo; it must be an Azure subscription sold through this CSP in Partner Center.',
    transient: false,
  }),
  CustomerSubscriptionNotFound: (f) => ({
    message: `The customer subscription${named(f)} is not mapped on ${f.registration ? `the registration ${f.registration.name}` : 'this registration'}.`,
    nextStep: 'List the tenants of the registration to see which subscriptions are mapped.',
    transient: false,
  }),
  UnauthorizedCspRegistration: (f) => ({
    message: `The registration${registrationNamed(f)} is not approved for multi-tenant billing.`,
    nextStep: `Email ${REGISTRATION_APPROVAL_EMAIL} with the registration subscription id, resource group and registration name, and ask to enable multi-tenancy (1–2 business days); then retry.`,
    transient: false,
  }),
  CustomerSubscriptionsNotAllowed: (f) => ({
    message: `The registration${registrationNamed(f)} uses the Capacity or Development billing model, which cannot bill customer tenants (only PayAsYouUse can).`,
    nextStep: 'Choose a PayAsYouUse registration for this customer.',
    transient: false,
  }),
  MetadataResolverBadGatewayError: () => ({
    message: 'Azure could not reach a service it needs to check the subscription.',
    nextStep: 'Nothing to change: try again in a few minutes.',
    transient: true,
  }),
  AuthorizationFailed: (f) => ({
    message: `The bot's identity is not allowed to do this in Azure${f.subject ? ` (${f.subject})` : ''}.`,
    nextStep:
      'Give the bot\'s app registration Contributor on the registration\'s resource group (the "Azure Stack Registration Owner" role is not enough), or Owner / User Access Administrator for role assignments; then retry.',
    transient: false,
  }),
  RoleAssignmentExists: () => ({
    message: 'The role assignment already exists.',
    nextStep: 'Nothing to do.',
    transient: false,
  }),
  PrincipalNotFound: () => ({
    message: 'The new guest user is not visible to Azure yet (directory replication takes a few minutes).',
    nextStep: 'Nothing to change: try again in a few minutes.',
    transient: true,
  }),
  InvalidAuthenticationTokenTenant: () => ({
    message: "The bot's token is not for the tenant that owns this subscription.",
    nextStep: 'Check AZURE_TENANT_ID and that the bot has access to the customer tenant (GDAP or application consent).',
    transient: false,
  }),
  // Ours: refused before any call.
  RegistrationNotAllowed: (f) => ({
    message: `The bot may not change the registration${named(f)}.`,
    nextStep: 'Pick one of the configured registrations, or ask an administrator to add it to REGISTRATIONS.',
    transient: false,
  }),
  MappingNotConfirmed: (f) => ({
    message: `Azure accepted the mapping of ${about(f, 'the subscription')} but it could not be read back.`,
    nextStep: 'Try again in a few minutes; if it persists, check the registration in the Azure portal.',
    transient: true,
  }),
};

/** Partner Center codes (docs/reference/partner-center.md §PC-13). */
const PARTNER_CENTER_CODES: Record<string, Entry> = {
  '600061': () => ({
    message: 'A partner-confirmed customer agreement already exists for this customer.',
    nextStep: 'Nothing to do.',
    transient: false,
  }),
  '600049': () => ({
    message: "Partner Center needs the customer's organization registration number for this country.",
    nextStep: 'Add the organization registration number to the customer details and submit again.',
    transient: false,
  }),
  '600002': () => ({
    message: 'An organization registration number is not accepted for customers in this country.',
    nextStep: 'Remove the organization registration number from the customer details and submit again.',
    transient: false,
  }),
  '600050': () => ({
    message: 'The organization registration number is not in the format Partner Center expects.',
    nextStep: 'Correct the organization registration number and submit again.',
    transient: false,
  }),
  '600051': () => ({
    message: "Partner Center needs the contact's phone number for customers in this country.",
    nextStep: 'Add a phone number to the customer contact and submit again.',
    transient: false,
  }),
  '600006': () => ({
    message: 'Partner Center does not allow this action for the partner account.',
    nextStep: "Check the bot's Partner Center permissions (Admin agent) and that the account is not a sandbox with limits.",
    transient: false,
  }),
  '13605': () => ({
    message: 'The customer has not accepted the Microsoft Customer Agreement, so the Azure plan cannot be ordered.',
    nextStep: 'Confirm the customer agreement in Partner Center (or have the customer accept it), then continue.',
    transient: false,
  }),
  '800065': () => ({
    message: 'This cart was already checked out.',
    nextStep: "Look up the customer's orders: the order was placed.",
    transient: false,
  }),
  '800064': () => ({
    message: 'Partner Center is still processing this cart.',
    nextStep: 'Nothing to change: look again in a few minutes.',
    transient: true,
  }),
  '800060': () => ({
    message: "The customer's order is still in progress.",
    nextStep: 'Nothing to change: look again in a few minutes.',
    transient: true,
  }),
  '900116': () => ({
    message: 'The Partner Center sandbox account has reached its limit of Azure plans.',
    nextStep: 'Remove an unused Azure plan in the Partner Center sandbox, or use an existing subscription.',
    transient: false,
  }),
  '800002': () => ({
    message: 'Partner Center rejected the order as invalid input.',
    nextStep: 'Check the customer and the Azure plan offer for this country, then try again.',
    transient: false,
  }),
  '2030': () => ({
    message: 'The partner is not enrolled to sell in the customer’s country.',
    nextStep: 'Enrol the partner account for that country in Partner Center, or check the customer’s country.',
    transient: false,
  }),
  '400013': () => ({
    message: 'The Azure plan offer is not available for this customer or country.',
    nextStep: "Check the customer's country; the Azure plan must be sold there.",
    transient: false,
  }),
  // Ours.
  DomainInUse: (f) => ({
    message: `The domain${named(f)} is already taken in Microsoft Entra ID, by a customer this partner cannot see or by another organization.`,
    nextStep: 'Choose another <prefix>.onmicrosoft.com domain, or pick the existing customer if it is yours.',
    transient: false,
  }),
  CustomerAgreementNeedsOperator: () => ({
    message: 'The bot has no delegated Partner Center sign-in, so it cannot confirm the Microsoft Customer Agreement itself.',
    nextStep: 'An operator must confirm the customer agreement in Partner Center, then click Continue.',
    transient: false,
  }),
  CheckoutOutcomeUnknown: (f) => ({
    message: `The checkout of the Azure plan got no clear answer, and no order is visible for ${about(f, 'the customer')} yet.`,
    nextStep: 'Nothing to change: the bot looks again later (an order can take up to 15 minutes to appear). It never buys the plan twice.',
    transient: true,
  }),
  AzurePlanNotAvailable: (f) => ({
    message: `Partner Center offers no Azure plan for ${about(f, 'this country')}.`,
    nextStep: "Check the customer's country; the Azure plan must be sold there.",
    transient: false,
  }),
};

const GRAPH_CODES: Record<string, Entry> = {
  Authorization_RequestDenied: () => ({
    message: "The bot is not allowed to do this in the customer's directory.",
    nextStep:
      'Have the customer invite the guest and make it Owner themselves (use the instructions), or grant the bot User.Invite.All in the customer tenant.',
    transient: false,
  }),
};

function byStatus(f: ServiceFailure): Wording {
  const s = f.statusCode ?? 0;
  const service = f.service;
  if (s === 401) {
    return {
      message: `${service} did not accept the bot's sign-in.`,
      nextStep: 'Check AZURE_TENANT_ID, AZURE_CLIENT_ID and the client secret or certificate (it may have expired).',
      transient: false,
    };
  }
  if (s === 403) {
    return {
      message: `${service} refused: the bot's identity lacks the permission for this.`,
      nextStep: "Grant the bot's app registration the needed role or permission, then retry.",
      transient: false,
    };
  }
  if (s === 404) {
    return {
      message: `${service} did not find ${f.subject ?? 'what was asked for'}.`,
      nextStep: 'Check the id and try again.',
      transient: false,
    };
  }
  if (s === 409) {
    return {
      message: `${service} reported a conflict with another change in progress.`,
      nextStep: 'Nothing to change: try again in a few minutes.',
      transient: true,
    };
  }
  if (s === 429) {
    return {
      message: `${service} is throttling the bot's requests.`,
      nextStep: 'Nothing to change: the bot tries again later.',
      transient: true,
    };
  }
  if (s >= 500) {
    return {
      message: `${service} had a temporary problem.`,
      nextStep: 'Nothing to change: try again in a few minutes.',
      transient: true,
    };
  }
  return {
    message: `${service} rejected the request${f.code ? ` (${f.code})` : ''}.`,
    nextStep: 'Check the request details; if they are right, contact support with the correlation id.',
    transient: false,
  };
}

function byNetwork(f: ServiceFailure): Wording {
  if (f.network === 'aborted') {
    return { message: `The call to ${f.service} was cancelled.`, nextStep: 'Try again.', transient: true };
  }
  const what = f.network === 'timeout' ? 'did not answer in time' : 'dropped the connection';
  return {
    message: `${f.service} ${what}.`,
    nextStep: 'Nothing to change: the bot tries again later without repeating anything already done.',
    transient: true,
  };
}

function tableFor(service: ServiceName): Record<string, Entry> {
  if (service === 'Partner Center') return PARTNER_CENTER_CODES;
  if (service === 'Microsoft Graph') return GRAPH_CODES;
  return ARM_CODES;
}

/** Whether the Partner Center table has words for this code. */
export function isKnownPartnerCenterCode(code: string | undefined): boolean {
  return code !== undefined && code in PARTNER_CENTER_CODES;
}

/** Puts a failure into words. `cause` is kept for logs; never shown. */
export function toDomainError(f: ServiceFailure, cause?: unknown): DomainError {
  const entry = f.code !== undefined ? tableFor(f.service)[f.code] : undefined;
  const wording = f.network ? byNetwork(f) : entry ? entry(f) : byStatus(f);
  return new DomainError(
    {
      ...wording,
      code: f.code ?? (f.network ? f.network : undefined),
      statusCode: f.statusCode,
      correlationId: f.correlationId,
      requestId: f.requestId,
    },
    { cause, retryAfterMs: f.retryAfterMs },
  );
}

/** A response that did not have the shape the API documents. */
export function unexpectedResponse(f: ServiceFailure, detail: string): DomainError {
  return new DomainError({
    message: `${f.service} answered ${f.operation} in an unexpected shape (${detail}).`,
    nextStep: 'Try again later; if it persists, contact support with the correlation id.',
    code: 'UnexpectedResponse',
    statusCode: f.statusCode,
    correlationId: f.correlationId,
    requestId: f.requestId,
    transient: false,
  });
}

/** How a thrown error (not an HTTP status) ended a call: timeout, dropped connection, cancel, sign-in. */
export function fromThrown(
  error: unknown,
  f: Omit<ServiceFailure, 'network'>,
  abortSignal?: AbortSignal,
): DomainError {
  if (error instanceof DomainError) return error;
  const name = (error as { name?: unknown })?.name;
  const code = (error as { code?: unknown })?.code;
  // The Graph client wraps what fetch threw into a GraphError whose code is the original name.
  const is = (...names: string[]) => names.includes(String(name)) || names.includes(String(code));
  if (is('AbortError')) {
    // The pipeline turns both a cancel and its own timeout into AbortError; only the caller's signal tells them apart.
    return toDomainError({ ...f, network: abortSignal?.aborted ? 'aborted' : 'timeout' }, error);
  }
  if (is('ETIMEDOUT', 'ESOCKETTIMEDOUT', 'TimeoutError')) {
    return toDomainError({ ...f, network: 'timeout' }, error);
  }
  if (is('AuthenticationError', 'CredentialUnavailableError', 'AuthenticationRequiredError')) {
    // @azure/identity's messages can quote the token endpoint's answer: keep them out of the sentence.
    return new DomainError(
      {
        message: `The bot could not sign in to use ${f.service}.`,
        nextStep: 'Check AZURE_TENANT_ID, AZURE_CLIENT_ID and the client secret or certificate (it may have expired), or the managed identity.',
        code: 'SignInFailed',
        statusCode: (error as { statusCode?: number }).statusCode,
        transient: false,
      },
      { cause: error },
    );
  }
  // Anything else thrown before a status came back (connection reset or refused, socket hang up,
  // fetch failed): no answer.
  return toDomainError({ ...f, network: 'dropped' }, error);
}
