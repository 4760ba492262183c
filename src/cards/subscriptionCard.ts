// Step 2: buy an Azure plan, or use an existing Azure subscription of the customer.
import template from './templates/onboardSubscription.json';
import type { Choice, DraftRef, Fields } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';
// The card's input ids are the fields the server parses (one list, owned by the domain).
import type { SUBSCRIPTION_FIELDS } from './onboardingFields';

export interface SubscriptionCardModel {
  draft: DraftRef;
  cardError: string;
  customerName: string;
  /** Why a choice is missing (a new customer has no subscription yet); '' when none. */
  note: string;
  kinds: Choice[];
  fields: Fields<(typeof SUBSCRIPTION_FIELDS)[number]>;
}

export function renderSubscriptionCard(vm: SubscriptionCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
