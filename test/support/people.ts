// The people and tenants of the tests, in one place: the partner's Teams tenant, its operators and
// approvers (with their Teams ids and Entra object ids), and an outsider from another organisation.
// The approvers' object ids that Graph must know (APPROVER_IDS, the approvers' group) come from
// the simulated directory: `directoryPeople(sandbox)`.
import type { Guid, Person } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';

/** A Teams user as an activity's `from` carries them: Teams id, display name, Entra object id. */
export interface TeamsUser {
  id: string;
  name: string;
  aadObjectId: string;
}

/** The partner's Teams (Entra) tenant: where the bot is installed and the operators work. */
export const TEAMS_TENANT = '11111111-2222-4333-8444-555555555555';
/** Another organisation's tenant (allowed only where a test says so). */
export const FOREIGN_TENANT = '99999999-8888-4777-8666-555555555555';

/** Operators who onboard customers (the dialog tests). */
export const ALEX: TeamsUser = { id: '29:alex', name: 'Alex Wilber', aadObjectId: '6f1c1c2e-2b1a-4c59-9d0e-0d5b2f3a8a11' };
export const MEGAN: TeamsUser = { id: '29:megan', name: 'Megan Bowen', aadObjectId: '7a2d2d3f-3c2b-4d6a-8e1f-1e6c3a4b9b22' };
/** The operator who asks for a request (the requester of the onboarding tests). */
export const RITA: TeamsUser = { id: '29:rita', name: 'Rita Requester', aadObjectId: 'aaaaaaaa-0000-4000-8000-000000000001' };
/** An operator, not an approver, where the directory is not asked (the tenant command tests). */
export const OLIVIA: TeamsUser = { id: '29:olivia', name: 'Olivia Operator', aadObjectId: 'bbbbbbbb-0000-4000-8000-000000000002' };
/** Someone from another organisation who can reach the bot (a shared channel, a crafted client). */
export const OUTSIDER: TeamsUser & { tenantId: string } = {
  id: '29:outsider',
  name: 'Oscar Outsider',
  aadObjectId: 'cccccccc-0000-4000-8000-000000000003',
  tenantId: FOREIGN_TENANT,
};

/** Rita as a stored request names its requester. */
export const REQUESTER: Person = { aadObjectId: RITA.aadObjectId as Guid, teamsUserId: RITA.id, name: RITA.name };

/** The partner's people as the simulated Entra directory seeds them: the operator and the approvers (one directly, one through a nested group). */
export function directoryPeople(sandbox: Pick<Sandbox, 'users'>): { olivia: TeamsUser; adele: TeamsUser; nestor: TeamsUser } {
  return {
    olivia: { id: '29:olivia', name: 'Olivia Operator', aadObjectId: sandbox.users.operator },
    adele: { id: '29:adele', name: 'Adele Approver', aadObjectId: sandbox.users.approver },
    nestor: { id: '29:nestor', name: 'Nestor Finance', aadObjectId: sandbox.users.nestedApprover },
  };
}

/**
 * The subscription card's Microsoft Customer Agreement inputs for a new Azure plan: who at the
 * customer accepted it and the day they did, ticked as accepted (what an operator types).
 */
export const MCA_ATTESTED = {
  agreementAccepted: 'true',
  agreementFirstName: 'Cora',
  agreementLastName: 'Signer',
  agreementEmail: 'cora@customer.example',
  agreementPhone: '',
  agreementDate: '2026-11-27',
} as const;

/** The billing card of a new customer in the US as an operator fills it in (the billing contact Dana Lee). */
export const US_BILLING = {
  country: 'US',
  region: 'WA',
  city: 'Redmond',
  postalCode: '98052',
  addressLine1: 'One Microsoft Way',
  addressLine2: '',
  organizationRegistrationNumber: '',
  firstName: 'Dana',
  lastName: 'Lee',
  email: 'dana@tailspintoys.com',
  phoneNumber: '+1 425 555 0101',
  culture: 'en-US',
  language: 'en',
};
