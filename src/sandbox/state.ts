// Everything the simulated cloud remembers, as plain objects that tests can read and seed.
// Statuses that change with time (orders, subscriptions, entitlements) carry the instant at which
// they change; `advance()` applies every change that is due, so a read always sees the present.
import { randomBytes, randomUUID } from 'crypto';
import type { Stamp } from './stamp';

export interface SandboxDelays {
  /** From checkout until the order is `completed` (and the Azure plan subscription `active`). */
  orderCompleteMs: number;
  /** From order completion until the Azure entitlement (the Azure subscription) is `active`. */
  entitlementActiveMs: number;
  /** Added to every API response. */
  latencyMs: number;
}

export interface Address {
  firstName?: string;
  lastName?: string;
  addressLine1?: string;
  addressLine2?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  country: string;
  phoneNumber?: string;
}

export interface BillingProfile {
  id: string;
  email: string;
  culture: string;
  language: string;
  companyName: string;
  defaultAddress: Address;
}

export interface Customer {
  /** Partner Center customer id == the customer's Entra tenant id. */
  id: string;
  commerceId: string;
  companyName: string;
  domain: string;
  organizationRegistrationNumber?: string;
  billingProfile: BillingProfile;
  relationshipToPartner: string;
  /** The first global admin Partner Center created; returned once (and on an MS-RequestId replay). */
  adminCredentials: { userName: string; password: string };
  createdAt: string;
}

export interface Agreement {
  customerTenantId: string;
  templateId: string;
  type: string;
  dateAgreed: string;
  primaryContact: { firstName?: string; lastName?: string; email?: string; phoneNumber?: string };
  userId: string;
}

export interface CartLineItem {
  id: number;
  catalogItemId: string;
  quantity: number;
  billingCycle: string;
  friendlyName?: string;
  termDuration?: string;
  orderGroup: string;
}

export interface Cart {
  id: string;
  customerTenantId: string;
  status: 'Active' | 'Ordered';
  creationTimestamp: string;
  expirationTimestamp: string;
  lineItems: CartLineItem[];
  orderIds: string[];
}

export interface OrderLineItem {
  lineItemNumber: number;
  offerId: string;
  subscriptionId: string;
  friendlyName: string;
  quantity: number;
}

export interface Order {
  id: string;
  customerTenantId: string;
  billingCycle: string;
  lineItems: OrderLineItem[];
  status: 'pending' | 'completed' | 'cancelled';
  creationDate: string;
  /** ISO instant at which a pending order completes. */
  completesAt: string;
}

export interface PcSubscription {
  /** Partner Center subscription id. */
  id: string;
  customerTenantId: string;
  offerId: string;
  friendlyName: string;
  quantity: number;
  status: 'pending' | 'active' | 'suspended' | 'deleted';
  orderId: string;
  creationDate: string;
  activeAt: string;
}

export interface Entitlement {
  /** The Azure subscription GUID (lower case). */
  id: string;
  customerTenantId: string;
  /** The parent Partner Center (Azure plan) subscription. */
  pcSubscriptionId: string;
  friendlyName: string;
  status: 'pending' | 'active' | 'disabled' | 'deleted';
  /** Entitlements are invisible until the order completes. */
  visibleAt: string;
  activeAt: string;
}

export interface DirectoryUser {
  id: string;
  displayName: string;
  mail: string;
  userPrincipalName: string;
  userType: 'Member' | 'Guest';
  externalUserState?: 'PendingAcceptance' | 'Accepted';
}

export interface DirectoryGroup {
  id: string;
  displayName: string;
  /** User or group object ids (groups nest: checkMemberGroups is transitive). */
  members: string[];
}

export interface Invitation {
  id: string;
  invitedUserEmailAddress: string;
  invitedUserDisplayName: string | null;
  inviteRedirectUrl: string;
  sendInvitationMessage: boolean;
  invitedUserId: string;
  status: 'PendingAcceptance' | 'Completed';
}

export interface Directory {
  tenantId: string;
  users: Record<string, DirectoryUser>;
  groups: Record<string, DirectoryGroup>;
  invitations: Record<string, Invitation>;
}

