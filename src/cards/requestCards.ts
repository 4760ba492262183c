// Which card a request shows, and to whom. The shared card (what everyone sees) carries no buttons
// when the approvers' Teams ids are known: Teams refreshes it for them (refresh.userIds) and the
// refresh answer adds the buttons. When they are not known, everyone sees the buttons and the server
// decides. Cards that need no decision carry no refresh at all, so an update never starts a loop.
import { agreementPauseCardModel, renderAgreementPauseCard } from './agreementPauseCard';
import { approvalCardModel, renderApprovalCard } from './approvalCard';
import { consentPauseCardModel, renderConsentPauseCard } from './consentPauseCard';
import { bulkBatchCardModel, renderBulkBatchCard } from './bulkBatchCard';
import { decidedCardModel, renderDecidedCard } from './decidedCard';
import { failureCardModel, renderFailureCard } from './failureCard';
import { progressCardModel, renderProgressCard } from './progressCard';
import type { AdaptiveCard } from './render';
import { pausedStep, type ServiceRequest } from '../onboarding/model';

export const REQUEST_VERBS = {
  refresh: 'request.refresh',
  approve: 'request.approve',
  reject: 'request.reject',
  rejectConfirm: 'request.rejectConfirm',
  retry: 'request.retry',
  abandon: 'request.abandon',
  continue: 'request.continue',
  resubmit: 'request.resubmit',
  /** "The customer has consented" on the Azure Stack Hub consent pause. */
  consented: 'request.consented',
  /** A row of a bulk onboarding, from the batch's card: `requestId` is the batch, `rowRequestId` the row. */
  retryRow: 'request.retryRow',
  abandonRow: 'request.abandonRow',
} as const;

export interface CardSettings {
  simulated: boolean;
  /** No approvers configured: the card says so and offers no buttons. */
  noApprovers: boolean;
  portalLink(resourceId: string): string;
  /** The simulated Partner Center's page to confirm a customer's agreement by hand (none in a real cloud). */
  agreementPageLink?(customerTenantId: string): string | undefined;
  /** e.g. "registration refused as not approved on D" for the approval card. */
  warnings?: string;
  /** How many distinct approvers the request needs (the two-person rule); default 1. */
  approvalsRequired?(request: ServiceRequest): number;
}

export interface CardViewer {
  /** This viewer may click the decision buttons (shared card: everyone, when approvers are unknown). */
  showButtons: boolean;
  askReason?: boolean;
  notice?: string;
  /**
   * For the shared card: the approvers' Teams ids to refresh for (≤60), or undefined when they are
   * not known (then the buttons are on the shared card for everyone).
   */
  refreshUserIds?: string[];
}

/** True while approvers have something to click. */
export function awaitsApprover(request: ServiceRequest): boolean {
  if (request.status === 'pending_approval' || request.status === 'paused' || request.status === 'failed') return true;
  // A bulk onboarding while one of its rows failed or waits for the customer agreement.
  return request.kind === 'bulk' && (request.results.bulkRows ?? []).some((r) => r.status === 'failed' || r.status === 'paused');
}

export function requestCard(request: ServiceRequest, settings: CardSettings, viewer: CardViewer): AdaptiveCard {
  const card = renderFor(request, settings, viewer);
  if (!awaitsApprover(request)) return card;
  return {
    ...card,
    refresh: {
      action: { type: 'Action.Execute', title: 'Refresh', verb: REQUEST_VERBS.refresh, data: { requestId: request.id } },
      // [] = no automatic refresh (manual "Refresh card" still works): used when everyone sees the buttons anyway.
      userIds: viewer.refreshUserIds ?? [],
    },
  };
}

function renderFor(request: ServiceRequest, settings: CardSettings, viewer: CardViewer): AdaptiveCard {
  const simulated = settings.simulated;
  if (request.kind === 'bulk') {
    const view = { simulated, noApprovers: settings.noApprovers, showButtons: viewer.showButtons, askReason: viewer.askReason, notice: viewer.notice, warnings: settings.warnings };
    return renderBulkBatchCard(bulkBatchCardModel(request, view));
  }
  switch (request.status) {
    case 'pending_approval':
      return renderApprovalCard(
        approvalCardModel(request, {
          simulated,
          noApprovers: settings.noApprovers,
          showButtons: viewer.showButtons,
          askReason: viewer.askReason,
          notice: viewer.notice,
          warnings: settings.warnings,
          approvalsRequired: settings.approvalsRequired?.(request) ?? 1,
        }),
      );
    case 'paused':
      if (pausedStep(request) === 'stamp-consent') {
        return renderConsentPauseCard(consentPauseCardModel(request, { simulated, showButtons: viewer.showButtons, notice: viewer.notice }));
      }
      return renderAgreementPauseCard(agreementPauseCardModel(request, { simulated, showButtons: viewer.showButtons, notice: viewer.notice, agreementPageLink: settings.agreementPageLink }));
    case 'failed':
      return renderFailureCard(failureCardModel(request, { simulated, showButtons: viewer.showButtons, notice: viewer.notice }));
    case 'rejected':
    case 'cancelled':
    case 'abandoned':
    case 'expired':
      return renderDecidedCard(decidedCardModel(request, { simulated, notice: viewer.notice }));
    default: {
      const mapping = request.results.mappingResourceId;
      return renderProgressCard(progressCardModel(request, { simulated, portalLink: mapping ? settings.portalLink(mapping) : undefined, notice: viewer.notice }));
    }
  }
}
