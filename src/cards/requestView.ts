// The parts every request card shares: the request in plain facts and the run's checklist.
// Built from the stored request only; never a secret (the request holds none).
import type { AgreementAcceptance, OnboardingRequest, ServiceRequest, StepState, StepStatus, SubscriptionChoice } from '../onboarding/model';
import { tenantChangeFacts, tenantChangeTitle } from './tenantChangeCards';
import { offboardFacts, offboardTitle } from './offboardCards';

export interface Fact {
  title: string;
  value: string;
}

export interface ChecklistItem {
  mark: string;
  title: string;
  detail: string;
}

export interface RequestHeader {
  requestId: string;
  title: string;
  requesterName: string;
  submittedAt: string;
  decisionLine: string;
  simulated: boolean;
}

const STEP_TITLES: Record<string, string> = {
  'check-registration': 'Registration',
  customer: 'Customer',
  'customer-agreement': 'Customer agreement',
  'azure-plan': 'Azure plan',
  'azure-subscription': 'Azure subscription',
  'customer-access': 'Customer access',
  'map-tenant': 'Tenant mapping',
  'stamp-directory': 'Azure Stack Hub directory',
  'stamp-consent': 'Customer consent',
  'stamp-subscription': 'Azure Stack Hub subscription',
  'stamp-access': 'Azure Stack Hub access',
  'stamp-check': 'Azure Stack Hub check',
  'remove-mapping': 'Remove mapping',
  'offboard-mappings': 'Mappings removed',
  'offboard-owner': 'CSP guest Owner removed',
  'offboard-subscriptions': 'Azure Stack Hub subscriptions disabled',
  'offboard-directory': 'Directory unregistered (if asked)',
  'post-result': 'Result posted',
  'bulk-rows': 'Rows',
  'bulk-result': 'Summary posted',
};

const MARKS: Record<StepStatus, string> = {
  waiting: '▫️',
  running: '⏳',
  done: '✅',
  skipped: '⏭️',
  failed: '❌',
};

export function stepLabel(name: string): string {
  return STEP_TITLES[name] ?? name;
}

export function requestTitle(request: ServiceRequest): string {
  if (request.kind === 'offboard') return offboardTitle(request);
  if (request.kind === 'bulk') return `Onboard ${request.rows.length} customers (bulk)`;
  if (request.kind !== 'onboard') return tenantChangeTitle(request);
  return `Onboard ${request.customer.companyName} (${request.customer.domain})`;
}

/** Minute precision in UTC: readable, unambiguous across the approvers' time zones. */
export function when(iso: string | undefined): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '';
}

export function header(request: ServiceRequest, simulated: boolean): RequestHeader {
  const d = request.decision;
  return {
    requestId: request.id,
    title: requestTitle(request),
    requesterName: request.requester.name,
    submittedAt: when(request.createdAt),
    decisionLine: d ? `${d.outcome === 'approved' ? 'approved' : 'rejected'} by ${deciders(request)} on ${when(d.at)}` : 'waiting for approval',
    simulated,
  };
}

/** Who decided: the approver, or every approver counted when more than one was required. */
function deciders(request: ServiceRequest): string {
  const d = request.decision!;
  const votes = d.outcome === 'approved' ? (request.approvals ?? []) : [];
  return votes.length > 1 ? votes.map((v) => v.by.name).join(' and ') : d.by.name;
}

/** The whole request, as the approver needs it to decide. */
export function requestFacts(request: ServiceRequest): Fact[] {
  if (request.kind === 'offboard') return offboardFacts(request);
  if (request.kind === 'bulk') return [{ title: 'Rows', value: `${request.rows.length} customer(s) to onboard` }];
  if (request.kind !== 'onboard') return tenantChangeFacts(request);
  const c = request.customer;
  const facts: Fact[] = [];
  if (c.kind === 'new') {
    facts.push({ title: 'Customer', value: `${c.companyName} (new)` });
    facts.push({ title: 'Domain', value: c.domain });
    const a = c.address;
    facts.push({ title: 'Address', value: [a.addressLine1, a.addressLine2, a.city, a.region, a.postalCode, a.country].filter(Boolean).join(', ') });
    facts.push({ title: 'Contact', value: `${c.contact.firstName} ${c.contact.lastName} <${c.contact.email}>${c.contact.phoneNumber ? `, ${c.contact.phoneNumber}` : ''}` });
    facts.push({ title: 'Language', value: `${c.culture} / ${c.language}` });
  } else {
    facts.push({ title: 'Customer', value: `${c.companyName} (existing)` });
    facts.push({ title: 'Domain', value: c.domain });
    facts.push({ title: 'Tenant id', value: c.customerTenantId });
  }
  facts.push({
    title: 'Subscription',
    // Exactly the subscription the run will act on: a plan the customer already has stops the run.
    value: request.subscription.kind === 'azure-plan' ? 'Buy an Azure plan: a new Azure subscription' : `Existing Azure subscription ${request.subscription.azureSubscriptionId}`,
  });
  if (request.subscription.kind === 'azure-plan') facts.push({ title: 'Customer agreement', value: agreementText(request.agreement, request.requester.name) });
  facts.push({ title: 'Registration', value: `${request.registration.name} (resource group ${request.registration.resourceGroup}, subscription ${request.registration.subscriptionId})` });
  const access = request.access;
  facts.push({
    title: 'Customer access',
    value:
      access.kind === 'none'
        ? 'None'
        : `${access.displayName} <${access.email}> as guest with Owner on ${ownedSubscription(request.subscription)} (${access.mode === 'automatic' ? 'done by the bot' : 'written instructions'})`,
  });
  facts.push({ title: 'Azure Stack Hub', value: stampText(request) });
  return facts;
}

/** The customer's Azure Stack Hub subscription as requested: the offer and who manages it; or billing only. */
export function stampText(request: Pick<OnboardingRequest, 'stamp' | 'registration'>): string {
  const stamp = request.stamp;
  if (!stamp) return `Billing only: no Azure Stack Hub stamp is configured for ${request.registration.name}`;
  if (stamp.managedBy === 'csp') return `A subscription from the offer ${stamp.offerName}, managed by the CSP (owner ${stamp.owner})`;
  const guest = stamp.guestMode === 'automatic' ? `${stamp.cspAccount} invited as a guest Owner by the bot` : `written steps for the customer to make ${stamp.cspAccount} a guest Owner`;
  return `A subscription from the offer ${stamp.offerName}, managed by the customer (owner ${stamp.ownerName ? `${stamp.ownerName}, ${stamp.owner}` : stamp.owner}); ${guest}`;
}

/** The customer's acceptance of the Microsoft Customer Agreement, as the requester attested it. */
export function agreementText(agreement: AgreementAcceptance | undefined, attestedBy: string): string {
  if (!agreement) return 'Not attested: the run pauses until it is confirmed in Partner Center';
  const who = agreement.acceptedBy;
  return `Accepted by ${who.firstName} ${who.lastName} (${who.email}${who.phoneNumber ? `, ${who.phoneNumber}` : ''}) on ${agreement.dateAccepted}, as attested by ${attestedBy}`;
}

/** The subscription the guest becomes Owner of, as the approver reads it. */
export function ownedSubscription(subscription: SubscriptionChoice): string {
  return subscription.kind === 'azure-plan' ? 'the new Azure subscription' : `subscription ${subscription.azureSubscriptionId}`;
}

export function checklist(steps: readonly StepState[]): ChecklistItem[] {
  return steps.map((s) => ({ mark: MARKS[s.status], title: stepLabel(s.name), detail: s.detail ?? s.status }));
}
