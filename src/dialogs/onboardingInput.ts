// Server-side parsing of every onboarding card. Card data round-trips through the client, so the
// client-side checks (isRequired, regex) are only a courtesy: everything is parsed again here, with
// Partner Center's own rules for creating a customer (src/onboarding/rules/customerProfile.ts)
// applied first, so a bad value is caught on the card and not in the middle of the run.
import { z } from 'zod';
import {
  ACCESS_FIELDS,
  BILLING_FIELDS,
  COMPANY_FIELDS,
  CUSTOMER_SEARCH_FIELDS,
  STAMP_FIELDS,
  SUBSCRIPTION_FIELDS,
} from '../cards/onboardingFields';
import { guidSchema, type AgreementAcceptance, type BillingAddress, type CustomerAccess, type Guid, type PrimaryContact } from '../onboarding/model';
import {
  countryProblems,
  DOMAIN_PREFIX_PATTERN,
  isCountryCode,
  isCulture,
  isLanguage,
  isPhoneNumber,
  ORGANIZATION_REGISTRATION_PATTERN,
  POSTAL_CODE_PATTERN,
} from '../onboarding/rules/customerProfile';

/** A GUID as typed into a card (spaces around it are fine). */
export const GUID_INPUT_PATTERN = '^\\s*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\s*$';

export const MESSAGES = {
  companyName: 'Company name: required, up to 100 characters',
  domainPrefix: 'Domain prefix: 1–27 letters or digits, no dots (we add .onmicrosoft.com)',
  country: 'Country: choose the country of the billing address',
  region: 'State or region: required for addresses in this country',
  city: 'City: required, up to 64 characters',
  postalCode: 'Postal code: 2–11 letters, digits, spaces or dashes',
  addressLine1: 'Address line 1: required, up to 100 characters',
  addressLine2: 'Address line 2: up to 100 characters',
  firstName: 'First name: required, up to 50 characters',
  lastName: 'Last name: required, up to 50 characters',
  email: 'Email: an address like it@contoso.com',
  phone: 'Phone: 6–15 digits, optionally starting with + (spaces, dots, dashes and brackets are fine)',
  phoneRequired: 'Phone: Partner Center requires a phone number for customers in this country',
  culture: 'Culture: choose one from the list',
  language: 'Language: choose one from the list',
  organizationRegistrationNumber: 'Organisation registration number: 4–40 letters, digits, spaces, / or -',
  organizationRegistrationRequired:
    'Organisation registration number: Partner Center requires it for customers in this country',
  organizationRegistrationRefused:
    'Organisation registration number: Partner Center accepts it only for AM, AZ, BY, HU, KZ, KG, MD, RU, TJ, UZ and UA; leave it empty',
  customerQuery: 'Search: at least 2 characters of the company name or domain',
  customerQueryDomain: 'Search: a domain is letters, digits, dots and dashes, e.g. contoso or contoso.onmicrosoft.com',
  subscriptionKind: 'Subscription: choose Buy an Azure plan or Use an existing Azure subscription',
  azureSubscriptionId: 'Azure subscription id: a GUID like 3f15978e-005c-b763-bb78-2a8fab289c58',
  agreementAccepted: 'Tick this only when the customer has accepted the Microsoft Customer Agreement: a new Azure plan needs it',
  agreementFirstName: 'First name of who accepted: required, up to 50 characters',
  agreementLastName: 'Last name of who accepted: required, up to 50 characters',
  agreementEmail: 'Email of who accepted: an address like it@contoso.com',
  agreementPhone: 'Phone of who accepted: 6–15 digits, optionally starting with + (or leave it empty)',
  agreementDate: 'Date accepted: the day the customer accepted, not in the future (YYYY-MM-DD)',
  accessKind: 'Customer access: choose one of the options',
  adminEmail: "Customer admin's email: an address like admin@contoso.com",
  adminName: "Customer admin's name: required, up to 100 characters",
  stampOffer: 'Offer: choose one of the public offers listed',
  managedBy: 'Who manages the subscription: choose one of the options',
} as const;

/** The raw inputs of a card: every value as the client sent it, kept so the card can show it again. */
export type CardValues = Record<string, string>;
/** Field id → the error shown beside that field. */
export type FieldErrors = Record<string, string>;

export type CardInput<T> = { ok: true; value: T; values: CardValues } | { ok: false; errors: FieldErrors; values: CardValues };