export interface RoleAssignment {
  name: string;
  /** `/subscriptions/{id}` */
  scope: string;
  subscriptionId: string;
  principalId: string;
  principalType?: string;
  roleDefinitionId: string;
  createdOn: string;
}

export interface Registration {
  /** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.AzureStack/registrations/{name}` */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  billingModel: 'PayAsYouUse' | 'Capacity' | 'Development';
  approvedForMultiTenancy: boolean;
  /** Answer PUT customerSubscriptions with 201 and no body (what the Azure Stack docs describe). */
  emptyBodyOnPut?: boolean;
  /** customerSubscriptions page size (nextLink paging). */
  pageSize: number;
  cloudId: string;
  objectId: string;
  etag: string;
  location: string;
  /** Azure subscription id (lower case) → the customer tenant it bills. */
  customerSubscriptions: Record<string, { tenantId: string }>;
}

export interface SandboxCounts {
  customersCreated: number;
  agreementsCreated: number;
  cartsCreated: number;
  checkouts: number;
  ordersCreated: number;
  invitations: number;
  guestUsersCreated: number;
  roleAssignmentsCreated: number;
  mappingPuts: number;
  mappingDeletes: number;
}

export interface SandboxState {
  partnerTenantId: string;
  clientId: string;
  customers: Record<string, Customer>;
  /** MS-RequestId of a create-customer call → the customer it created (the documented idempotency). */
  customerCreateRequests: Record<string, string>;
  agreements: Agreement[];
  carts: Record<string, Cart>;
  orders: Record<string, Order>;
  pcSubscriptions: Record<string, PcSubscription>;
  entitlements: Record<string, Entitlement>;
  /** Entra directories by tenant id: the partner's and every customer's. */
  directories: Record<string, Directory>;
  roleAssignments: RoleAssignment[];
  /** By lower-cased resource id (`state.registrations[sandbox.registrations.payAsYouUse.toLowerCase()]`). */
  registrations: Record<string, Registration>;
  /** Azure Stack Hub stamps by lower-cased name (the registration each reports to): see stamp.ts. */
  stamps: Record<string, Stamp>;
  delays: SandboxDelays;
  counters: SandboxCounts;
  counts(): SandboxCounts;
  /** Applies every time-driven status change that is due. */
  advance(now?: number): void;
}

export const AZURE_PLAN_PRODUCT_ID = 'DZH318Z0BPS6';
export const AZURE_PLAN_SKU_ID = '0001';
/** The United States' availability id, as in the official examples. */
export const AZURE_PLAN_AVAILABILITY_ID = 'DZH318Z0BML6';
export const AZURE_PLAN_CATALOG_ITEM_ID = `${AZURE_PLAN_PRODUCT_ID}:${AZURE_PLAN_SKU_ID}:${AZURE_PLAN_AVAILABILITY_ID}`;

/**
 * The Azure plan's availability id in a country. Partner Center's ids "vary by country" (only the
 * US one is documented), so the others are made up: `DZH318Z0BM` and the country code.
 */
export function azurePlanAvailabilityId(country: string): string {
  const c = country.toUpperCase();
  return c === 'US' ? AZURE_PLAN_AVAILABILITY_ID : `DZH318Z0BM${c}`;
}

/** The catalog item a customer in `country` buys the Azure plan with (`product:sku:availability`). */
export function azurePlanCatalogItemId(country: string): string {
  return `${AZURE_PLAN_PRODUCT_ID}:${AZURE_PLAN_SKU_ID}:${azurePlanAvailabilityId(country)}`;
}
export const MCA_TEMPLATE_ID = '117a77b0-9360-443b-8795-c6dedc750cf9';
export const OWNER_ROLE_ID = '8e3af657-a8ff-443c-a75c-2fe8c4bcb635';

export const DEFAULT_DELAYS: SandboxDelays = { orderCompleteMs: 4000, entitlementActiveMs: 8000, latencyMs: 0 };

const iso = (ms: number) => new Date(ms).toISOString();
const due = (at: string, now: number) => Date.parse(at) <= now;

