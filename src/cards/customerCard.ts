// Step 1: new customer, or search Partner Center for an existing one.
import template from './templates/onboardCustomer.json';
import type { Choice, DraftRef, Fields } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';
// The card's input ids are the fields the server parses (one list, owned by the domain).
import type { CUSTOMER_SEARCH_FIELDS } from './onboardingFields';

export interface CustomerCardModel {
  draft: DraftRef;
  /** A problem with the card as a whole (e.g. Partner Center did not answer); '' when none. */
  cardError: string;
  searchFields: Choice[];
  fields: Fields<(typeof CUSTOMER_SEARCH_FIELDS)[number]>;
}

export const SEARCH_FIELD_CHOICES: Choice[] = [
  { title: 'Company name', value: 'CompanyName' },
  { title: 'Domain', value: 'Domain' },
];

export function renderCustomerCard(vm: CustomerCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
