// The tenant mappings on the registrations, as an operator reads them: every customer subscription
// mapped on a registration (every page), joined with the Partner Center customer it bills, searched
// and paged. Customer names are fetched with bounded concurrency and kept briefly, so paging through
// a thousand mappings costs one listing, not a thousand lookups per click.
import { isDomainError } from '../errors';
import { isGuid, type Guid, type ServiceRequest, type RegistrationRef, type TenantMapping } from '../model';
import type { CallOptions, Cloud, CustomerSummary } from '../ports';

/** One mapping joined with its customer; `customer` is undefined when Partner Center no longer knows the tenant. */
export interface TenantRow extends TenantMapping {
  customer?: CustomerSummary;
}

export type RegistrationSelection =
  | { kind: 'one'; registration: RegistrationRef }
  | { kind: 'all'; registrations: RegistrationRef[] }
  /** No argument and several registrations: the operator chooses one, or all. */
  | { kind: 'choose'; registrations: RegistrationRef[] }
  | { kind: 'unknown'; message: string };

export interface TenantPage {
  rows: TenantRow[];
  /** 1-based, clamped to the pages there are. */
  page: number;
  pageCount: number;
  /** Rows matching the search (all pages). */
  matching: number;
  total: number;
}

/** A registration that could not be read (it does not exist, access is denied…): the others are still shown. */
export interface RegistrationProblem {
  registration: RegistrationRef;
  message: string;
}

export interface TenantSurvey {
  rows: TenantRow[];
  problems: RegistrationProblem[];
}

export interface TenantDirectoryOptions {
  cloud: Pick<Cloud, 'registrations' | 'partnerCenter'>;
  /** Parallel Partner Center customer lookups. Default 8. */
  concurrency?: number;
  /** How long a customer's name is kept. Default 10 minutes. */
  customerTtlMs?: number;
  /** How long a registration's mapping list is reused for paging and search. Default 60 s. */
  listingTtlMs?: number;
  now?: () => number;
}

export interface TenantDirectory {
  readonly registrations: readonly RegistrationRef[];
  /** `registration` as typed: a registration name or resource id among the allowed ones; `all`; or empty. */
  selectRegistration(argument: string): RegistrationSelection;
  /** Every mapping on the registrations, joined with customers, ordered by customer name. `fresh` skips the listing cache. Throws when a registration cannot be read. */
  listTenants(registrations: readonly RegistrationRef[], options?: CallOptions & { fresh?: boolean }): Promise<TenantRow[]>;
  /** Like listTenants, but a registration that cannot be read is reported and the others are still listed. */
  survey(registrations: readonly RegistrationRef[], options?: CallOptions & { fresh?: boolean }): Promise<TenantSurvey>;
  /** The Partner Center customer of a tenant (cached briefly); undefined when Partner Center does not know it. */
  customer(customerTenantId: Guid, options?: CallOptions): Promise<CustomerSummary | undefined>;
  /** Forgets the cached listing of a registration (after a change). */
  forget(registration: RegistrationRef): void;
}

const DEFAULT_CONCURRENCY = 8;
const DEFAULT_CUSTOMER_TTL_MS = 10 * 60_000;
const DEFAULT_LISTING_TTL_MS = 60_000;
/** Bounds the customer cache; far above a CSP's customer count. */
const MAX_CACHED_CUSTOMERS = 50_000;

interface Cached<T> {
  value: T;
  expires: number;
}

