// The live checklist the approval card turns into once approved, and its finished state.
import template from './templates/runProgress.json';
import type { ServiceRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { checklist, header, type ChecklistItem, type Fact, type RequestHeader } from './requestView';
import { tenantChangeOutcome } from './tenantChangeCards';
import { offboardOutcome } from './offboardCards';

export interface ProgressCardModel extends RequestHeader {
  statusLine: string;
  statusColor: 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';
  checklist: ChecklistItem[];
  resultFacts: Fact[];
  portalLink: string;
  notice: string;
}

export function progressCardModel(request: ServiceRequest, view: { simulated: boolean; portalLink?: string; notice?: string }): ProgressCardModel {
  const done = request.status === 'succeeded';
  const r = request.results;
  // Re-maps and removals say what they changed (tenantChangeCards).
  const change = !done || request.kind === 'onboard' || request.kind === 'bulk' ? undefined : request.kind === 'offboard' ? offboardOutcome(request) : tenantChangeOutcome(request);
  const onboardedFacts: Fact[] = [
    { title: 'Tenant id', value: r.customerTenantId ?? '' },
    { title: 'Azure subscription', value: r.azureSubscriptionId ?? '' },
    { title: 'Mapping', value: r.mappingResourceId ?? '' },
  ];
  const resultFacts: Fact[] = change ? change.facts : done ? onboardedFacts : [];
  return {
    ...header(request, view.simulated),
    statusLine: change ? change.statusLine : done ? 'Done: the customer is onboarded.' : request.status === 'approved' ? 'Approved: the run starts now.' : 'Running…',
    statusColor: done ? 'Good' : 'Accent',
    checklist: checklist(request.steps),
    resultFacts,
    portalLink: done && (change?.showPortalLink ?? true) ? (view.portalLink ?? '') : '',
    notice: view.notice ?? '',
  };
}

export function renderProgressCard(vm: ProgressCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
