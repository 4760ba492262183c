// What the simulated cloud holds at start (a partner with registrations, approvers and a few
// customers) and the helpers tests use to set up a story: a customer, many mappings, mismatches.
import {
  MCA_TEMPLATE_ID,
  addActiveAzurePlan,
  addCustomer,
  addRegistration,
  ensureDirectory,
  findRegistration,
  newGuid,
  type SandboxState,
} from './state';
import { addStamp, seedStampSubscription } from './stamp';

export const REGISTRATION_SUBSCRIPTION_ID = '5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d';
export const REGISTRATION_RESOURCE_GROUP = 'azurestack';

export interface SeededRegistrations {
  /** Approved for multi-tenant billing. */
  payAsYouUse: string;
  /** A second approved one (a tenant may be on several stamps). */
  payAsYouUse2: string;
  /** Disconnected: refuses customer subscriptions. */
  capacity: string;
  /** Pay-as-you-use but never approved by azstcsp@microsoft.com. */
  notApproved: string;
}

export interface SeededPartner {
  registrations: SeededRegistrations;
  approverGroupId: string;
  users: { operator: string; approver: string; nestedApprover: string; cspGuestAccount: string };
  /** One simulated Azure Stack Hub per PayAsYouUse registration, named after it. */
  stampNames: string[];
}

/** The CSP's dedicated account (CSP_GUEST_ACCOUNT), invited as a guest into customer directories. */
export const CSP_GUEST_ACCOUNT_UPN = 'azs-operations@csp-partner.onmicrosoft.com';

export interface SeedCustomerInput {
  companyName: string;
  domain: string;
  /** 'active' = an Azure plan bought long ago, with its Azure subscription active. Default 'none'. */
  azurePlan?: 'active' | 'none';
  /** Microsoft Customer Agreement confirmed. Default: true when azurePlan is active. */
  agreement?: boolean;
  country?: string;
  email?: string;
  tenantId?: string;
  /** Map the Azure subscription on these registrations (resource ids). */
  mappedOn?: string[];
}

export interface SeededCustomer {
  customerTenantId: string;
  azureSubscriptionId?: string;
  pcSubscriptionId?: string;
}

export interface ReconcileScenario {
  /** Active Azure subscription, mapped nowhere. */
  unmapped: SeededCustomer;
  /** Mapped, but the Azure subscription is no longer active. */
  inactiveSubscription: SeededCustomer & { registrationId: string };
  /** Mapped, but the customer is gone from Partner Center. */
  customerGone: SeededCustomer & { registrationId: string };
  /** Mapped on one pay-as-you-use registration but not on the other. */
  partiallyMapped: SeededCustomer & { mappedOn: string; missingOn: string };
}

export function seedUser(
  state: SandboxState,
  tenantId: string,
  input: { displayName: string; mail: string; userType?: 'Member' | 'Guest'; objectId?: string },
): string {
  const directory = ensureDirectory(state, tenantId);
  const id = (input.objectId ?? newGuid()).toLowerCase();
  directory.users[id] = {
    id,
    displayName: input.displayName,
    mail: input.mail,
    userPrincipalName: input.mail,
    userType: input.userType ?? 'Member',
    ...(input.userType === 'Guest' ? { externalUserState: 'Accepted' as const } : {}),
  };
  return id;
}

export function addGroupMember(state: SandboxState, groupId: string, memberId: string, tenantId = state.partnerTenantId): void {
  const group = ensureDirectory(state, tenantId).groups[groupId.toLowerCase()];
  if (!group) throw new Error(`No group ${groupId} in tenant ${tenantId}`);
  if (!group.members.includes(memberId.toLowerCase())) group.members.push(memberId.toLowerCase());
}

function addGroup(state: SandboxState, displayName: string): string {
  const id = newGuid();
  ensureDirectory(state, state.partnerTenantId).groups[id] = { id, displayName, members: [] };
  return id;
}

export function seedCustomer(state: SandboxState, input: SeedCustomerInput): SeededCustomer {
  const customer = addCustomer(state, input);
  if ((input.agreement ?? input.azurePlan === 'active') === true) {
    state.agreements.push({
      customerTenantId: customer.id,
      templateId: MCA_TEMPLATE_ID,
      type: 'MicrosoftCustomerAgreement',
      dateAgreed: new Date().toISOString(),
      primaryContact: { firstName: 'Alex', lastName: 'Admin', email: customer.billingProfile.email },
      userId: newGuid(),
    });
  }
  if (input.azurePlan !== 'active') return { customerTenantId: customer.id };
  const entitlement = addActiveAzurePlan(state, customer.id);
  for (const registration of input.mappedOn ?? []) {
    mapDirectly(state, registration, entitlement.id, customer.id);
  }
  return { customerTenantId: customer.id, azureSubscriptionId: entitlement.id, pcSubscriptionId: entitlement.pcSubscriptionId };
}

function mapDirectly(state: SandboxState, registrationId: string, azureSubscriptionId: string, tenantId: string): void {
  const registration = findRegistration(state, registrationId);
  if (!registration) throw new Error(`No registration ${registrationId}`);
  registration.customerSubscriptions[azureSubscriptionId] = { tenantId };
}

/** `count` customers, each with an active Azure subscription mapped on the registration. */
export function seedMappings(state: SandboxState, registrationId: string, count: number): SeededCustomer[] {
  const seeded: SeededCustomer[] = [];
  const batch = newGuid().slice(0, 6);
  for (let i = 0; i < count; i += 1) {
    seeded.push(
      seedCustomer(state, {
        companyName: `Tenant ${batch} ${i + 1}`,
        domain: `tenant${batch}n${i + 1}.onmicrosoft.com`,
        azurePlan: 'active',
        mappedOn: [registrationId],
      }),
    );
  }
  return seeded;
}

