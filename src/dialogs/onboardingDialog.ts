// The onboarding conversation: one card per turn. A turn shows the card of the draft's step
// (showCardStep); the operator's button comes back as the next turn (actOnCardStep), which
// validates the card on the server, asks Partner Center or Azure where the card needs it, and
// moves the draft on, or keeps it on the same card with every value and an error beside the field.
// The loop restarts itself (replaceDialog) so the whole draft stays in dialog state.
// From botbuilder-dialogs' own modules rather than its index: the index also loads every prompt and
// the Microsoft.Recognizers.Text suites (half a second of a cold start; docs/performance.md), which
// a dialog of cards never uses.
import { ComponentDialog } from 'botbuilder-dialogs/lib/componentDialog';
import { DialogReason, type DialogTurnResult } from 'botbuilder-dialogs/lib/dialog';
import type { DialogContext } from 'botbuilder-dialogs/lib/dialogContext';
import { WaterfallDialog } from 'botbuilder-dialogs/lib/waterfallDialog';
import type { WaterfallStepContext } from 'botbuilder-dialogs/lib/waterfallStepContext';
import type { TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../cards/render';
import type { BillingAddress, OnboardingRequest } from '../onboarding/model';
import {
  dataString,
  parseBillingProfile,
  parseCompany,
  parseCustomerSearch,
  parseDomainPrefix,
  parsePage,
  parseStamp,
  parseSubscription,
  type BillingProfileInput,
  type CardValues,
} from './onboardingInput';
import type { Cloud } from '../onboarding/ports';
import { addressStanding, cloudProblem, domainStanding, entitlementProblem, NEW_CUSTOMER_NEEDS_AZURE_PLAN } from './onboardingChecks';
import type { Intake } from '../onboarding/requests/intake';
import { azurePlanPurchase, NEW_CUSTOMER_WITHOUT_PURCHASE } from '../onboarding/rules/azurePlanPurchase';
import type { BotStore } from '../store/types';
import { renderDraftCard, registrationStanding, type CardSources } from './onboardingCards';
import {
  accepted,
  goTo,
  nextMissingStep,
  previousStep,
  stepForSection,
  withCardError,
  withCustomer,
  withErrors,
  type DraftSection,
  type OnboardingDraft,
} from './onboardingDraft';
import { submitOnboardingRequest } from './onboardingSubmission';
import { CardChecks, type Checks } from './cardChecks';

export const ONBOARDING_DIALOG = 'ONBOARDING_DIALOG';
const CARD_LOOP = 'CARD_LOOP';

export const VERBS = {
  newCustomer: 'onboard.customer.new',
  search: 'onboard.search',
  pickCustomer: 'onboard.customer.pick',
  searchAgain: 'onboard.customer.back',
  page: 'onboard.page',
  checkDomain: 'onboard.domain.check',
  companyNext: 'onboard.company.next',
  billingNext: 'onboard.billing.next',
  /** Partner Center suggested a corrected address: use suggestion `index`, or keep the address as entered. */
  useAddress: 'onboard.billing.address.use',
  keepAddress: 'onboard.billing.address.keep',
  subscriptionNext: 'onboard.subscription.next',
  pickRegistration: 'onboard.registration.pick',
  accessNext: 'onboard.access.next',
  back: 'onboard.back',
  edit: 'onboard.edit',
  submit: 'onboard.submit',
  cancel: 'onboard.cancel',
  /** Not a button: `onboard` typed while a draft is open shows its card again. */
  resume: 'onboard.resume',
} as const;

/** What the operator did: a button's verb and its data (inputs merged in). Untrusted. */
export interface CardAction {
  verb: string;
  data: Record<string, unknown>;
}

/** How the dialog ended. */
export type OnboardingOutcome =
  /** `approvalProblem`: stored, but posting it for approval failed. */
  | { kind: 'submitted'; request: OnboardingRequest; approvalProblem?: unknown }
  | { kind: 'cancelled'; draft: OnboardingDraft }
  | { kind: 'already-submitted' };

export interface OnboardingDialogDependencies {
  cloud: Pick<Cloud, 'partnerCenter' | 'registrations' | 'name' | 'stamps'>;
  store: Pick<BotStore, 'requests' | 'audit' | 'facts'> & Partial<Pick<BotStore, 'leases'>>;
  /** Takes the submitted draft in (stores, audits, posts it for approval). */
  intake: Intake;
  /** How long a click waits for Partner Center or Azure before the card says "still checking" (default 6 s; Teams allows about 8). */
  checkBudgetMs?: number;
}

/** Turn-state keys: the action the session hands in, and the card the step hands back. */
export const CARD_ACTION_KEY = Symbol('onboarding card action');
export const CARD_OUT_KEY = Symbol('onboarding card to show');
/** The turn's cloud checks: the click's and the next card's share one deadline. */
const TURN_CHECKS_KEY = Symbol('onboarding turn checks');

/** Matches are kept in the draft (dialog state) and paged; a search wider than this asks for more letters. */
const MAX_MATCHES = 50;
const OUT_OF_DATE = 'That card was out of date, so nothing changed: this is where your draft is now.';

export class OnboardingDialog extends ComponentDialog {
  private readonly checks: CardChecks;

  constructor(private readonly deps: OnboardingDialogDependencies) {
    super(ONBOARDING_DIALOG);
    this.checks = new CardChecks(deps.checkBudgetMs);
    this.addDialog(new CardWaterfall(CARD_LOOP, [this.showCardStep.bind(this), this.actOnCardStep.bind(this)]));
    this.initialDialogId = CARD_LOOP;
  }

  private async showCardStep(step: WaterfallStepContext<OnboardingDraft>): Promise<DialogTurnResult> {
    const card = await renderDraftCard(step.options, this.sources(step.context));
    step.context.turnState.set(CARD_OUT_KEY, card);
    return ComponentDialog.EndOfTurn;
  }

  private async actOnCardStep(step: WaterfallStepContext<OnboardingDraft>): Promise<DialogTurnResult> {
    const draft = step.options;
    const action: CardAction = step.context.turnState.get(CARD_ACTION_KEY) ?? { verb: VERBS.resume, data: {} };
    // Cancel works from any card of this draft, never from a card of an older one.
    if (action.verb === VERBS.cancel && action.data.draftId === draft.id) return step.endDialog({ kind: 'cancelled', draft } satisfies OnboardingOutcome);
    if (action.verb === VERBS.resume) return step.replaceDialog(CARD_LOOP, { ...draft, form: { ...draft.form, cardError: '' } });
    if (!this.isFromCurrentCard(draft, action)) return step.replaceDialog(CARD_LOOP, withCardError(draft, OUT_OF_DATE));
    if (action.verb === VERBS.submit) return this.submitStep(step, draft);
    const next = await this.reactToCard(draft, action, this.turnChecks(step.context));
    return step.replaceDialog(CARD_LOOP, next);
  }

  /** The turn's checks, started on first use: everything the turn asks the cloud shares one deadline. */
  private turnChecks(context: TurnContext): Checks {
    let checks: Checks | undefined = context.turnState.get(TURN_CHECKS_KEY);
    if (!checks) {
      checks = this.checks.forTurn();
      context.turnState.set(TURN_CHECKS_KEY, checks);
    }
    return checks;
  }

  private sources(context: TurnContext): CardSources {
    return { cloud: this.deps.cloud, store: this.deps.store, checks: this.turnChecks(context) };
  }

  private async submitStep(step: WaterfallStepContext<OnboardingDraft>, draft: OnboardingDraft): Promise<DialogTurnResult> {
    const submitted = await submitOnboardingRequest(step.context, draft, this.deps.intake);
    if (!submitted.ok && 'alreadySubmitted' in submitted) return step.endDialog({ kind: 'already-submitted' } satisfies OnboardingOutcome);
    if (!submitted.ok) return step.replaceDialog(CARD_LOOP, withCardError(goTo(draft, submitted.step), submitted.problem));
    return step.endDialog({ kind: 'submitted', request: submitted.request, approvalProblem: submitted.approvalProblem } satisfies OnboardingOutcome);
  }

  /** Buttons carry the draft id and the card they are on; anything else is an old card. */
  private isFromCurrentCard(draft: OnboardingDraft, action: CardAction): boolean {
    return action.data.draftId === draft.id && action.data.card === draft.step;
  }

  private async reactToCard(draft: OnboardingDraft, action: CardAction, checks: Checks): Promise<OnboardingDraft> {
    if (action.verb === VERBS.back) return goTo(draft, previousStep(draft));
    switch (draft.step) {
      case 'customer':
        return this.onCustomerCard(draft, action, checks);
      case 'matches':
        return this.onMatchesCard(draft, action);
      case 'company':
        return this.onCompanyCard(draft, action, checks);
      case 'billing':
        return this.onBillingCard(draft, action, checks);
      case 'subscription':
        return this.onSubscriptionCard(draft, action, checks);
      case 'registration':
        return this.onRegistrationCard(draft, action, checks);
      case 'access':
        return this.onAccessCard(draft, action, checks);
      case 'review':
        return this.onReviewCard(draft, action);
    }
  }

  private async onCustomerCard(draft: OnboardingDraft, action: CardAction, checks: Checks): Promise<OnboardingDraft> {
    if (action.verb === VERBS.newCustomer) return goTo(draft, 'company');
    if (action.verb !== VERBS.search) return draft;
    const input = parseCustomerSearch(action.data);
    if (!input.ok) return withErrors(draft, input.values, input.errors);
    try {
      // One more than can be shown: enough to know there are too many, without reading every page.
      const { field, prefix } = input.value;
      const search = await checks.answer(`search:${field}:${prefix.toLowerCase()}`, () =>
        this.deps.cloud.partnerCenter.searchCustomers({ field, prefix }, { limit: MAX_MATCHES + 1 }),
      );
      if (!search.done) return withErrors(draft, input.values, { customerQuery: stillChecking(`searching Partner Center for "${prefix}"`, 'Search') });
      const matches = search.value;
      if (matches.length > MAX_MATCHES) {
        return withErrors(draft, input.values, {
          customerQuery: `More than ${MAX_MATCHES} customers start with "${input.value.prefix}": type more of the name or domain.`,
        });
      }
      if (matches.length === 0) {
        const what = input.value.field === 'Domain' ? 'a domain' : 'a company name';
        return withErrors(draft, input.values, {
          customerQuery: `No customer of yours in Partner Center has ${what} starting with "${input.value.prefix}". Check the spelling, search by the other field, or choose New customer.`,
        });
      }
      return { ...accepted(draft, input.values), step: 'matches', page: 0, search: { ...input.value, matches }, form: { values: {}, errors: {}, cardError: '' } };
    } catch (err) {
      return withErrors(draft, input.values, { customerQuery: this.problem(err, 'Partner Center search failed') });
    }
  }

  private onMatchesCard(draft: OnboardingDraft, action: CardAction): OnboardingDraft {
    if (action.verb === VERBS.searchAgain) return goTo(draft, 'customer');
    if (action.verb === VERBS.page) return { ...draft, page: parsePage(action.data) };
    if (action.verb !== VERBS.pickCustomer) return draft;
    // The pick is looked up in the matches the server found, never taken from the card.
    const id = dataString(action.data, 'customerTenantId')?.toLowerCase();
    const match = draft.search?.matches.find((m) => m.customerTenantId.toLowerCase() === id);
    if (!match) return withCardError(draft, 'That customer is not among the search results: choose one of those listed.');
    const customer = { kind: 'existing' as const, customerTenantId: match.customerTenantId, companyName: match.companyName, domain: match.domain };
    const next = withCustomer(draft, customer);
    return goTo(next, nextMissingStep(next));
  }

  private async onCompanyCard(draft: OnboardingDraft, action: CardAction, checks: Checks): Promise<OnboardingDraft> {
    if (action.verb === VERBS.checkDomain) return this.checkDomain(draft, action, checks);
    if (action.verb !== VERBS.companyNext) return draft;
    const input = parseCompany(action.data);
    if (!input.ok) return withErrors(draft, input.values, input.errors);
    const taken = await this.domainProblem(input.value.domain, checks);
    if (taken === undefined) return { ...withErrors(draft, input.values, { domainPrefix: stillChecking(`checking ${input.value.domain} with Partner Center`, 'Next') }), domainCheck: undefined };
    if (taken) return { ...withErrors(draft, input.values, { domainPrefix: taken }), domainCheck: undefined };
    const next = { ...accepted(draft, input.values), company: input.value, domainCheck: undefined };
    return goTo(next, 'billing');
  }

  /** "Check availability": the same card, values kept, the answer beside the domain field. */
  private async checkDomain(draft: OnboardingDraft, action: CardAction, checks: Checks): Promise<OnboardingDraft> {
    const input = parseDomainPrefix(action.data);
    if (!input.ok) return { ...withErrors(draft, input.values, input.errors), domainCheck: undefined };
    const domain = input.value.domain;
    const taken = await this.domainProblem(domain, checks);
    const kept = withErrors(draft, input.values, {});
    if (taken === undefined) return { ...kept, domainCheck: { domain, available: false, pending: true, text: stillChecking(`checking ${domain} with Partner Center`, 'Check availability') } };
    if (taken) return { ...kept, domainCheck: { domain, available: false, text: taken } };
    return { ...kept, domainCheck: { domain, available: true, text: `${domain} is available.` } };
  }

  /** Why the domain cannot be used ('' when it is free; undefined while Partner Center has not answered). Says so when it is already one of ours. */
  private async domainProblem(domain: string, checks: Checks): Promise<string | undefined> {
    const answer = await checks.answer(`domain:${domain.toLowerCase()}`, () => domainStanding(this.deps.cloud.partnerCenter, domain));
    if (!answer.done) return undefined;
    return answer.value.kind === 'free' ? '' : answer.value.text;
  }

  /**
   * Next on the billing card: the address is validated with Partner Center first (PC-11). A
   * verified address goes on as entered; suggested corrections are offered on the same card (use
   * one or keep yours); an address Partner Center calls incorrect stays to be corrected.
   */
  private async onBillingCard(draft: OnboardingDraft, action: CardAction, checks: Checks): Promise<OnboardingDraft> {
    if (action.verb === VERBS.useAddress || action.verb === VERBS.keepAddress) return this.onAddressChoice(draft, action);
    if (action.verb !== VERBS.billingNext) return draft;
    const input = parseBillingProfile(action.data);
    if (!input.ok) return { ...withErrors(draft, input.values, input.errors), addressCheck: undefined };
    if (!draft.company) return goTo(draft, 'company');
    const address = input.value.address;
    const answer = await checks.answer(`address:${JSON.stringify(address)}`, () => addressStanding(this.deps.cloud.partnerCenter, address));
    if (!answer.done) return { ...withErrors(draft, input.values, {}, stillChecking('validating the address with Partner Center', 'Next')), addressCheck: undefined };
    const verdict = answer.value;
    if (verdict.kind === 'correct') return { ...withErrors(draft, input.values, {}, verdict.reason), addressCheck: undefined };
    if (verdict.kind === 'choose') {
      return { ...withErrors(draft, input.values, {}), addressCheck: { entered: input.value, values: input.values, reason: verdict.reason, suggestions: verdict.suggestions } };
    }
    return this.billingAccepted(draft, input.values, input.value);
  }

  /** "Use this address" (a suggestion, looked up by its index in the draft, never read from the card) or "Keep as entered". */
  private onAddressChoice(draft: OnboardingDraft, action: CardAction): OnboardingDraft {
    const check = draft.addressCheck;
    if (!check) return withCardError(draft, 'There is no suggested address to choose any more: check the address and click Next.');
    if (action.verb === VERBS.keepAddress) return this.billingAccepted(draft, check.values, check.entered);
    const index = Number(dataString(action.data, 'suggestion'));
    const suggestion = Number.isInteger(index) ? check.suggestions[index] : undefined;
    if (!suggestion) return withCardError(draft, 'That suggestion is not among those Partner Center made: choose one of those shown.');
    const values = { ...check.values, ...addressValues(suggestion) };
    return this.billingAccepted(draft, values, { ...check.entered, address: suggestion });
  }

  private billingAccepted(draft: OnboardingDraft, values: CardValues, billing: BillingProfileInput): OnboardingDraft {
    if (!draft.company) return goTo(draft, 'company');
    const customer = {
      kind: 'new' as const,
      companyName: draft.company.companyName,
      domain: draft.company.domain,
      address: billing.address,
      contact: billing.contact,
      culture: billing.culture,
      language: billing.language,
      organizationRegistrationNumber: billing.organizationRegistrationNumber,
    };
    const next = withCustomer({ ...accepted(draft, values), billing, addressCheck: undefined }, customer);
    return goTo(next, nextMissingStep(next));
  }

  private async onSubscriptionCard(draft: OnboardingDraft, action: CardAction, checks: Checks): Promise<OnboardingDraft> {
    if (action.verb !== VERBS.subscriptionNext) return draft;
    const input = parseSubscription(action.data);
    const purchase = azurePlanPurchase(this.deps.cloud.name);
    if (!purchase.available && dataString(action.data, 'subscriptionKind') === 'azure-plan') {
      // Card data is untrusted: the card offered no purchase here (refused before the purchase's own fields are read).
      return withErrors(draft, input.values, { subscriptionKind: purchase.reason });
    }
    if (!input.ok) return withErrors(draft, input.values, input.errors);
    const subscription = input.value;
    if (subscription.kind === 'existing') {
      const customer = draft.customer;
      if (customer?.kind !== 'existing') {
        const words = purchase.available ? NEW_CUSTOMER_NEEDS_AZURE_PLAN : NEW_CUSTOMER_WITHOUT_PURCHASE;
        return withErrors(draft, input.values, { subscriptionKind: words });
      }
      const answer = await checks.answer(`subscriptions:${customer.customerTenantId.toLowerCase()}:${subscription.azureSubscriptionId}`, () =>
        entitlementProblem(this.deps.cloud, customer.customerTenantId, customer.companyName, subscription.azureSubscriptionId),
      );
      const problem = answer.done ? answer.value : stillChecking(`reading ${customer.companyName}'s Azure subscriptions from Partner Center`, 'Next');
      if (problem) return withErrors(draft, input.values, { azureSubscriptionId: problem });
    }
    const next =
      subscription.kind === 'azure-plan'
        ? { ...accepted(draft, input.values), subscription: { kind: 'azure-plan' as const }, agreement: subscription.agreement }
        : { ...accepted(draft, input.values), subscription, agreement: undefined };
    return goTo(next, nextMissingStep(next));
  }

  private async onRegistrationCard(draft: OnboardingDraft, action: CardAction, checks: Checks): Promise<OnboardingDraft> {
    if (action.verb === VERBS.page) return { ...draft, page: parsePage(action.data), form: { ...draft.form, cardError: '' } };
    if (action.verb !== VERBS.pickRegistration) return draft;
    // Only a registration from REGISTRATIONS, whatever the card says.
    const id = dataString(action.data, 'registrationId')?.toLowerCase();
    const ref = this.deps.cloud.registrations.allowed.find((r) => r.resourceId.toLowerCase() === id);
    if (!ref) return withCardError(draft, 'That registration is not one this bot may change: choose one of those listed.');
    const standing = await registrationStanding(ref, { cloud: this.deps.cloud, store: this.deps.store, checks });
    if (!standing.eligible) return withCardError(draft, standing.reason);
    // With a stamp, step 4 asks for the Azure Stack Hub subscription; without one, billing only.
    const hasStamp = this.deps.cloud.stamps?.has(ref.name) ?? false;
    const same = draft.registration?.ref.resourceId === ref.resourceId && draft.registration.hasStamp === hasStamp;
    const access = hasStamp ? (same ? { access: draft.access, stamp: draft.stamp } : { access: undefined, stamp: undefined }) : { access: { kind: 'none' as const }, stamp: undefined };
    const next = { ...draft, registration: { ref, billingModel: standing.billingModel, hasStamp }, ...access };
    return goTo(next, nextMissingStep(next));
  }

  private async onAccessCard(draft: OnboardingDraft, action: CardAction, checks: Checks): Promise<OnboardingDraft> {
    if (action.verb !== VERBS.accessNext) return draft;
    const stamps = this.deps.cloud.stamps;
    const registration = draft.registration;
    if (!registration?.hasStamp || !stamps) {
      // A draft from before the Azure Stack Hub card: billing only, the old guest access is no more.
      const next = { ...draft, access: { kind: 'none' as const }, stamp: undefined };
      return goTo(next, nextMissingStep(next));
    }
    // The stamp's own offers, looked up now: the card's value is only a pick among them.
    const input = parseStamp(action.data);
    if (!input.ok) return withErrors(draft, input.values, input.errors);
    let offers;
    try {
      const answer = await checks.answer(`offers:${registration.ref.name.toLowerCase()}`, () => stamps.listOffers(registration.ref.name));
      if (!answer.done) return withErrors(draft, input.values, { stampOffer: stillChecking('reading the offers of the Azure Stack Hub', 'Next') });
      offers = answer.value.filter((o) => o.state === 'Public');
    } catch (err) {
      return withErrors(draft, input.values, { stampOffer: this.problem(err, 'Could not list the offers of the Azure Stack Hub') });
    }
    const offer = offers.find((o) => o.id.toLowerCase() === input.value.offerId.toLowerCase());
    if (!offer) return withErrors(draft, input.values, { stampOffer: 'That offer is not one of the public offers on the Azure Stack Hub now: choose one of those listed.' });
    const { managedBy, guestMode, admin } = input.value;
    const stamp = {
      registration: registration.ref.name,
      offerId: offer.id,
      offerName: offer.displayName,
      managedBy,
      owner: managedBy === 'csp' || !admin ? stamps.cspAccount : admin.email,
      ownerName: admin?.name,
      guestMode,
      cspAccount: stamps.cspAccount,
    };
    const next = { ...accepted(draft, input.values), access: { kind: 'none' as const }, stamp };
    return goTo(next, nextMissingStep(next));
  }

  private onReviewCard(draft: OnboardingDraft, action: CardAction): OnboardingDraft {
    if (action.verb !== VERBS.edit) return draft;
    const section = dataString(action.data, 'section') as DraftSection | undefined;
    if (!section || !['customer', 'billing', 'subscription', 'registration', 'access'].includes(section)) return draft;
    if (section === 'access' && !draft.registration?.hasStamp) return draft;
    return goTo(draft, stepForSection(draft, section));
  }

  /** A cloud failure as words for the card; anything that is not a DomainError is a bug and propagates. */
  private problem(err: unknown, what: string): string {
    return cloudProblem(err, what);
  }
}

/** The billing card's address inputs holding `address`. */
function addressValues(address: BillingAddress): CardValues {
  return {
    country: address.country,
    region: address.region ?? '',
    city: address.city,
    postalCode: address.postalCode,
    addressLine1: address.addressLine1,
    addressLine2: address.addressLine2 ?? '',
  };
}

/** What the card says while a cloud check goes on after the click has answered. */
function stillChecking(what: string, button: string): string {
  return `Still ${what}: no answer yet. Click ${button} again in a few seconds; what you entered is kept.`;
}

/**
 * A waterfall that also moves on for card invokes: botbuilder's WaterfallDialog only continues on
 * message activities, but an Action.Execute click arrives as an `adaptiveCard/action` invoke.
 */
class CardWaterfall extends WaterfallDialog<OnboardingDraft> {
  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    return this.resumeDialog(dc, DialogReason.continueCalled);
  }
}

/** The card the dialog wants shown this turn, if any. */
export function cardToShow(context: TurnContext): AdaptiveCard | undefined {
  return context.turnState.get(CARD_OUT_KEY);
}