/** Card inputs arrive as strings (or are missing); anything else is dropped. */
export function cardValues(data: Record<string, unknown>, fields: readonly string[]): CardValues {
  const values: CardValues = {};
  for (const field of fields) {
    const v = data[field];
    if (typeof v === 'string') values[field] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') values[field] = String(v);
  }
  return values;
}

function parseWith<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, fields: readonly string[], data: Record<string, unknown>): CardInput<T> {
  const values = cardValues(data, fields);
  const parsed = schema.safeParse(values);
  if (parsed.success) return { ok: true, value: parsed.data, values };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? fields[0]);
    // The first problem of a field is the one worth showing.
    errors[field] ??= issue.message;
  }
  return { ok: false, errors, values };
}

const text = (max: number, message: string) => z.string({ required_error: message }).trim().min(1, message).max(max, message);
const optionalText = (max: number, message: string) =>
  z
    .string()
    .trim()
    .max(max, message)
    .optional()
    .transform((s) => (s ? s : undefined));
const pattern = (re: string, message: string) => z.string({ required_error: message }).trim().regex(new RegExp(re), message);

// ---- Customer: new or existing (search) ------------------------------------------------------

export type CustomerSearchField = 'CompanyName' | 'Domain';
export interface CustomerSearch {
  field: CustomerSearchField;
  prefix: string;
}

const customerSearchSchema = z
  .object({
    searchField: z.enum(['CompanyName', 'Domain']).default('CompanyName'),
    customerQuery: z.string({ required_error: MESSAGES.customerQuery }).trim().min(2, MESSAGES.customerQuery).max(100, MESSAGES.customerQuery),
  })
  .superRefine((v, ctx) => {
    if (v.searchField === 'Domain' && !/^[A-Za-z0-9.-]+$/.test(v.customerQuery)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['customerQuery'], message: MESSAGES.customerQueryDomain });
    }
  })
  .transform((v): CustomerSearch => ({ field: v.searchField, prefix: v.customerQuery }));

export function parseCustomerSearch(data: Record<string, unknown>): CardInput<CustomerSearch> {
  return parseWith(customerSearchSchema, CUSTOMER_SEARCH_FIELDS, data);
}

// ---- New customer: company and domain --------------------------------------------------------

export interface CompanyInput {
  companyName: string;
  /** Lower-case, without `.onmicrosoft.com`. */
  domainPrefix: string;
  /** `<prefix>.onmicrosoft.com` */
  domain: string;
}

// Operators paste the whole domain as often as the prefix; accept both.
const domainPrefixSchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().replace(/\.onmicrosoft\.com$/i, '') : v),
  pattern(DOMAIN_PREFIX_PATTERN, MESSAGES.domainPrefix),
);
const companySchema = z
  .object({ companyName: text(100, MESSAGES.companyName), domainPrefix: domainPrefixSchema })
  .transform((v): CompanyInput => {
    const domainPrefix = v.domainPrefix.toLowerCase();
    return { companyName: v.companyName, domainPrefix, domain: `${domainPrefix}.onmicrosoft.com` };
  });

export function parseCompany(data: Record<string, unknown>): CardInput<CompanyInput> {
  return parseWith(companySchema, COMPANY_FIELDS, data);
}

/** Only the domain prefix, for "Check availability" (the company name may still be empty). */
export function parseDomainPrefix(data: Record<string, unknown>): CardInput<{ domain: string }> {
  const checked = parseWith(z.object({ domainPrefix: domainPrefixSchema }), ['domainPrefix'], data);
  const values = cardValues(data, COMPANY_FIELDS);
  if (!checked.ok) return { ok: false, errors: checked.errors, values };
  return { ok: true, value: { domain: `${checked.value.domainPrefix.toLowerCase()}.onmicrosoft.com` }, values };
}

// ---- New customer: billing address, contact, culture -----------------------------------------

export interface BillingProfileInput {
  address: BillingAddress;
  contact: PrimaryContact;
  culture: string;
  language: string;
  organizationRegistrationNumber?: string;
}


