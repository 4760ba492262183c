// What an offboarding looks like: the preview the `offboard` command shows (every piece the customer
// has, the tick to unregister the directory, Submit for approval), its title and facts on the shared
// request cards, and what the result says: what was done, what is left and who pays now.
import template from './templates/offboardPreview.json';
import type { OffboardRequest, PlanOf } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import type { Fact } from './requestView';

type Offboarding = OffboardRequest | PlanOf<'offboard'>;

function who(request: Offboarding): string {
  const c = request.customer;
  return c.companyName ? `${c.companyName}${c.domain ? ` (${c.domain})` : ''}` : `tenant ${c.customerTenantId}`;
}

export function offboardTitle(request: Offboarding): string {
  return `Offboard ${who(request)}`;
}

/** Every piece, as the approver decides on it. */
export function offboardFacts(request: Offboarding): Fact[] {
  const facts: Fact[] = [
    { title: 'Customer', value: who(request) },
    { title: 'Tenant id', value: request.customer.customerTenantId },
  ];
  for (const m of request.mappings) facts.push({ title: `Mapping on ${m.registration.name}`, value: `Azure subscription ${m.azureSubscriptionId}: removed (DELETE)` });
  if (request.mappings.length === 0) facts.push({ title: 'Mappings', value: 'None' });
  for (const s of request.stamps) {
    facts.push({ title: `Azure Stack Hub ${s.registration}: directory`, value: s.directory ? `${s.directory} registered${request.unregisterDirectory ? ': unregistered if its subscriptions hold no resources' : ': stays registered'}` : 'Not registered' });
    facts.push({ title: `Azure Stack Hub ${s.registration}: subscriptions`, value: s.subscriptionIds.length ? `${s.subscriptionIds.join(', ')}: disabled (not deleted)` : 'None' });
    if (s.guest) facts.push({ title: `Azure Stack Hub ${s.registration}: CSP guest`, value: `${s.guest.account} is Owner of ${s.guest.ownerOf.length ? s.guest.ownerOf.join(', ') : 'none of them'}: the Owner role is removed (the guest stays in the directory)` });
  }
  facts.push({ title: 'Unregister the directory', value: request.unregisterDirectory ? 'Yes, where the subscriptions hold no resources' : 'No' });
  facts.push({ title: 'Billing afterwards', value: "With the mappings gone, any Azure Stack Hub usage of this tenant is billed to the registrations' owner (you, the CSP); disabled subscriptions report no usage." });
  return facts;
}

/** How a finished offboarding reads on the progress card. */
export function offboardOutcome(request: OffboardRequest): { statusLine: string; facts: Fact[]; showPortalLink: boolean } {
  const r = request.results;
  return {
    statusLine: 'Done: the customer is offboarded.',
    facts: [...(r.offboardDone ?? []).map((value) => ({ title: 'Done', value })), ...(r.offboardLeft ?? []).map((value) => ({ title: 'Left', value }))],
    showPortalLink: false,
  };
}

/** The result message: what was done, what is left, who pays now (plain text; the caller escapes it). */
export function offboardResultText(request: OffboardRequest): string {
  const r = request.results;
  const done = r.offboardDone?.length ? `Done: ${r.offboardDone.join(' ')}` : 'Nothing had to be changed.';
  const left = r.offboardLeft?.length ? ` Left: ${r.offboardLeft.join(' ')}` : '';
  return `${who(request)} is offboarded. ${done}${left} Who pays now: any Azure Stack Hub usage of this tenant is billed to the registrations' owner (you, the CSP).`;
}

export interface OffboardPreviewModel {
  title: string;
  text: string;
  facts: Fact[];
  tenant: string;
  /** A directory is registered somewhere: the tick is offered. */
  canUnregister: boolean;
}

export function offboardPreviewModel(plan: PlanOf<'offboard'>): OffboardPreviewModel {
  return {
    title: offboardTitle(plan),
    text: 'Everything this customer has, and what the offboarding does to it. Nothing changes until an approver approves.',
    facts: offboardFacts({ ...plan, unregisterDirectory: false }).filter((f) => f.title !== 'Unregister the directory'),
    tenant: plan.customer.customerTenantId,
    canUnregister: plan.stamps.some((s) => s.directory),
  };
}

export function renderOffboardPreviewCard(vm: OffboardPreviewModel): AdaptiveCard {
  return renderCard(template, vm);
}
