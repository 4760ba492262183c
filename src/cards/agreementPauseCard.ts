// The run waits for the Microsoft Customer Agreement: confirm it in Partner Center, then Continue.
// In the simulated cloud the card links to the simulated Partner Center's page for it.
import template from './templates/agreementPause.json';
import type { ServiceRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { checklist, header, type ChecklistItem, type RequestHeader } from './requestView';

export interface AgreementPauseCardModel extends RequestHeader {
  explanation: string;
  checklist: ChecklistItem[];
  showButtons: boolean;
  notice: string;
  /** The simulated Partner Center's page to confirm the agreement on ('' in a real cloud). */
  agreementPageLink: string;
}

export function agreementPauseCardModel(
  request: ServiceRequest,
  view: { simulated: boolean; showButtons: boolean; notice?: string; agreementPageLink?: (customerTenantId: string) => string | undefined },
): AgreementPauseCardModel {
  const step = request.steps.find((s) => s.name === 'customer-agreement');
  const customerTenantId = request.results.customerTenantId;
  return {
    ...header(request, view.simulated),
    explanation: step?.detail ?? 'Confirm the Microsoft Customer Agreement for the customer in Partner Center, then click Continue.',
    checklist: checklist(request.steps),
    showButtons: view.showButtons,
    notice: view.notice ?? '',
    agreementPageLink: (view.simulated && customerTenantId ? view.agreementPageLink?.(customerTenantId) : undefined) ?? '',
  };
}

export function renderAgreementPauseCard(vm: AgreementPauseCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