const billingSchema = z
  .object({
    country: z.string({ required_error: MESSAGES.country }).trim().toUpperCase().refine(isCountryCode, MESSAGES.country),
    region: optionalText(64, 'State or region: up to 64 characters'),
    city: text(64, MESSAGES.city),
    postalCode: pattern(POSTAL_CODE_PATTERN, MESSAGES.postalCode),
    addressLine1: text(100, MESSAGES.addressLine1),
    addressLine2: optionalText(100, MESSAGES.addressLine2),
    organizationRegistrationNumber: z
      .string()
      .trim()
      .optional()
      .transform((s) => (s ? s : undefined))
      .refine((s) => s === undefined || new RegExp(ORGANIZATION_REGISTRATION_PATTERN).test(s), MESSAGES.organizationRegistrationNumber),
    firstName: text(50, MESSAGES.firstName),
    lastName: text(50, MESSAGES.lastName),
    email: z.string({ required_error: MESSAGES.email }).trim().email(MESSAGES.email).max(100, MESSAGES.email),
    phoneNumber: z
      .string()
      .trim()
      .optional()
      .transform((s) => (s ? s : undefined))
      .refine((s) => s === undefined || isPhoneNumber(s), MESSAGES.phone),
    culture: z.string({ required_error: MESSAGES.culture }).refine(isCulture, MESSAGES.culture),
    language: z.string({ required_error: MESSAGES.language }).refine(isLanguage, MESSAGES.language),
  })
  .superRefine((v, ctx) => {
    for (const { field, problem } of countryProblems(v)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field], message: MESSAGES[problem] });
  })
  .transform(
    (v): BillingProfileInput => ({
      address: {
        country: v.country,
        region: v.region,
        city: v.city,
        postalCode: v.postalCode,
        addressLine1: v.addressLine1,
        addressLine2: v.addressLine2,
      },
      contact: { firstName: v.firstName, lastName: v.lastName, email: v.email, phoneNumber: v.phoneNumber },
      culture: v.culture,
      language: v.language,
      organizationRegistrationNumber: v.organizationRegistrationNumber,
    }),
  );

export function parseBillingProfile(data: Record<string, unknown>): CardInput<BillingProfileInput> {
  return parseWith(billingSchema, BILLING_FIELDS, data);
}

// ---- Subscription ----------------------------------------------------------------------------

export type SubscriptionInput = { kind: 'azure-plan'; agreement: AgreementAcceptance } | { kind: 'existing'; azureSubscriptionId: Guid };