function zeroCounts(): SandboxCounts {
  return {
    customersCreated: 0,
    agreementsCreated: 0,
    cartsCreated: 0,
    checkouts: 0,
    ordersCreated: 0,
    invitations: 0,
    guestUsersCreated: 0,
    roleAssignmentsCreated: 0,
    mappingPuts: 0,
    mappingDeletes: 0,
  };
}

export function createState(partnerTenantId: string, clientId: string, delays: SandboxDelays): SandboxState {
  const state: SandboxState = {
    partnerTenantId,
    clientId,
    customers: {},
    customerCreateRequests: {},
    agreements: [],
    carts: {},
    orders: {},
    pcSubscriptions: {},
    entitlements: {},
    directories: {},
    roleAssignments: [],
    registrations: {},
    stamps: {},
    delays,
    counters: zeroCounts(),
    counts: () => ({ ...state.counters }),
    advance: (now = Date.now()) => advance(state, now),
  };
  ensureDirectory(state, partnerTenantId);
  return state;
}

function advance(state: SandboxState, now: number): void {
  for (const order of Object.values(state.orders)) {
    if (order.status === 'pending' && due(order.completesAt, now)) order.status = 'completed';
  }
  for (const sub of Object.values(state.pcSubscriptions)) {
    if (sub.status === 'pending' && due(sub.activeAt, now)) sub.status = 'active';
  }
  for (const ent of Object.values(state.entitlements)) {
    if (ent.status === 'pending' && due(ent.activeAt, now)) ent.status = 'active';
  }
}

export function ensureDirectory(state: SandboxState, tenantId: string): Directory {
  const key = tenantId.toLowerCase();
  state.directories[key] ??= { tenantId: key, users: {}, groups: {}, invitations: {} };
  return state.directories[key];
}

export function newGuid(): string {
  return randomUUID();
}

/** A password that looks like Partner Center's generated ones (and is just as secret). */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!=;.#';
  return Array.from(randomBytes(14), (b) => alphabet[b % alphabet.length]).join('');
}

export interface NewCustomerInput {
  companyName: string;
  domain: string;
  email?: string;
  country?: string;
  culture?: string;
  language?: string;
  address?: Partial<Address>;
  organizationRegistrationNumber?: string;
  tenantId?: string;
}

export function addCustomer(state: SandboxState, input: NewCustomerInput, now = Date.now()): Customer {
  const id = (input.tenantId ?? newGuid()).toLowerCase();
  const customer: Customer = {
    id,
    commerceId: newGuid(),
    companyName: input.companyName,
    domain: input.domain,
    organizationRegistrationNumber: input.organizationRegistrationNumber,
    billingProfile: {
      id: newGuid(),
      email: input.email ?? `it@${input.domain}`,
      culture: input.culture ?? 'en-US',
      language: input.language ?? 'en',
      companyName: input.companyName,
      defaultAddress: {
        firstName: 'Alex',
        lastName: 'Admin',
        addressLine1: 'One Microsoft Way',
        city: 'Redmond',
        state: 'WA',
        postalCode: '98052',
        phoneNumber: '',
        ...input.address,
        country: input.address?.country ?? input.country ?? 'US',
      },
    },
    relationshipToPartner: 'reseller',
    adminCredentials: { userName: 'admin', password: generatePassword() },
    createdAt: iso(now),
  };
  state.customers[id] = customer;
  const directory = ensureDirectory(state, id);
  const adminId = newGuid();
  directory.users[adminId] = {
    id: adminId,
    displayName: 'Admin',
    mail: `admin@${input.domain}`,
    userPrincipalName: `admin@${input.domain}`,
    userType: 'Member',
  };
  return customer;
}

/** The Azure plan order for a customer: its PC subscription and its Azure subscription (entitlement). */
export function addAzurePlanOrder(state: SandboxState, customerTenantId: string, now = Date.now()): Order {
  return addAzurePlan(state, customerTenantId, now).order;
}

