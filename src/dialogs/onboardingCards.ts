// Turns the draft into the card for the step the operator is on: the view models of src/cards,
// filled from the draft and, for the registration and review cards, from what the cloud says.
import { ACCESS_KIND_CHOICES, renderAccessCard } from '../cards/accessCard';
import { renderBillingCard } from '../cards/billingCard';
import { renderCompanyCard } from '../cards/companyCard';
import { SEARCH_FIELD_CHOICES, renderCustomerCard } from '../cards/customerCard';
import { renderCustomerMatchesCard } from '../cards/customerMatchesCard';
import { fieldModels, pageOf, type Choice, type DraftRef } from '../cards/onboardingCard';
import { renderOnboardingNoteCard } from '../cards/onboardingNoteCard';
import { renderRegistrationCard, type RegistrationOptionModel } from '../cards/registrationCard';
import { renderReviewCard, type ReviewSectionModel } from '../cards/reviewCard';
import { agreementText, ownedSubscription, stampText } from '../cards/requestView';
import { renderSubscriptionCard } from '../cards/subscriptionCard';
import { managerChoices, renderStampCard } from '../cards/stampCard';
import type { AdaptiveCard } from '../cards/render';
import { isDomainError } from '../onboarding/errors';
import type { Guid, RegistrationRef, SubscriptionChoice } from '../onboarding/model';
import { ACCESS_FIELDS, BILLING_FIELDS, COMPANY_FIELDS, CUSTOMER_SEARCH_FIELDS, STAMP_FIELDS, SUBSCRIPTION_FIELDS } from '../cards/onboardingFields';
import { COUNTRIES, CULTURES, LANGUAGES } from '../onboarding/rules/customerProfile';
import type { Cloud } from '../onboarding/ports';
import { tenantBilling } from '../onboarding/rules/registrationBilling';
import { azurePlanPurchase, NEW_CUSTOMER_WITHOUT_PURCHASE } from '../onboarding/rules/azurePlanPurchase';
import { unapprovedRegistration } from '../onboarding/rules/unapprovedRegistration';
import { addressLine } from '../onboarding/rules/addressValidation';
import type { BotStore } from '../store/types';
import { customerName, type OnboardingDraft } from './onboardingDraft';
import type { Checks } from './cardChecks';

export const PAGE_SIZE = 5;

export interface CardSources {
  cloud: Pick<Cloud, 'registrations' | 'name' | 'stamps'>;
  store: Pick<BotStore, 'facts'>;
  /** The turn's cloud checks (bounded by the invoke's time): an unanswered one shows as "still checking". */
  checks: Checks;
}

/** Whether a registration can take the customer's tenant, and what to tell the operator about it. */
export interface RegistrationStanding {
  billingModel: string;
  eligible: boolean;
  reason: string;
  /** Azure has not answered yet (the card offers Check again). */
  pending?: boolean;
}

const STILL_CHECKING_REGISTRATION = 'Still checking this registration with Azure: no answer yet. Click Check again in a few seconds.';

const SUBSCRIPTION_KINDS: Choice[] = [
  { title: 'Buy an Azure plan', value: 'azure-plan' },
  { title: 'Use an existing Azure subscription', value: 'existing' },
];
const COUNTRY_CHOICES: Choice[] = COUNTRIES.map((c) => ({ title: c.name, value: c.code }));
const CULTURE_CHOICES: Choice[] = CULTURES.map((c) => ({ title: `${c.name} (${c.code})`, value: c.code }));
const LANGUAGE_CHOICES: Choice[] = LANGUAGES.map((l) => ({ title: `${l.name} (${l.code})`, value: l.code }));

export function draftRef(draft: OnboardingDraft): DraftRef {
  return { id: draft.id, ownerId: draft.owner.key, ownerName: draft.owner.name };
}

