// The onboarding draft: everything the operator has entered so far, where they are, and what the
// card in front of them shows. It lives in dialog state (plain JSON), so it survives a restart.
import type { CustomerSummary } from '../onboarding/ports';
import type { BillingProfileInput, CardValues, CompanyInput, CustomerSearch, FieldErrors } from './onboardingInput';
import type { AgreementAcceptance, BillingAddress, CustomerAccess, CustomerChoice, RegistrationRef, StampChoice, SubscriptionChoice } from '../onboarding/model';

/** The card the operator is on. */
export type DraftStep = 'customer' | 'matches' | 'company' | 'billing' | 'subscription' | 'registration' | 'access' | 'review';

/** Sections of the review card, each with its own Edit button. */
export type DraftSection = 'customer' | 'billing' | 'subscription' | 'registration' | 'access';

export interface DraftOwner {
  /** Entra object id, or the channel user id when Teams sent none. */
  key: string;
  aadObjectId?: string;
  teamsUserId: string;
  name: string;
}

export interface OnboardingDraft {
  /** Carried by every button, so a card from an older draft is recognised. */
  id: string;
  owner: DraftOwner;
  startedAt: string;
  step: DraftStep;
  /** What the current card shows: the values as typed and the error beside each field. */
  form: { values: CardValues; errors: FieldErrors; cardError: string };
  /** The last accepted values of each card, shown again when the operator comes back to it. */
  saved: Partial<Record<DraftStep, CardValues>>;
  /** Current page of a paged card (customer matches, registrations). */
  page: number;
  search?: CustomerSearch & { matches: CustomerSummary[] };
  /** The answer to "Check availability" beside the domain; `pending` while Partner Center has not answered. */
  domainCheck?: { domain: string; available: boolean; pending?: boolean; text: string };
  company?: CompanyInput;
  /**
   * On the billing card, when Partner Center suggested corrections to the address entered: the
   * billing profile as entered (its card values too) and the suggestions the operator chooses from.
   */
  addressCheck?: { entered: BillingProfileInput; values: CardValues; reason: string; suggestions: BillingAddress[] };
  billing?: BillingProfileInput;
  customer?: CustomerChoice;
  subscription?: SubscriptionChoice;
  /** With a new Azure plan: the customer's acceptance of the Microsoft Customer Agreement, as attested on the subscription card. */
  agreement?: AgreementAcceptance;
  /** `hasStamp`: AZURESTACK_STAMPS names a stamp for it (then the access card is the Azure Stack Hub card); else billing only. */
  registration?: { ref: RegistrationRef; billingModel: string; hasStamp?: boolean };
  /** Always `none` for a new draft: the Azure Stack Hub card replaced the old guest-Owner access. Set once step 4 is done. */
  access?: CustomerAccess;
  /** The customer's Azure Stack Hub subscription (the registration has a stamp). */
  stamp?: StampChoice;
}

/** Values a card starts with the first time. */
const FIRST_VALUES: Partial<Record<DraftStep, CardValues>> = {
  customer: { searchField: 'CompanyName' },
  billing: { culture: 'en-US', language: 'en' },
  subscription: { subscriptionKind: 'azure-plan', agreementAccepted: 'false' },
  access: { managedBy: 'customer-automatic' },
};

export function newDraft(id: string, owner: DraftOwner, now: Date): OnboardingDraft {
  return { id, owner, startedAt: now.toISOString(), step: 'customer', form: emptyForm('customer', {}), saved: {}, page: 0 };
}

function emptyForm(step: DraftStep, saved: OnboardingDraft['saved']): OnboardingDraft['form'] {
  return { values: { ...(FIRST_VALUES[step] ?? {}), ...(saved[step] ?? {}) }, errors: {}, cardError: '' };
}

/** The draft moved to `step`, its card showing the values last accepted there. */
export function goTo(draft: OnboardingDraft, step: DraftStep): OnboardingDraft {
  return { ...draft, step, page: 0, form: emptyForm(step, draft.saved), addressCheck: undefined };
}

/** The same card again, values kept, with errors beside the fields (and/or on the card). */
export function withErrors(draft: OnboardingDraft, values: CardValues, errors: FieldErrors, cardError = ''): OnboardingDraft {
  return { ...draft, form: { values, errors, cardError } };
}

/** The same card again, unchanged but for a note at the top. */
export function withCardError(draft: OnboardingDraft, cardError: string): OnboardingDraft {
  return { ...draft, form: { ...draft.form, errors: {}, cardError } };
}

/** Records the accepted values of the current card. */
export function accepted(draft: OnboardingDraft, values: CardValues): OnboardingDraft {
  return { ...draft, saved: { ...draft.saved, [draft.step]: values } };
}

/** After a section is done: the first section still missing, or the review when none is. */
export function nextMissingStep(draft: OnboardingDraft): DraftStep {
  if (!draft.customer) return 'customer';
  if (!draft.subscription || (draft.subscription.kind === 'azure-plan' && !draft.agreement)) return 'subscription';
  if (!draft.registration) return 'registration';
  if (!draft.access || (draft.registration.hasStamp && !draft.stamp)) return 'access';
  return 'review';
}

/** The card an Edit button on the review opens. */
export function stepForSection(draft: OnboardingDraft, section: DraftSection): DraftStep {
  switch (section) {
    case 'customer':
      return draft.customer?.kind === 'new' ? 'company' : 'customer';
    case 'billing':
      return draft.customer?.kind === 'new' ? 'billing' : 'customer';
    default:
      return section;
  }
}

/** Where Back goes from each card. */
export function previousStep(draft: OnboardingDraft): DraftStep {
  switch (draft.step) {
    case 'company':
    case 'matches':
      return 'customer';
    case 'billing':
      return 'company';
    case 'subscription':
      return draft.customer?.kind === 'new' ? 'billing' : 'customer';
    case 'registration':
      return 'subscription';
    case 'access':
      return 'registration';
    default:
      return draft.step;
  }
}

/**
 * A new customer choice. When the customer changes, an existing subscription chosen for the old
 * one no longer applies: the operator picks the subscription again.
 */
export function withCustomer(draft: OnboardingDraft, customer: CustomerChoice): OnboardingDraft {
  const sameTenant =
    draft.customer?.kind === 'existing' && customer.kind === 'existing' && draft.customer.customerTenantId === customer.customerTenantId;
  const keepSubscription = draft.subscription?.kind === 'azure-plan' || sameTenant;
  return { ...draft, customer, subscription: keepSubscription ? draft.subscription : undefined };
}

export function customerName(draft: OnboardingDraft): string {
  return draft.customer?.companyName ?? draft.company?.companyName ?? 'the customer';
}