function addAzurePlan(state: SandboxState, customerTenantId: string, now: number): { order: Order; sub: PcSubscription; ent: Entitlement } {
  const { orderCompleteMs, entitlementActiveMs } = state.delays;
  const catalogItemId = azurePlanCatalogItemId(state.customers[customerTenantId]?.billingProfile.defaultAddress.country ?? 'US');
  const completesAt = iso(now + orderCompleteMs);
  const order: Order = {
    id: newGuid(),
    customerTenantId,
    billingCycle: 'one_time',
    lineItems: [],
    status: 'pending',
    creationDate: iso(now),
    completesAt,
  };
  const sub: PcSubscription = {
    id: newGuid(),
    customerTenantId,
    offerId: catalogItemId,
    friendlyName: 'Azure plan',
    quantity: 1,
    status: 'pending',
    orderId: order.id,
    creationDate: iso(now),
    activeAt: completesAt,
  };
  order.lineItems.push({
    lineItemNumber: 0,
    offerId: catalogItemId,
    subscriptionId: sub.id,
    friendlyName: 'Azure plan',
    quantity: 1,
  });
  const ent: Entitlement = {
    id: newGuid().toLowerCase(),
    customerTenantId,
    pcSubscriptionId: sub.id,
    friendlyName: 'Microsoft Azure',
    status: 'pending',
    visibleAt: completesAt,
    activeAt: iso(now + orderCompleteMs + entitlementActiveMs),
  };
  state.orders[order.id] = order;
  state.pcSubscriptions[sub.id] = sub;
  state.entitlements[ent.id] = ent;
  state.counters.ordersCreated += 1;
  return { order, sub, ent };
}

/** An Azure plan that was bought long ago: everything already active. */
export function addActiveAzurePlan(state: SandboxState, customerTenantId: string, now = Date.now()): Entitlement {
  const { order, sub, ent } = addAzurePlan(state, customerTenantId, now);
  state.counters.ordersCreated -= 1; // seeded history, not something a client created
  order.status = 'completed';
  order.completesAt = iso(now);
  sub.status = 'active';
  sub.activeAt = iso(now);
  ent.status = 'active';
  ent.visibleAt = iso(now);
  ent.activeAt = iso(now);
  return ent;
}

export function visibleEntitlements(state: SandboxState, pcSubscriptionId: string, now = Date.now()): Entitlement[] {
  return Object.values(state.entitlements).filter((e) => e.pcSubscriptionId === pcSubscriptionId && due(e.visibleAt, now));
}

export function registrationId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.AzureStack/registrations/${name}`;
}

export function addRegistration(
  state: SandboxState,
  input: Pick<Registration, 'subscriptionId' | 'resourceGroup' | 'name' | 'billingModel' | 'approvedForMultiTenancy'> &
    Partial<Pick<Registration, 'pageSize' | 'emptyBodyOnPut' | 'cloudId'>>,
): Registration {
  const id = registrationId(input.subscriptionId, input.resourceGroup, input.name);
  const registration: Registration = {
    pageSize: 50,
    cloudId: newGuid(),
    ...input,
    id,
    objectId: newGuid(),
    etag: `${newGuid().slice(0, 8)}-0000-0000-0000-${randomBytes(6).toString('hex')}`,
    location: 'global',
    customerSubscriptions: {},
  };
  state.registrations[registrationKey(id)] = registration;
  return registration;
}

/** Registrations are keyed by the lower-cased resource id: ARM ignores case in the fixed parts. */
export function registrationKey(id: string): string {
  return id.toLowerCase();
}

export function findRegistration(state: SandboxState, id: string): Registration | undefined {
  return state.registrations[registrationKey(id)];
}

/** The tenant a subscription belongs to: registration subscriptions are the partner's, Azure plans the customer's. */
export function subscriptionTenant(state: SandboxState, subscriptionId: string): string | undefined {
  const sub = subscriptionId.toLowerCase();
  const ent = state.entitlements[sub];
  if (ent) return ent.customerTenantId;
  const isRegistrationSub = Object.values(state.registrations).some((r) => r.subscriptionId.toLowerCase() === sub);
  return isRegistrationSub ? state.partnerTenantId : undefined;
}
