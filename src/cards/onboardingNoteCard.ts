// A short note that ends or explains an onboarding card: submitted, cancelled, expired.
import template from './templates/onboardNote.json';
import { renderCard, type AdaptiveCard } from './render';

export interface OnboardingNoteCardModel {
  title: string;
  text: string;
  color: 'Default' | 'Good' | 'Attention' | 'Warning';
  facts: { title: string; value: string }[];
}

export function renderOnboardingNoteCard(vm: OnboardingNoteCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
