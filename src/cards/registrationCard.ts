// Step 3: the Azure Stack Hub registration, from those configured in REGISTRATIONS, paged. One
// that cannot take tenants says why instead of offering a button.
import template from './templates/onboardRegistration.json';
import type { DraftRef, PageModel } from './onboardingCard';
import { renderCard, type AdaptiveCard } from './render';

export interface RegistrationOptionModel {
  name: string;
  resourceGroup: string;
  subscriptionId: string;
  resourceId: string;
  billingModel: string;
  eligible: boolean;
  /** Why it cannot take tenants; '' when it can. */
  reason: string;
  /** e.g. the customer's tenant is already mapped there to another subscription; '' when none. */
  warning: string;
  /** Azure has not answered about it yet. */
  pending: boolean;
}

export interface RegistrationCardModel {
  draft: DraftRef;
  cardError: string;
  summary: string;
  registrations: RegistrationOptionModel[];
  /** Some registration is still being checked: offer "Check again" (the same page, asked afresh). */
  checkAgain: boolean;
  currentPage: number;
  page: PageModel;
}

export function renderRegistrationCard(vm: RegistrationCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
