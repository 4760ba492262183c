// The approval card: the whole request, Approve / Reject for approvers (Reject asks for a reason).
import template from './templates/approvalRequest.json';
import type { ServiceRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { header, requestFacts, type Fact, type RequestHeader } from './requestView';

export interface ApprovalCardModel extends RequestHeader {
  facts: Fact[];
  warnings: string;
  noApprovers: boolean;
  showButtons: boolean;
  askReason: boolean;
  /** Shown to the clicker, e.g. why a click was refused. */
  notice: string;
}

export function approvalCardModel(
  request: ServiceRequest,
  view: { simulated: boolean; noApprovers: boolean; showButtons: boolean; askReason?: boolean; notice?: string; warnings?: string },
): ApprovalCardModel {
  return {
    ...header(request, view.simulated),
    facts: requestFacts(request),
    warnings: view.warnings ?? '',
    noApprovers: view.noApprovers,
    showButtons: view.showButtons && !view.noApprovers,
    askReason: view.askReason ?? false,
    notice: view.notice ?? '',
  };
}

export function renderApprovalCard(vm: ApprovalCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