export function seedReconcileScenario(
  state: SandboxState,
  registrations: { first: string; second: string },
): ReconcileScenario {
  const tag = newGuid().slice(0, 6);
  const customer = (name: string, mappedOn: string[]) =>
    seedCustomer(state, { companyName: `${name} ${tag}`, domain: `${name.toLowerCase()}${tag}.onmicrosoft.com`, azurePlan: 'active', mappedOn });
  const unmapped = customer('Unmapped', []);
  const inactive = customer('Lapsed', [registrations.first]);
  state.entitlements[inactive.azureSubscriptionId!].status = 'disabled';
  const gone = customer('Departed', [registrations.first]);
  delete state.customers[gone.customerTenantId];
  const partial = customer('Halfway', [registrations.first]);
  return {
    unmapped,
    inactiveSubscription: { ...inactive, registrationId: registrations.first },
    customerGone: { ...gone, registrationId: registrations.first },
    partiallyMapped: { ...partial, mappedOn: registrations.first, missingOn: registrations.second },
  };
}

export type SandboxBillingModel = 'PayAsYouUse' | 'Capacity' | 'Development';
export const BILLING_MODELS: readonly SandboxBillingModel[] = ['PayAsYouUse', 'Capacity', 'Development'];

export interface SeedRegistrationInput {
  name: string;
  billingModel: SandboxBillingModel;
  /** Default true. */
  approvedForMultiTenancy?: boolean;
}

/** One more registration in the partner's registration subscription and resource group; returns its resource id. */
export function seedRegistration(state: SandboxState, input: SeedRegistrationInput): string {
  return addRegistration(state, {
    subscriptionId: REGISTRATION_SUBSCRIPTION_ID,
    resourceGroup: REGISTRATION_RESOURCE_GROUP,
    name: input.name,
    billingModel: input.billingModel,
    approvedForMultiTenancy: input.approvedForMultiTenancy ?? true,
  }).id;
}

/** The partner as a fresh sandbox knows it. Registrations are always there; `demoData` adds the rest. */
export function seedPartner(state: SandboxState, demoData: boolean): SeededPartner {
  const reg = (name: string, billingModel: SandboxBillingModel, approvedForMultiTenancy: boolean) =>
    seedRegistration(state, { name, billingModel, approvedForMultiTenancy });
  const registrations: SeededRegistrations = {
    payAsYouUse: reg('azurestack-payg-east', 'PayAsYouUse', true),
    payAsYouUse2: reg('azurestack-payg-west', 'PayAsYouUse', true),
    capacity: reg('azurestack-capacity-north', 'Capacity', true),
    notApproved: reg('azurestack-payg-south', 'PayAsYouUse', false),
  };
  const approverGroupId = addGroup(state, 'CSP onboarding approvers');
  const nestedGroupId = addGroup(state, 'CSP finance leads');
  const users = {
    operator: seedUser(state, state.partnerTenantId, { displayName: 'Olivia Operator', mail: 'olivia@csp-partner.onmicrosoft.com' }),
    approver: seedUser(state, state.partnerTenantId, { displayName: 'Adele Approver', mail: 'adele@csp-partner.onmicrosoft.com' }),
    nestedApprover: seedUser(state, state.partnerTenantId, { displayName: 'Nestor Finance', mail: 'nestor@csp-partner.onmicrosoft.com' }),
    cspGuestAccount: seedUser(state, state.partnerTenantId, { displayName: 'CSP Azure Stack Hub operations', mail: CSP_GUEST_ACCOUNT_UPN }),
  };
  // A stamp per PayAsYouUse registration (the region is the name's last part: azurestack-payg-east → east).
  const stampNames = ['azurestack-payg-east', 'azurestack-payg-west', 'azurestack-payg-south'];
  for (const name of stampNames) addStamp(state, { name, region: name.split('-').pop()! });
  addGroupMember(state, approverGroupId, users.approver);
  addGroupMember(state, approverGroupId, nestedGroupId);
  addGroupMember(state, nestedGroupId, users.nestedApprover);
  if (demoData) {
    const contoso = seedCustomer(state, { companyName: 'Contoso', domain: 'contoso.onmicrosoft.com', azurePlan: 'active', mappedOn: [registrations.payAsYouUse] });
    const fabrikam = seedCustomer(state, { companyName: 'Fabrikam', domain: 'fabrikam.onmicrosoft.com', azurePlan: 'active' });
    // Contoso uses the east stamp and is billed for it; Fabrikam uses it too but is mapped nowhere (usage billed to the partner).
    seedStampSubscription(state, { stamp: 'azurestack-payg-east', tenantId: contoso.customerTenantId, domain: 'contoso.onmicrosoft.com', owner: 'admin@contoso.onmicrosoft.com', displayName: 'Contoso', usageSinceDaysAgo: 40 });
    seedStampSubscription(state, { stamp: 'azurestack-payg-east', tenantId: fabrikam.customerTenantId, domain: 'fabrikam.onmicrosoft.com', owner: 'admin@fabrikam.onmicrosoft.com', displayName: 'Fabrikam', usageSinceDaysAgo: 12 });
    seedCustomer(state, { companyName: 'Northwind Traders', domain: 'northwindtraders.onmicrosoft.com' });
  }
  return { registrations, approverGroupId, users, stampNames };
}