/** The card for the draft's current step. */
export async function renderDraftCard(draft: OnboardingDraft, sources: CardSources): Promise<AdaptiveCard> {
  const { values, errors, cardError } = draft.form;
  const common = { draft: draftRef(draft), cardError };
  switch (draft.step) {
    case 'customer':
      return renderCustomerCard({ ...common, searchFields: SEARCH_FIELD_CHOICES, fields: fieldModels(CUSTOMER_SEARCH_FIELDS, values, errors) });
    case 'matches':
      return renderMatches(draft);
    case 'company':
      return renderCompanyCard({
        ...common,
        fields: fieldModels(COMPANY_FIELDS, values, errors),
        domainCheck: draft.domainCheck
          ? { text: draft.domainCheck.text, color: draft.domainCheck.pending ? 'Warning' : draft.domainCheck.available ? 'Good' : 'Attention' }
          : { text: '', color: 'Default' },
      });
    case 'billing':
      return renderBillingCard({
        ...common,
        companyName: draft.company?.companyName ?? 'the new customer',
        countries: COUNTRY_CHOICES,
        cultures: CULTURE_CHOICES,
        languages: LANGUAGE_CHOICES,
        fields: fieldModels(BILLING_FIELDS, values, errors),
        addressCheck: draft.addressCheck
          ? { shown: true, reason: draft.addressCheck.reason, suggestions: draft.addressCheck.suggestions.map((a, i) => ({ index: String(i), text: addressLine(a) })) }
          : { shown: false, reason: '', suggestions: [] },
      });
    case 'subscription':
      return renderSubscriptionCard({
        ...common,
        customerName: customerName(draft),
        ...subscriptionChoices(draft, sources.cloud.name),
        fields: fieldModels(SUBSCRIPTION_FIELDS, withAgreementDefaults(draft, values), errors),
      });
    case 'registration':
      return renderRegistrations(draft, sources);
    case 'access':
      if (draft.registration?.hasStamp && sources.cloud.stamps) return renderStamp(draft, sources);
      return renderAccessCard({ ...common, kinds: ACCESS_KIND_CHOICES, fields: fieldModels(ACCESS_FIELDS, values, errors) });
    case 'review':
      return renderReviewCard({ ...common, sections: await reviewSections(draft, sources) });
  }
}

/**
 * What the subscription card offers: a new customer can only get a new Azure plan; where the cloud
 * has no Azure plan purchase (rules/azurePlanPurchase) only an existing subscription is offered, and
 * the card says why.
 */
function subscriptionChoices(draft: OnboardingDraft, cloudName: string): { note: string; kinds: Choice[] } {
  const isNew = draft.customer?.kind === 'new';
  const purchase = azurePlanPurchase(cloudName);
  if (!purchase.available) {
    return { note: isNew ? `${purchase.reason} ${NEW_CUSTOMER_WITHOUT_PURCHASE}` : purchase.reason, kinds: SUBSCRIPTION_KINDS.slice(1) };
  }
  if (isNew) return { note: 'A new customer has no Azure subscription yet: the run buys an Azure plan for it.', kinds: SUBSCRIPTION_KINDS.slice(0, 1) };
  return { note: '', kinds: SUBSCRIPTION_KINDS };
}

/** The Azure Stack Hub card: the stamp's public offers (read now) and who manages the subscription. */
async function renderStamp(draft: OnboardingDraft, sources: CardSources): Promise<AdaptiveCard> {
  const stamps = sources.cloud.stamps!;
  const name = draft.registration!.ref.name;
  let offers: Choice[] = [];
  let cardError = draft.form.cardError;
  try {
    const answer = await sources.checks.answer(`offers:${name.toLowerCase()}`, () => stamps.listOffers(name));
    if (!answer.done) cardError = `Still reading the offers of the Azure Stack Hub of ${name}: no answer yet. Click Next in a few seconds to see them.`;
    else offers = answer.value.filter((o) => o.state === 'Public').map((o) => ({ title: o.description ? `${o.displayName}: ${o.description}` : o.displayName, value: o.id }));
  } catch (err) {
    if (!isDomainError(err)) throw err;
    cardError = `Could not list the offers of the Azure Stack Hub of ${name}: ${err.message} ${err.nextStep}`;
  }
  const values = { ...draft.form.values };
  if (!values.stampOffer && offers.length > 0) values.stampOffer = offers[0].value;
  return renderStampCard({
    draft: draftRef(draft),
    cardError,
    stampName: name,
    offers,
    managers: managerChoices(stamps.cspAccount),
    fields: fieldModels(STAMP_FIELDS, values, draft.form.errors),
  });
}

function renderMatches(draft: OnboardingDraft): AdaptiveCard {
  const search = draft.search ?? { field: 'CompanyName', prefix: '', matches: [] };
  const shown = pageOf(search.matches, draft.page, PAGE_SIZE);
  const what = search.field === 'Domain' ? 'Domain' : 'Company name';
  return renderCustomerMatchesCard({
    draft: draftRef(draft),
    cardError: draft.form.cardError,
    summary: `${what} starts with "${search.prefix}": showing ${shown.range}.`,
    matches: shown.items.map((m) => ({ companyName: m.companyName, domain: m.domain, customerTenantId: m.customerTenantId })),
    page: shown.page,
  });
}

