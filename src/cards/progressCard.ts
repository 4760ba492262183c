// The live checklist the approval card turns into once approved, and its finished state.
import template from './templates/runProgress.json';
import type { OnboardingRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { checklist, header, type ChecklistItem, type Fact, type RequestHeader } from './requestView';

export interface ProgressCardModel extends RequestHeader {
  statusLine: string;
  statusColor: 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';
  checklist: ChecklistItem[];
  resultFacts: Fact[];
  portalLink: string;
  notice: string;
}

export function progressCardModel(request: OnboardingRequest, view: { simulated: boolean; portalLink?: string; notice?: string }): ProgressCardModel {
  const done = request.status === 'succeeded';
  const r = request.results;
  const resultFacts: Fact[] = done
    ? [
        { title: 'Tenant id', value: r.customerTenantId ?? '' },
        { title: 'Azure subscription', value: r.azureSubscriptionId ?? '' },
        { title: 'Mapping', value: r.mappingResourceId ?? '' },
      ]
    : [];
  return {
    ...header(request, view.simulated),
    statusLine: done ? 'Done: the customer is onboarded.' : request.status === 'approved' ? 'Approved: the run starts now.' : 'Running…',
    statusColor: done ? 'Good' : 'Accent',
    checklist: checklist(request.steps),
    resultFacts,
    portalLink: done ? (view.portalLink ?? '') : '',
    notice: view.notice ?? '',
  };
}

export function renderProgressCard(vm: ProgressCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
