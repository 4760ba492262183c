// Every row of a bulk list checked with the onboarding dialog's own rules (docs/bulk.md): the same
// parsers (src/dialogs/onboardingInput.ts), the same cloud checks (src/dialogs/onboardingChecks.ts,
// the registration's standing from src/dialogs/onboardingCards.ts) and the same domain rules; then
// duplicates within the list and against open requests (rules/openOnboardings). The answer is a
// plan: the rows that are ready, as onboarding plans, and every problem with its line, company,
// column and what to do. Nothing is changed anywhere.
import { isGuid, type BulkRow, type CustomerAccess, type CustomerChoice, type RegistrationRef, type ServiceRequest } from '../onboarding/model';
import type { Cloud } from '../onboarding/ports';
import { azurePlanPurchase, NEW_CUSTOMER_WITHOUT_PURCHASE } from '../onboarding/rules/azurePlanPurchase';
import { onboardingKeyOf, openOnboardingOf, OPEN_STATUSES, sameOnboarding } from '../onboarding/rules/openOnboardings';
import type { BotStore } from '../store/types';
import type { BulkColumn, BulkListRow } from './bulkList';
import { registrationStanding, type RegistrationStanding } from './onboardingCards';
import { addressProblem, addressStanding, domainStanding, entitlementProblem, NEW_CUSTOMER_NEEDS_AZURE_PLAN } from './onboardingChecks';
import { ASK_AND_WAIT } from './cardChecks';
import { parseAccess, parseBillingProfile, parseCompany, parseSubscription, type FieldErrors } from './onboardingInput';

export interface BulkProblem {
  line: number;
  company: string;
  column: BulkColumn | 'row';
  problem: string;
}

export interface BulkPlan {
  /** Rows in the list (without the header). */
  total: number;
  ready: BulkRow[];
  problems: BulkProblem[];
}

export interface BulkCheckDependencies {
  cloud: Pick<Cloud, 'partnerCenter' | 'registrations' | 'name'>;
  store: Pick<BotStore, 'requests' | 'facts'>;
  /** Rows checked at once (each asks Partner Center two or three questions). Default 4. */
  parallel?: number;
  now?: () => Date;
}

/** Card field → the list's column it came from (the dialog's messages name the card's fields). */
const COLUMN_OF: Record<string, BulkColumn> = {
  companyName: 'companyName',
  domainPrefix: 'domain',
  country: 'country',
  region: 'region',
  city: 'city',
  postalCode: 'postalCode',
  addressLine1: 'addressLine1',
  addressLine2: 'addressLine2',
  organizationRegistrationNumber: 'organizationRegistrationNumber',
  firstName: 'firstName',
  lastName: 'lastName',
  email: 'email',
  phoneNumber: 'phone',
  culture: 'culture',
  language: 'language',
  subscriptionKind: 'subscription',
  azureSubscriptionId: 'subscription',
  agreementAccepted: 'agreementDate',
  agreementFirstName: 'firstName',
  agreementLastName: 'lastName',
  agreementEmail: 'email',
  agreementPhone: 'phone',
  agreementDate: 'agreementDate',
  accessKind: 'access',
  adminEmail: 'access',
  adminName: 'access',
};

/** Where the card's words do not fit a list, the list's words. */
const LIST_WORDS: Record<string, string> = {
  agreementAccepted: 'agreementDate: a new Azure plan needs the day the customer accepted the Microsoft Customer Agreement (YYYY-MM-DD; the billing contact in this row accepted it)',
  domainShape: "domain: a new customer's <prefix>.onmicrosoft.com (1–27 letters or digits), or an existing customer's domain such as contoso.com",
  access: "access: none, or the e-mail of the customer's admin who gets guest access (as written instructions)",
  subscription: 'subscription: azure-plan, or the id of one of the customer\'s Azure subscriptions (a GUID like 3f15978e-005c-b763-bb78-2a8fab289c58)',
};

const DOMAIN_RE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;
const ONMICROSOFT = /\.onmicrosoft\.com$/i;

