// Step 4 when the registration has an Azure Stack Hub stamp: the stamp's offer for the customer's
// subscription (public offers only, listed from the stamp) and who manages it: the CSP (its
// dedicated account owns it) or the customer (their admin owns it; the CSP's account is invited as
// a guest Owner by the bot, or the customer gets written steps).
import template from './templates/onboardStamp.json';
import type { Choice, DraftRef, Fields } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';
// The card's input ids are the fields the server parses (one list, owned by the domain).
import type { STAMP_FIELDS } from './onboardingFields';

export interface StampCardModel {
  draft: DraftRef;
  cardError: string;
  stampName: string;
  offers: Choice[];
  managers: Choice[];
  fields: Fields<(typeof STAMP_FIELDS)[number]>;
}

export function managerChoices(cspAccount: string): Choice[] {
  return [
    { title: `The CSP manages it: ${cspAccount} is its owner`, value: 'csp' },
    { title: `The customer manages it: their admin is its owner, and the bot invites ${cspAccount} as a guest Owner`, value: 'customer-automatic' },
    { title: `The customer manages it: their admin is its owner, with written steps to make ${cspAccount} a guest Owner`, value: 'customer-instructions' },
  ];
}

export function renderStampCard(vm: StampCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