async function renderRegistrations(draft: OnboardingDraft, sources: CardSources): Promise<AdaptiveCard> {
  const shown = pageOf(sources.cloud.registrations.allowed, draft.page, PAGE_SIZE);
  const registrations = await Promise.all(shown.items.map((ref) => registrationOption(draft, ref, sources)));
  return renderRegistrationCard({
    draft: draftRef(draft),
    cardError: draft.form.cardError,
    checkAgain: registrations.some((r) => r.pending),
    currentPage: shown.index,
    summary:
      shown.items.length === 0
        ? 'No registration is configured (REGISTRATIONS is empty): ask an administrator to add one.'
        : `Registrations this bot may change: showing ${shown.range}. Whether Microsoft approved a registration for multi-tenant billing shows only when a tenant is first added.`,
    registrations,
    page: shown.page,
  });
}

async function registrationOption(draft: OnboardingDraft, ref: RegistrationRef, sources: CardSources): Promise<RegistrationOptionModel> {
  const standing = await registrationStanding(ref, sources);
  return {
    name: ref.name,
    resourceGroup: ref.resourceGroup,
    subscriptionId: ref.subscriptionId,
    resourceId: ref.resourceId,
    billingModel: standing.billingModel,
    eligible: standing.eligible,
    reason: standing.reason,
    warning: await mappingWarning(draft, ref, sources),
    pending: standing.pending ?? false,
  };
}

/** Read from Azure (billing model) and from what an earlier run learnt (refused as unapproved). */
export async function registrationStanding(ref: RegistrationRef, sources: CardSources): Promise<RegistrationStanding> {
  let billingModel: string;
  try {
    const answer = await sources.checks.answer(`registration:${ref.resourceId.toLowerCase()}`, () => sources.cloud.registrations.getRegistration(ref));
    if (!answer.done) return { billingModel: 'checking…', eligible: false, reason: STILL_CHECKING_REGISTRATION, pending: true };
    billingModel = answer.value.billingModel;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { billingModel: 'unknown', eligible: false, reason: `Could not read ${ref.name}: ${err.message} ${err.nextStep}` };
  }
  const billing = tenantBilling(ref.name, billingModel);
  if (!billing.takesTenants) return { billingModel, eligible: false, reason: billing.reason };
  const refused = await unapprovedRegistration(sources.store.facts, ref);
  if (refused) {
    // Still selectable: Microsoft may have approved it since; the run finds out.
    return {
      billingModel,
      eligible: true,
      reason: `Not approved for multi-tenant billing when a tenant was last added (${refused.date.slice(0, 10)}, UnauthorizedCspRegistration). Choose it only if Microsoft (azstcsp@microsoft.com) has approved it since.`,
    };
  }
  return { billingModel, eligible: true, reason: '' };
}

/** For an existing customer: is their tenant already mapped on this registration to another subscription? */
export async function mappingWarning(draft: OnboardingDraft, ref: RegistrationRef, sources: CardSources): Promise<string> {
  if (draft.customer?.kind !== 'existing') return '';
  const tenant = draft.customer.customerTenantId;
  let mappings;
  try {
    const answer = await sources.checks.answer(`mappings:${ref.resourceId.toLowerCase()}`, () => sources.cloud.registrations.listMappings(ref));
    if (!answer.done) return `Still checking whether ${draft.customer.companyName} is already mapped here: no answer from Azure yet.`;
    mappings = answer.value;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return `Could not check the existing mappings here: ${err.message}`;
  }
  const theirs = mappings.filter((m) => m.customerTenantId.toLowerCase() === tenant.toLowerCase());
  const chosen = chosenSubscriptionId(draft.subscription);
  const others = theirs.filter((m) => m.azureSubscriptionId !== chosen);
  if (others.length === 0) {
    return theirs.length > 0 ? `${draft.customer.companyName} is already mapped here to this subscription: nothing changes.` : '';
  }
  const ids = others.map((m) => m.azureSubscriptionId).join(', ');
  return `${draft.customer.companyName} is already mapped here to subscription ${ids}: adding it overwrites that mapping.`;
}

function chosenSubscriptionId(subscription: SubscriptionChoice | undefined): Guid | undefined {
  return subscription?.kind === 'existing' ? subscription.azureSubscriptionId : undefined;
}

