// Step 5: every value of the draft, an Edit button per section, Submit and Cancel.
import template from './templates/onboardReview.json';
import type { DraftRef } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';

export type ReviewSectionName = 'customer' | 'billing' | 'subscription' | 'registration' | 'access';

export interface ReviewSectionModel {
  section: ReviewSectionName;
  title: string;
  facts: { title: string; value: string }[];
  warnings: string[];
}

export interface ReviewCardModel {
  draft: DraftRef;
  cardError: string;
  sections: ReviewSectionModel[];
}

export function renderReviewCard(vm: ReviewCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