/** `YYYY-MM-DD`, a real day, not after today (a day of slack for time zones). */
function isAcceptanceDay(value: string, now: Date): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00.000Z`);
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) return false;
  return time <= now.getTime() + 24 * 60 * 60 * 1000;
}

const subscriptionSchema = (now: Date) =>
  z
    .object({
      subscriptionKind: z.enum(['azure-plan', 'existing'], { errorMap: () => ({ message: MESSAGES.subscriptionKind }) }),
      azureSubscriptionId: z.string().trim().optional(),
      agreementAccepted: z.string().optional(),
      agreementFirstName: z.string().trim().optional(),
      agreementLastName: z.string().trim().optional(),
      agreementEmail: z.string().trim().optional(),
      agreementPhone: z.string().trim().optional(),
      agreementDate: z.string().trim().optional(),
    })
    .transform((v, ctx): SubscriptionInput => {
      if (v.subscriptionKind === 'azure-plan') {
        // The Azure plan needs the customer's acceptance of the Microsoft Customer Agreement: the
        // requester attests who at the customer accepted it and when (docs/reference/partner-center.md §PC-5).
        const problem = (field: string, message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [field], message });
        const name = (value: string | undefined) => value !== undefined && value.length >= 1 && value.length <= 50;
        const email = z.string().email().max(100).safeParse(v.agreementEmail ?? '');
        const phone = v.agreementPhone ? v.agreementPhone : undefined;
        if (v.agreementAccepted !== 'true') problem('agreementAccepted', MESSAGES.agreementAccepted);
        if (!name(v.agreementFirstName)) problem('agreementFirstName', MESSAGES.agreementFirstName);
        if (!name(v.agreementLastName)) problem('agreementLastName', MESSAGES.agreementLastName);
        if (!email.success) problem('agreementEmail', MESSAGES.agreementEmail);
        if (phone !== undefined && !isPhoneNumber(phone)) problem('agreementPhone', MESSAGES.agreementPhone);
        if (!isAcceptanceDay(v.agreementDate ?? '', now)) problem('agreementDate', MESSAGES.agreementDate);
        if (v.agreementAccepted !== 'true' || !name(v.agreementFirstName) || !name(v.agreementLastName) || !email.success) return z.NEVER;
        if ((phone !== undefined && !isPhoneNumber(phone)) || !isAcceptanceDay(v.agreementDate ?? '', now)) return z.NEVER;
        return {
          kind: 'azure-plan',
          agreement: {
            acceptedBy: { firstName: v.agreementFirstName!, lastName: v.agreementLastName!, email: email.data!, ...(phone ? { phoneNumber: phone } : {}) },
            dateAccepted: v.agreementDate!,
          },
        };
      }
      const id = guidSchema.safeParse(v.azureSubscriptionId ?? '');
      if (!id.success) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['azureSubscriptionId'], message: MESSAGES.azureSubscriptionId });
        return z.NEVER;
      }
      return { kind: 'existing', azureSubscriptionId: id.data };
    });

export function parseSubscription(data: Record<string, unknown>, now = new Date()): CardInput<SubscriptionInput> {
  return parseWith(subscriptionSchema(now), SUBSCRIPTION_FIELDS, data);
}

// ---- Customer access -------------------------------------------------------------------------

/** The customer's admin on the access and Azure Stack Hub cards: an e-mail and a name, each with its own error. */
function customerAdmin(v: { adminEmail?: string; adminName?: string }, ctx: z.RefinementCtx): { email: string; name: string } | undefined {
  const email = z.string().email().max(100).safeParse(v.adminEmail ?? '');
  const name = z.string().min(1).max(100).safeParse(v.adminName ?? '');
  if (!email.success) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['adminEmail'], message: MESSAGES.adminEmail });
  if (!name.success) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['adminName'], message: MESSAGES.adminName });
  return email.success && name.success ? { email: email.data, name: name.data } : undefined;
}

const accessSchema = z
  .object({
    accessKind: z.enum(['none', 'guest-automatic', 'guest-instructions'], { errorMap: () => ({ message: MESSAGES.accessKind }) }),
    adminEmail: z.string().trim().optional(),
    adminName: z.string().trim().optional(),
  })
  .transform((v, ctx): CustomerAccess => {
    if (v.accessKind === 'none') return { kind: 'none' };
    const admin = customerAdmin(v, ctx);
    if (!admin) return z.NEVER;
    return {
      kind: 'guest-owner',
      email: admin.email,
      displayName: admin.name,
      mode: v.accessKind === 'guest-automatic' ? 'automatic' : 'instructions',
    };
  });

export function parseAccess(data: Record<string, unknown>): CardInput<CustomerAccess> {
  return parseWith(accessSchema, ACCESS_FIELDS, data);
}

// ---- The Azure Stack Hub subscription (the registration has a stamp) -------------------------

export interface StampInput {
  /** As sent by the card: the dialog looks it up among the stamp's public offers. */
  offerId: string;
  managedBy: 'csp' | 'customer';
  guestMode: 'automatic' | 'instructions';
  /** Customer manages: their admin, the subscription's owner. */
  admin?: { email: string; name: string };
}

const stampSchema = z
  .object({
    stampOffer: text(400, MESSAGES.stampOffer),
    managedBy: z.enum(['csp', 'customer-automatic', 'customer-instructions'], { errorMap: () => ({ message: MESSAGES.managedBy }) }),
    adminEmail: z.string().trim().optional(),
    adminName: z.string().trim().optional(),
  })
  .transform((v, ctx): StampInput => {
    if (v.managedBy === 'csp') return { offerId: v.stampOffer, managedBy: 'csp', guestMode: 'automatic' };
    const admin = customerAdmin(v, ctx);
    if (!admin) return z.NEVER;
    return {
      offerId: v.stampOffer,
      managedBy: 'customer',
      guestMode: v.managedBy === 'customer-automatic' ? 'automatic' : 'instructions',
      admin,
    };
  });

export function parseStamp(data: Record<string, unknown>): CardInput<StampInput> {
  return parseWith(stampSchema, STAMP_FIELDS, data);
}

// ---- Picks from a list (customer match, registration, review section) ------------------------

/** A 0-based page number from card data; anything odd is page 0. */
export function parsePage(data: Record<string, unknown>): number {
  const page = Number(data.page);
  return Number.isInteger(page) && page >= 0 && page < 10_000 ? page : 0;
}

/** A string field of card data, or undefined. */
export function dataString(data: Record<string, unknown>, field: string): string | undefined {
  const v = data[field];
  return typeof v === 'string' && v.length > 0 && v.length <= 400 ? v : undefined;
}