export function createTenantDirectory(options: TenantDirectoryOptions): TenantDirectory {
  const { registrations, partnerCenter } = options.cloud;
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const customerTtl = options.customerTtlMs ?? DEFAULT_CUSTOMER_TTL_MS;
  const listingTtl = options.listingTtlMs ?? DEFAULT_LISTING_TTL_MS;
  const customers = new Map<Guid, Cached<CustomerSummary | undefined>>();
  const listings = new Map<string, Cached<Promise<TenantMapping[]>>>();

  async function customer(customerTenantId: Guid, callOptions?: CallOptions): Promise<CustomerSummary | undefined> {
    const cached = customers.get(customerTenantId);
    if (cached && cached.expires > now()) return cached.value;
    const found = await partnerCenter.getCustomer(customerTenantId, callOptions);
    if (customers.size >= MAX_CACHED_CUSTOMERS) customers.clear();
    customers.set(customerTenantId, { value: found, expires: now() + customerTtl });
    return found;
  }

  function mappings(registration: RegistrationRef, fresh: boolean, callOptions?: CallOptions): Promise<TenantMapping[]> {
    const key = registration.resourceId.toLowerCase();
    const cached = listings.get(key);
    if (!fresh && cached && cached.expires > now()) return cached.value;
    const listing = registrations.listMappings(registration, callOptions);
    listings.set(key, { value: listing, expires: now() + listingTtl });
    // A failed listing is not kept: the next command asks again.
    listing.catch(() => {
      if (listings.get(key)?.value === listing) listings.delete(key);
    });
    return listing;
  }

  async function join(all: TenantMapping[], callOptions?: CallOptions): Promise<TenantRow[]> {
    const tenants = [...new Set(all.map((m) => m.customerTenantId))];
    const known = new Map<Guid, CustomerSummary | undefined>();
    await forEachLimited(tenants, concurrency, async (tenantId) => {
      known.set(tenantId, await customer(tenantId, callOptions));
    });
    return all.map((m) => ({ ...m, customer: known.get(m.customerTenantId) })).sort(byCustomerName);
  }

  return {
    registrations: registrations.allowed,
    selectRegistration: (argument) => selectRegistration(registrations.allowed, argument),
    customer,
    forget(registration) {
      listings.delete(registration.resourceId.toLowerCase());
    },
    async listTenants(selected, callOptions) {
      const lists = await Promise.all(selected.map((r) => mappings(r, callOptions?.fresh ?? false, callOptions)));
      return join(lists.flat(), callOptions);
    },
    async survey(selected, callOptions) {
      const problems: RegistrationProblem[] = [];
      const lists = await Promise.all(
        selected.map((registration) =>
          mappings(registration, callOptions?.fresh ?? false, callOptions).catch((error: unknown) => {
            problems.push({ registration, message: explain(error) });
            return [] as TenantMapping[];
          }),
        ),
      );
      return { rows: await join(lists.flat(), callOptions), problems };
    },
  };
}

/** Matches a typed registration against the allowed ones: `all`, a resource id, or a name (case-insensitive). */
export function selectRegistration(allowed: readonly RegistrationRef[], argument: string): RegistrationSelection {
  const wanted = argument.trim();
  const names = allowed.map((r) => r.name).join(', ');
  if (allowed.length === 0) {
    return { kind: 'unknown', message: 'No registrations are configured (REGISTRATIONS), so there are no tenant mappings to show. Ask an administrator to set it.' };
  }
  if (!wanted) return allowed.length === 1 ? { kind: 'one', registration: allowed[0] } : { kind: 'choose', registrations: [...allowed] };
  if (wanted.toLowerCase() === 'all') return { kind: 'all', registrations: [...allowed] };
  const lower = wanted.toLowerCase();
  const match = allowed.find((r) => r.resourceId.toLowerCase() === lower || r.name.toLowerCase() === lower);
  if (match) return { kind: 'one', registration: match };
  return { kind: 'unknown', message: `I do not know the registration "${clip(wanted, 80)}". The registrations I may use are: ${names}.` };
}

/** Substring search over customer name, domain, tenant id and subscription id (case-insensitive). */
export function searchTenants(rows: readonly TenantRow[], search: string): TenantRow[] {
  const needle = search.trim().toLowerCase();
  if (!needle) return [...rows];
  return rows.filter((r) =>
    [r.customer?.companyName ?? '', r.customer?.domain ?? '', r.customerTenantId, r.azureSubscriptionId].some((field) => field.toLowerCase().includes(needle)),
  );
}

export function pageTenants(rows: readonly TenantRow[], search: string, page: number, pageSize: number): TenantPage {
  const matching = searchTenants(rows, search);
  const pageCount = Math.max(1, Math.ceil(matching.length / pageSize));
  const current = Math.min(Math.max(1, Math.floor(page) || 1), pageCount);
  return {
    rows: matching.slice((current - 1) * pageSize, current * pageSize),
    page: current,
    pageCount,
    matching: matching.length,
    total: rows.length,
  };
}

