// Step 4: customer access: none, or the customer's admin as a guest with Owner on the subscription.
import template from './templates/onboardAccess.json';
import type { Choice, DraftRef, Fields } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';
// The card's input ids are the fields the server parses (one list, owned by the domain).
import type { ACCESS_FIELDS } from './onboardingFields';

export interface AccessCardModel {
  draft: DraftRef;
  cardError: string;
  kinds: Choice[];
  fields: Fields<(typeof ACCESS_FIELDS)[number]>;
}

export const ACCESS_KIND_CHOICES: Choice[] = [
  { title: 'None: the CSP manages the subscription', value: 'none' },
  { title: 'Invite the admin as a guest and give Owner: the bot does it', value: 'guest-automatic' },
  { title: 'Invite the admin as a guest and give Owner: written instructions for the customer', value: 'guest-instructions' },
];

export function renderAccessCard(vm: AccessCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
