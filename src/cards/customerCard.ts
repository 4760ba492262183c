// Step 1: new customer, or search Partner Center for an existing one.
import template from './templates/onboardCustomer.json';
import type { Choice, DraftRef, Fields } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';

export const CUSTOMER_CARD_FIELDS = ['searchField', 'customerQuery'] as const;

export interface CustomerCardModel {
  draft: DraftRef;
  /** A problem with the card as a whole (e.g. Partner Center did not answer); '' when none. */
  cardError: string;
  searchFields: Choice[];
  fields: Fields<(typeof CUSTOMER_CARD_FIELDS)[number]>;
}

export const SEARCH_FIELD_CHOICES: Choice[] = [
  { title: 'Company name', value: 'CompanyName' },
  { title: 'Domain', value: 'Domain' },
];

export function renderCustomerCard(vm: CustomerCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