async function reviewSections(draft: OnboardingDraft, sources: CardSources): Promise<ReviewSectionModel[]> {
  const sections: ReviewSectionModel[] = [];
  const customer = draft.customer;
  if (customer?.kind === 'new') {
    const country = COUNTRIES.find((c) => c.code === customer.address.country)?.name ?? customer.address.country;
    const address = [customer.address.addressLine1, customer.address.addressLine2, customer.address.city, customer.address.region, customer.address.postalCode, country]
      .filter(Boolean)
      .join(', ');
    sections.push({
      section: 'customer',
      title: 'Customer',
      facts: [
        { title: 'Customer', value: `${customer.companyName} (new)` },
        { title: 'Domain', value: customer.domain },
      ],
      warnings: [],
    });
    sections.push({
      section: 'billing',
      title: 'Billing profile',
      facts: [
        { title: 'Address', value: address },
        ...(customer.organizationRegistrationNumber ? [{ title: 'Organisation registration number', value: customer.organizationRegistrationNumber }] : []),
        { title: 'Contact', value: `${customer.contact.firstName} ${customer.contact.lastName} (${customer.contact.email})` },
        { title: 'Phone', value: customer.contact.phoneNumber ?? '(none)' },
        { title: 'Culture, language', value: `${customer.culture}, ${customer.language}` },
      ],
      warnings: [],
    });
  } else if (customer) {
    sections.push({
      section: 'customer',
      title: 'Customer',
      facts: [
        { title: 'Customer', value: `${customer.companyName} (existing)` },
        { title: 'Domain', value: customer.domain },
        { title: 'Tenant id', value: customer.customerTenantId },
      ],
      warnings: [],
    });
  }
  sections.push({
    section: 'subscription',
    title: 'Subscription',
    facts: [
      { title: 'Azure subscription', value: subscriptionText(draft.subscription) },
      ...(draft.subscription?.kind === 'azure-plan' ? [{ title: 'Customer agreement', value: agreementText(draft.agreement, draft.owner.name) }] : []),
    ],
    warnings: [],
  });
  if (draft.registration) {
    const ref = draft.registration.ref;
    const warning = await mappingWarning(draft, ref, sources);
    sections.push({
      section: 'registration',
      title: 'Registration',
      facts: [
        { title: 'Registration', value: `${ref.name} (resource group ${ref.resourceGroup})` },
        { title: 'Billing model', value: draft.registration.billingModel },
        ...(draft.registration.hasStamp ? [] : [{ title: 'Azure Stack Hub', value: `Billing only: no Azure Stack Hub stamp is configured for ${ref.name}` }]),
      ],
      warnings: warning ? [warning] : [],
    });
  }
  if (draft.registration?.hasStamp) sections.push({ section: 'access', title: 'Azure Stack Hub', facts: stampFacts(draft), warnings: [] });
  else if (draft.access && draft.access.kind !== 'none') sections.push({ section: 'access', title: 'Customer access', facts: accessFacts(draft), warnings: [] });
  return sections;
}

/**
 * Who accepted the Microsoft Customer Agreement starts as the new customer's billing contact, to be
 * corrected by the operator; the tick and the date are never filled in for them.
 */
function withAgreementDefaults(draft: OnboardingDraft, values: Record<string, string>): Record<string, string> {
  if (draft.customer?.kind !== 'new' || values.agreementFirstName !== undefined) return values;
  const contact = draft.customer.contact;
  return {
    ...values,
    agreementFirstName: contact.firstName,
    agreementLastName: contact.lastName,
    agreementEmail: contact.email,
    agreementPhone: contact.phoneNumber ?? '',
  };
}

function subscriptionText(subscription: SubscriptionChoice | undefined): string {
  if (!subscription) return '(not chosen)';
  return subscription.kind === 'azure-plan' ? 'Buy an Azure plan: a new Azure subscription' : `Existing: ${subscription.azureSubscriptionId}`;
}

function stampFacts(draft: OnboardingDraft): { title: string; value: string }[] {
  const stamp = draft.stamp;
  if (!stamp || !draft.registration) return [{ title: 'Subscription', value: '(not chosen)' }];
  return [
    { title: 'Offer', value: stamp.offerName },
    { title: 'Managed by', value: stamp.managedBy === 'csp' ? `The CSP (owner ${stamp.owner})` : `The customer (owner ${stamp.ownerName}, ${stamp.owner})` },
    { title: 'Azure Stack Hub', value: stampText({ registration: draft.registration.ref, stamp }) },
  ];
}

function accessFacts(draft: OnboardingDraft): { title: string; value: string }[] {
  const access = draft.access;
  if (!access || access.kind === 'none') return [{ title: 'Access', value: 'None: the CSP manages the subscription' }];
  const how = access.mode === 'automatic' ? 'the bot invites the guest and assigns Owner' : 'written instructions for the customer';
  return [
    { title: 'Access', value: `Guest with Owner on ${draft.subscription ? ownedSubscription(draft.subscription) : 'the subscription'}: ${how}` },
    { title: 'Customer admin', value: `${access.displayName} (${access.email})` },
  ];
}

/** A note in place of a card: submitted, cancelled, expired, someone else's draft. */
export function noteCard(title: string, text: string, color: 'Default' | 'Good' | 'Attention' | 'Warning' = 'Default', facts: { title: string; value: string }[] = []): AdaptiveCard {
  return renderOnboardingNoteCard({ title, text, color, facts });
}
