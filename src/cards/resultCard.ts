// The result message in the approval thread: customer, tenant id, Azure subscription, registration
// and the registration link (Azure portal link to the customerSubscription, plus its resource id).
import template from './templates/runResult.json';
import type { OnboardingRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import { stampText } from './requestView';

export interface ResultCardModel {
  requestId: string;
  customerName: string;
  domain: string;
  customerTenantId: string;
  azureSubscriptionId: string;
  registrationName: string;
  accessSummary: string;
  mappingResourceId: string;
  portalLink: string;
  instructions: string;
  /** The Azure Stack Hub side: what was made, or billing only. */
  stampSummary: string;
  stampSubscriptionId: string;
  /** The subscription in the stamp's user portal ('' when billing only). */
  stampPortalLink: string;
  stampInstructions: string;
  simulated: boolean;
}

export function resultCardModel(request: OnboardingRequest, links: { portalLink: string; mappingResourceId: string; stampPortalLink?: string }, simulated: boolean): ResultCardModel {
  const r = request.results;
  const access = request.access;
  return {
    requestId: request.id,
    customerName: request.customer.companyName,
    domain: request.customer.domain,
    customerTenantId: r.customerTenantId ?? '',
    azureSubscriptionId: r.azureSubscriptionId ?? '',
    registrationName: request.registration.name,
    accessSummary:
      access.kind === 'none'
        ? 'None requested'
        : access.mode === 'automatic'
          ? `${access.email} is a guest with Owner (the invitation went to their mailbox)`
          : `Instructions for ${access.email} below`,
    mappingResourceId: links.mappingResourceId,
    portalLink: links.portalLink,
    instructions: r.accessInstructions ?? '',
    stampSummary: stampText(request),
    stampSubscriptionId: r.stampSubscriptionId ?? '',
    stampPortalLink: links.stampPortalLink ?? '',
    stampInstructions: r.stampAccessInstructions ?? '',
    simulated,
  };
}

export function renderResultCard(vm: ResultCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