export async function checkBulkRows(rows: readonly BulkListRow[], deps: BulkCheckDependencies): Promise<BulkPlan> {
  const registrations = new Map<string, Promise<RegistrationStanding>>();
  const standingOf = (ref: RegistrationRef) => {
    const key = ref.resourceId.toLowerCase();
    if (!registrations.has(key)) registrations.set(key, registrationStanding(ref, { cloud: deps.cloud, store: deps.store, checks: ASK_AND_WAIT }));
    return registrations.get(key)!;
  };
  const checked = await inBatches(rows, deps.parallel ?? 4, (row) => checkRow(row, deps, standingOf));
  const open = (await deps.store.requests.list({ status: [...OPEN_STATUSES] })).map((v) => v.value);
  return withDuplicates(checked, open, rows.length);
}

type RowCheck = { line: number; company: string; problems: BulkProblem[]; row?: BulkRow };

async function checkRow(row: BulkListRow, deps: BulkCheckDependencies, standingOf: (ref: RegistrationRef) => Promise<RegistrationStanding>): Promise<RowCheck> {
  const c = row.cells;
  const company = c.companyName ?? '';
  const problems: BulkProblem[] = [];
  const problem = (column: BulkProblem['column'], text: string) => problems.push({ line: row.line, company, column, problem: text });
  const fieldProblems = (errors: FieldErrors) => {
    for (const [field, message] of Object.entries(errors)) problem(COLUMN_OF[field] ?? 'row', LIST_WORDS[field] ?? message);
  };

  // Registration: one of REGISTRATIONS (by name or resource id), and one that can take tenants.
  const wanted = (c.registration ?? '').toLowerCase();
  const ref = deps.cloud.registrations.allowed.find((r) => r.name.toLowerCase() === wanted || r.resourceId.toLowerCase() === wanted);
  if (!ref) {
    const names = deps.cloud.registrations.allowed.map((r) => r.name).join(', ');
    problem('registration', `registration: "${c.registration ?? ''}" is not one this bot may change: use one of ${names || '(none configured: ask an administrator to set REGISTRATIONS)'}.`);
  } else {
    const standing = await standingOf(ref);
    if (!standing.eligible) problem('registration', standing.reason);
  }

  // The customer: a free <prefix>.onmicrosoft.com is a new customer, a domain of ours an existing one.
  const customer = await customerOf(row, deps, problem, fieldProblems);

  // The subscription: the dialog's parser, with the billing contact as who accepted the agreement.
  const purchase = azurePlanPurchase(deps.cloud.name);
  const subscriptionCell = (c.subscription ?? '').trim();
  const wantsPlan = subscriptionCell.toLowerCase() === 'azure-plan';
  let subscription: BulkRow['plan']['subscription'] | undefined;
  let agreement: BulkRow['plan']['agreement'];
  if (!wantsPlan && !isGuid(subscriptionCell)) problem('subscription', LIST_WORDS.subscription);
  else if (wantsPlan && !purchase.available) problem('subscription', purchase.reason);
  else {
    const input = parseSubscription(
      {
        subscriptionKind: wantsPlan ? 'azure-plan' : 'existing',
        azureSubscriptionId: subscriptionCell,
        agreementAccepted: c.agreementDate ? 'true' : undefined,
        agreementFirstName: c.firstName,
        agreementLastName: c.lastName,
        agreementEmail: c.email,
        agreementPhone: c.phone,
        agreementDate: c.agreementDate,
      },
      deps.now?.() ?? new Date(),
    );
    if (!input.ok) fieldProblems(input.errors);
    else if (input.value.kind === 'azure-plan') {
      subscription = { kind: 'azure-plan' };
      agreement = input.value.agreement;
    } else if (customer?.kind === 'new') {
      problem('subscription', purchase.available ? NEW_CUSTOMER_NEEDS_AZURE_PLAN : NEW_CUSTOMER_WITHOUT_PURCHASE);
    } else if (customer?.kind === 'existing') {
      const refused = await entitlementProblem(deps.cloud, customer.customerTenantId, customer.companyName, input.value.azureSubscriptionId);
      if (refused) problem('subscription', refused);
      else subscription = input.value;
    }
  }

  const access = accessOf(c.access ?? '', problem, fieldProblems);
  if (problems.length || !ref || !customer || !subscription || !access) return { line: row.line, company, problems };
  const plan: BulkRow['plan'] = { kind: 'onboard', customer, subscription, registration: ref, access, ...(agreement ? { agreement } : {}) };
  return { line: row.line, company, problems, row: { line: row.line, plan } };
}

