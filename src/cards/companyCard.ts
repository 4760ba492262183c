// Step 1 (new customer): company name and the .onmicrosoft.com domain, with "Check availability"
// answering beside the domain field while the operator is still on the card.
import template from './templates/onboardCompany.json';
import type { DraftRef, Fields } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';
// The card's input ids are the fields the server parses (one list, owned by the domain).
import type { COMPANY_FIELDS } from './onboardingFields';

export interface DomainCheckModel {
  /** '' when the domain has not been checked. */
  text: string;
  color: 'Good' | 'Attention' | 'Warning' | 'Default';
}

export interface CompanyCardModel {
  draft: DraftRef;
  cardError: string;
  fields: Fields<(typeof COMPANY_FIELDS)[number]>;
  domainCheck: DomainCheckModel;
}

export function renderCompanyCard(vm: CompanyCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
