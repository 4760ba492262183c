// A run stopped on a permanent failure: which step, why in plain words, what to do; Retry / Abandon for approvers.
import template from './templates/runFailure.json';
import type { ServiceRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { checklist, header, stepLabel, type ChecklistItem, type RequestHeader } from './requestView';

export interface FailureCardModel extends RequestHeader {
  failedStep: string;
  cause: string;
  nextStep: string;
  /** Service code and correlation id, for support. */
  codes: string;
  checklist: ChecklistItem[];
  showButtons: boolean;
  notice: string;
}

export function failureCardModel(request: ServiceRequest, view: { simulated: boolean; showButtons: boolean; notice?: string }): FailureCardModel {
  const failed = request.steps.find((s) => s.status === 'failed');
  const error = failed?.error;
  const codes = [error?.code && `code ${error.code}`, error?.statusCode && `HTTP ${error.statusCode}`, error?.correlationId && `correlation id ${error.correlationId}`]
    .filter(Boolean)
    .join(' · ');
  return {
    ...header(request, view.simulated),
    title: `Failed: ${header(request, view.simulated).title}`,
    failedStep: failed ? stepLabel(failed.name) : 'unknown step',
    cause: error?.message ?? 'The run stopped.',
    nextStep: error?.nextStep ?? 'Click Retry, or Abandon.',
    codes,
    checklist: checklist(request.steps),
    showButtons: view.showButtons,
    notice: view.notice ?? '',
  };
}

export function renderFailureCard(vm: FailureCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
