// The run waits for the Microsoft Customer Agreement: confirm it in Partner Center, then Continue.
import template from './templates/agreementPause.json';
import type { ServiceRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { checklist, header, type ChecklistItem, type RequestHeader } from './requestView';

export interface AgreementPauseCardModel extends RequestHeader {
  explanation: string;
  checklist: ChecklistItem[];
  showButtons: boolean;
  notice: string;
}

export function agreementPauseCardModel(request: ServiceRequest, view: { simulated: boolean; showButtons: boolean; notice?: string }): AgreementPauseCardModel {
  const step = request.steps.find((s) => s.name === 'customer-agreement');
  return {
    ...header(request, view.simulated),
    explanation: step?.detail ?? 'Confirm the Microsoft Customer Agreement for the customer in Partner Center, then click Continue.',
    checklist: checklist(request.steps),
    showButtons: view.showButtons,
    notice: view.notice ?? '',
  };
}

export function renderAgreementPauseCard(vm: AgreementPauseCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
