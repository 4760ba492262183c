// The approval card: the whole request, Approve / Reject for approvers (Reject asks for a reason).
import template from './templates/approvalRequest.json';
import type { ServiceRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { header, requestFacts, when, type Fact, type RequestHeader } from './requestView';

export interface ApprovalCardModel extends RequestHeader {
  facts: Fact[];
  warnings: string;
  noApprovers: boolean;
  showButtons: boolean;
  askReason: boolean;
  /** Shown to the clicker, e.g. why a click was refused. */
  notice: string;
  /** With the two-person rule: "1 of 2 approvals: Adele Approver"; empty when one approval is enough. */
  approvalsLine: string;
}

export function approvalCardModel(
  request: ServiceRequest,
  view: { simulated: boolean; noApprovers: boolean; showButtons: boolean; askReason?: boolean; notice?: string; warnings?: string; approvalsRequired?: number },
): ApprovalCardModel {
  const required = view.approvalsRequired ?? 1;
  const approvals = request.approvals ?? [];
  return {
    ...header(request, view.simulated),
    facts: requestFacts(request),
    warnings: view.warnings ?? '',
    noApprovers: view.noApprovers,
    showButtons: view.showButtons && !view.noApprovers,
    askReason: view.askReason ?? false,
    notice: view.notice ?? '',
    approvalsLine:
      required <= 1
        ? ''
        : `${approvals.length} of ${required} approvals${approvals.length ? `: approved by ${approvals.map((a) => `${a.by.name} (${when(a.at)})`).join(', ')}` : ''}`,
  };
}

export function renderApprovalCard(vm: ApprovalCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