/** Where a mapping came from in our own records: the latest finished request that mapped this subscription on this registration. */
export function requestThatMapped(requests: readonly ServiceRequest[], mapping: TenantMapping): ServiceRequest | undefined {
  return requests
    .filter(
      (r) =>
        r.status === 'succeeded' &&
        (r.kind === 'onboard' || r.kind === 'remap') &&
        r.registration.resourceId.toLowerCase() === mapping.registration.resourceId.toLowerCase() &&
        mappedSubscriptionOf(r) === mapping.azureSubscriptionId,
    )
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
}

function mappedSubscriptionOf(request: ServiceRequest): Guid | undefined {
  if (request.kind === 'remap') return request.azureSubscriptionId;
  if (request.kind !== 'onboard') return undefined;
  return request.results.azureSubscriptionId ?? (request.subscription.kind === 'existing' ? request.subscription.azureSubscriptionId : undefined);
}

/** What `tenant <…>` was given: a GUID (subscription or tenant id) or a domain. */
export type TenantQuery = { kind: 'id'; id: Guid } | { kind: 'domain'; domain: string };

const DOMAIN_RE = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

export function parseTenantQuery(text: string): TenantQuery | { kind: 'invalid'; message: string } {
  const value = text.trim();
  if (!value) return { kind: 'invalid', message: 'Which tenant? Type `tenant <subscription id>` or `tenant <domain>`, e.g. `tenant contoso.onmicrosoft.com`.' };
  if (isGuid(value)) return { kind: 'id', id: value.toLowerCase() as Guid };
  if (DOMAIN_RE.test(value)) return { kind: 'domain', domain: value.toLowerCase() };
  return {
    kind: 'invalid',
    message: `"${clip(value, 60)}" is neither a subscription id (a GUID like 3f15978e-005c-b763-bb78-2a8fab289c58) nor a domain like contoso.onmicrosoft.com. Nothing was looked up.`,
  };
}

/** Finds the mappings a query names, on every allowed registration (fresh listings: an inspection shows what is there now). */
export async function findTenant(
  directory: TenantDirectory,
  cloud: Pick<Cloud, 'partnerCenter'>,
  query: TenantQuery,
  options?: CallOptions,
): Promise<{ rows: TenantRow[]; customer?: CustomerSummary; problems: RegistrationProblem[] }> {
  let customer: CustomerSummary | undefined;
  if (query.kind === 'domain') {
    customer = await cloud.partnerCenter.findCustomerByDomain(query.domain, options);
    if (!customer) return { rows: [], problems: [] };
  }
  const tenantId = customer?.customerTenantId;
  const id = query.kind === 'id' ? query.id : undefined;
  const { rows, problems } = await directory.survey(directory.registrations, { ...options, fresh: true });
  const found = rows.filter((r) => (tenantId ? r.customerTenantId === tenantId : r.azureSubscriptionId === id || r.customerTenantId === id));
  return { rows: found, customer: customer ?? found[0]?.customer, problems };
}

/** One line per registration that could not be read, for the end of a card or message. */
export function describeProblems(problems: readonly RegistrationProblem[]): string {
  return problems.map((p) => `Could not read ${p.registration.name}: ${p.message}`).join('\n\n');
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function byCustomerName(a: TenantRow, b: TenantRow): number {
  const an = a.customer?.companyName ?? '\uffff';
  const bn = b.customer?.companyName ?? '\uffff';
  return an.localeCompare(bn, 'en', { numeric: true }) || a.registration.name.localeCompare(b.registration.name) || a.azureSubscriptionId.localeCompare(b.azureSubscriptionId);
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A DomainError's sentence and next step, or a plain fallback for anything else. */
export function explain(error: unknown): string {
  if (isDomainError(error)) return `${error.message} ${error.nextStep}`.trim();
  return 'Something unexpected went wrong while talking to Azure or Partner Center. Try again; if it keeps failing, tell the bot administrator.';
}
