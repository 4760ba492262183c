// Step 1 (existing customer): the Partner Center matches to pick from, paged.
import template from './templates/onboardCustomerMatches.json';
import type { DraftRef, PageModel } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';

export interface CustomerMatchModel {
  companyName: string;
  domain: string;
  /** Partner Center customer id == the customer's Entra tenant id. */
  customerTenantId: string;
}

export interface CustomerMatchesCardModel {
  draft: DraftRef;
  cardError: string;
  /** e.g. "Company name starts with "Con": showing 1–5 of 12." */
  summary: string;
  matches: CustomerMatchModel[];
  page: PageModel;
}

export function renderCustomerMatchesCard(vm: CustomerMatchesCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
