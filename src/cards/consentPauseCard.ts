// The run waits for the customer's consent on the Azure Stack Hub: the exact instructions for the
// customer's global administrator, then "The customer has consented". In the simulated cloud the
// card links to the simulated consent page.
import template from './templates/consentPause.json';
import type { ServiceRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { checklist, header, type ChecklistItem, type RequestHeader } from './requestView';

export interface ConsentPauseCardModel extends RequestHeader {
  explanation: string;
  /** One line each: what the customer's admin does (the command with this stamp and directory). */
  instructions: Array<{ line: string }>;
  checklist: ChecklistItem[];
  showButtons: boolean;
  notice: string;
  /** The simulated consent page ('' in a real cloud). */
  consentPageLink: string;
}

export function consentPauseCardModel(request: ServiceRequest, view: { simulated: boolean; showButtons: boolean; notice?: string }): ConsentPauseCardModel {
  const step = request.steps.find((s) => s.name === 'stamp-consent');
  const text = request.results.stampConsentInstructions ?? '';
  return {
    ...header(request, view.simulated),
    explanation: step?.detail ?? "Waiting for the customer's consent.",
    instructions: text.split('\n').filter((l) => l.trim() !== '').map((line) => ({ line })),
    checklist: checklist(request.steps),
    showButtons: view.showButtons,
    notice: view.notice ?? '',
    consentPageLink: (view.simulated ? request.results.stampConsentPageLink : undefined) ?? '',
  };
}

export function renderConsentPauseCard(vm: ConsentPauseCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
