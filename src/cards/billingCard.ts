// Step 1 (new customer): billing address, primary contact, culture and language.
import template from './templates/onboardBilling.json';
import type { Choice, DraftRef, Fields } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';
// The card's input ids are the fields the server parses (one list, owned by the domain).
import type { BILLING_FIELDS } from './onboardingFields';

export interface BillingCardModel {
  draft: DraftRef;
  cardError: string;
  companyName: string;
  countries: Choice[];
  cultures: Choice[];
  languages: Choice[];
  fields: Fields<(typeof BILLING_FIELDS)[number]>;
  /** Partner Center's suggested corrections of the address, each with its button ("Use this address"). */
  addressCheck: AddressCheckModel;
}

export interface AddressCheckModel {
  shown: boolean;
  reason: string;
  /** `index` (as text) goes back with the button; the server looks the suggestion up by it. */
  suggestions: { index: string; text: string }[];
}

// The country, culture and language lists (249, 29 and 19 choices, the same on every card) are bound
// whole (`"choices": "${countries}"`), not item by item with `$data`: expanding ~300 choices through
// the expression evaluator was most of a Next or Back click's CPU (docs/performance.md, issue 17).
// The card holds the view model's arrays as they are, so they must be `{ title, value }` already.
export function renderBillingCard(vm: BillingCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
