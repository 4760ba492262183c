// A request that ended without a finished run: rejected (with the reason), cancelled, abandoned or
// expired (its requester may submit it again: the button is on the card, the server checks who clicks).
import template from './templates/requestDecided.json';
import type { ServiceRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { checklist, header, requestFacts, when, type ChecklistItem, type Fact, type RequestHeader } from './requestView';

export interface DecidedCardModel extends RequestHeader {
  statusLine: string;
  statusColor: 'Attention' | 'Warning' | 'Default';
  facts: Fact[];
  checklist: ChecklistItem[];
  notice: string;
  canResubmit: boolean;
}

export function decidedCardModel(request: ServiceRequest, view: { simulated: boolean; notice?: string }): DecidedCardModel {
  const d = request.decision;
  const statusLine =
    request.status === 'rejected'
      ? `Rejected by ${d?.by.name ?? 'an approver'} on ${when(d?.at)}: ${d?.reason ?? 'no reason given'}`
      : request.status === 'cancelled'
        ? `Cancelled on ${when(request.updatedAt)}.`
        : request.status === 'expired'
          ? `Expired on ${when(request.updatedAt)}: nobody decided in time, nothing was run. ${request.requester.name} can submit it again.`
          : `Abandoned on ${when(request.updatedAt)}. Anything already created stays as the checklist shows.`;
  return {
    ...header(request, view.simulated),
    statusLine,
    statusColor: request.status === 'rejected' ? 'Attention' : 'Warning',
    facts: requestFacts(request),
    checklist: checklist(request.steps.filter((s) => s.status !== 'waiting')),
    notice: view.notice ?? '',
    canResubmit: request.status === 'expired',
  };
}

export function renderDecidedCard(vm: DecidedCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