async function customerOf(
  row: BulkListRow,
  deps: BulkCheckDependencies,
  problem: (column: BulkProblem['column'], text: string) => void,
  fieldProblems: (errors: FieldErrors) => void,
): Promise<CustomerChoice | undefined> {
  const c = row.cells;
  const cell = (c.domain ?? '').trim();
  if (!DOMAIN_RE.test(cell)) {
    problem('domain', LIST_WORDS.domainShape);
    return undefined;
  }
  const domain = (cell.includes('.') ? cell : `${cell}.onmicrosoft.com`).toLowerCase();
  const standing = await domainStanding(deps.cloud.partnerCenter, domain);
  if (standing.kind === 'ours') {
    const { customerTenantId, companyName, domain: theirs } = standing.customer;
    return { kind: 'existing', customerTenantId, companyName, domain: theirs };
  }
  if (standing.kind === 'taken' || standing.kind === 'unknown') {
    problem('domain', standing.kind === 'taken' ? `${domain} belongs to a tenant that is not your customer: for a new customer choose another <prefix>.onmicrosoft.com.` : standing.text);
    return undefined;
  }
  if (!ONMICROSOFT.test(domain)) {
    problem('domain', `${domain} is no customer of yours. For a new customer give <prefix>.onmicrosoft.com; for an existing one, the domain Partner Center has for it.`);
    return undefined;
  }
  // A new customer: the company card's and the billing card's own parsers.
  const company = parseCompany({ companyName: c.companyName, domainPrefix: domain });
  if (!company.ok) fieldProblems(company.errors);
  const billing = parseBillingProfile({
    country: c.country,
    region: c.region,
    city: c.city,
    postalCode: c.postalCode,
    addressLine1: c.addressLine1,
    addressLine2: c.addressLine2,
    organizationRegistrationNumber: c.organizationRegistrationNumber,
    firstName: c.firstName,
    lastName: c.lastName,
    email: c.email,
    phoneNumber: c.phone,
    culture: c.culture || 'en-US',
    language: c.language || 'en',
  });
  if (!billing.ok) fieldProblems(billing.errors);
  if (!company.ok || !billing.ok) return undefined;
  const b = billing.value;
  // Partner Center's address validation, as the billing card's Next asks it.
  const address = addressProblem(await addressStanding(deps.cloud.partnerCenter, b.address));
  if (address) {
    problem('postalCode', address);
    return undefined;
  }
  return {
    kind: 'new',
    companyName: company.value.companyName,
    domain: company.value.domain,
    address: b.address,
    contact: b.contact,
    culture: b.culture,
    language: b.language,
    ...(b.organizationRegistrationNumber ? { organizationRegistrationNumber: b.organizationRegistrationNumber } : {}),
  };
}

/** `none`, or an e-mail: guest access as written instructions (the access card's parser). */
function accessOf(cell: string, problem: (column: BulkProblem['column'], text: string) => void, fieldProblems: (errors: FieldErrors) => void): CustomerAccess | undefined {
  const value = cell.trim();
  if (value.toLowerCase() === 'none') return { kind: 'none' };
  if (!value) {
    problem('access', LIST_WORDS.access);
    return undefined;
  }
  const input = parseAccess({ accessKind: 'guest-instructions', adminEmail: value, adminName: value });
  if (!input.ok) {
    fieldProblems(input.errors);
    return undefined;
  }
  return input.value;
}

/** Two rows for the same customer or subscription, or a row an open request already onboards: only the first of the list goes ahead. */
function withDuplicates(checked: RowCheck[], open: readonly ServiceRequest[], total: number): BulkPlan {
  const ready: BulkRow[] = [];
  const problems: BulkProblem[] = [];
  for (const check of checked) {
    problems.push(...check.problems);
    if (!check.row) continue;
    const key = onboardingKeyOf(check.row.plan);
    const earlier = ready.find((r) => sameOnboarding(onboardingKeyOf(r.plan), key));
    const other = openOnboardingOf(open, key);
    if (earlier) {
      problems.push({ line: check.line, company: check.company, column: 'domain', problem: `Line ${earlier.line} onboards the same customer or subscription: keep one of the two rows.` });
    } else if (other) {
      problems.push({ line: check.line, company: check.company, column: 'domain', problem: `Request ${other.id} (${other.status.replace('_', ' ')}) already onboards this customer or subscription: leave the row out, or cancel ${other.id} first.` });
    } else {
      ready.push(check.row);
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return { total, ready, problems };
}

async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(size, items.length)) }, worker));
  return results;
}
