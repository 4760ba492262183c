// Step 1 (new customer): billing address, primary contact, culture and language.
import template from './templates/onboardBilling.json';
import type { Choice, DraftRef, Fields } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';

export const BILLING_CARD_FIELDS = [
  'country',
  'region',
  'city',
  'postalCode',
  'addressLine1',
  'addressLine2',
  'organizationRegistrationNumber',
  'firstName',
  'lastName',
  'email',
  'phoneNumber',
  'culture',
  'language',
] as const;

export interface BillingCardModel {
  draft: DraftRef;
  cardError: string;
  companyName: string;
  countries: Choice[];
  cultures: Choice[];
  languages: Choice[];
  fields: Fields<(typeof BILLING_CARD_FIELDS)[number]>;
}

export function renderBillingCard(vm: BillingCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
