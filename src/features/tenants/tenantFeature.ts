// Managing tenant mappings in chat: `tenants`, `tenant`, `remap`, `remove tenant`, `reconcile`, and
// the `tenants.*` card buttons (paging, search, registration choice, Onboard / Remove from the
// reconcile report). Reads go straight to the cloud (cached briefly); changes become requests that
// go through the same approval and durable run as an onboarding.
import { randomUUID } from 'crypto';
import { MessageFactory, type AdaptiveCardInvokeResponse, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { AdaptiveCard } from '../../cards/render';
import { markdownText } from '../../cards/markdown';
import { cardAttachment } from '../../cards/render';
import { renderReconcileCard, reconcileCardModel } from '../../cards/reconcileCard';
import { tenantChangeFacts } from '../../cards/tenantChangeCards';
import { renderTenantDetailCard, tenantDetailModel } from '../../cards/tenantDetailCard';
import { renderRegistrationChooserCard, renderTenantListCard, tenantListModel } from '../../cards/tenantListCard';
import { renderTenantNoteCard, type TenantNoteModel } from '../../cards/tenantNoteCard';
import { guidSchema, isGuid, type Guid, type OnboardingRequest, type RegistrationRef } from '../../onboarding/model';
import type { Cloud } from '../../onboarding/ports';
import { reconcile, type ReconcileReport } from '../../onboarding/tenants/reconcile';
import {
  REMAP_USAGE,
  REMOVE_USAGE,
  openRequestFor,
  parseRemap,
  parseRemoval,
  planRemap,
  planRemoval,
  storeRequest,
  type Planned,
  type RequestOrigin,
} from '../../onboarding/tenants/tenantChanges';
import {
  createTenantDirectory,
  describeProblems,
  explain,
  findTenant,
  pageTenants,
  parseTenantQuery,
  requestThatMapped,
  type RegistrationSelection,
  type TenantDirectory,
} from '../../onboarding/tenants/tenantDirectory';
import type { BotStore } from '../../store/types';
import type { CardActionHandler, CommandHandler } from '../../bot/handlers';
import { activityTenantId } from '../../bot/turnLogger';

export const TENANT_PAGE_SIZE = 20;
export const RECONCILE_PAGE_SIZE = 12;
/** A reconcile report is reused for paging this long; "Check again" always looks afresh. */
const REPORT_TTL_MS = 5 * 60_000;
const MAX_CACHED_REPORTS = 50;
const INVOKE_WAIT_MS = 8_000;
/** The lease that makes "check for an open request, then create one" a single step across instances. */
const CHANGE_LEASE_MS = 10_000;
const CHANGE_LEASE_RETRY_MS = 100;
const CHANGE_LEASE_ATTEMPTS = 30;

interface ReportEntry {
  report: Promise<ReconcileReport>;
  settled: boolean;
  expires: number;
}
const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

export const TENANT_VERBS = {
  page: 'tenants.page',
  reconcile: 'tenants.reconcile',
  onboard: 'tenants.onboard',
  remove: 'tenants.remove',
} as const;

export interface TenantFeatureOptions {
  cloud: Pick<Cloud, 'registrations' | 'partnerCenter' | 'simulated'>;
  store: Pick<BotStore, 'requests' | 'leases'>;
  /** The approval feature's entry point after a request is stored (posts the approval card). */
  submitted(request: OnboardingRequest): Promise<void>;
  logger: { warn(obj: object, msg: string): void };
  directory?: TenantDirectory;
  /** How long a button waits for a reconcile before answering "still checking". Default 8 s (Teams' invoke limit is about 15 s). */
  invokeWaitMs?: number;
}

export interface TenantFeature {
  directory: TenantDirectory;
  commands: CommandHandler[];
  cardActions: CardActionHandler[];
}

export function createTenantFeature(options: TenantFeatureOptions): TenantFeature {
  const tenants = new TenantManagement(options);
  const command = (word: string, usage: string, handle: (context: TurnContext, args: string) => Promise<void>): CommandHandler => ({ command: word, usage, handle });
  return {
    directory: tenants.directory,
    commands: [
      command('tenants', 'tenants [registration | all]: every tenant mapped on a registration (or all of them), paged, with search', (c, a) => tenants.list(c, a)),
      command('tenant', 'tenant <subscription id or domain>: one mapping, who onboarded it and the portal link', (c, a) => tenants.inspect(c, a)),
      command('remap', `${REMAP_USAGE}: map a customer's subscription on a registration, overwriting (with approval)`, (c, a) => tenants.remap(c, a)),
      command('remove tenant', `${REMOVE_USAGE}: remove a mapping (with approval); usage is billed to you again`, (c, a) => tenants.remove(c, a)),
      command('reconcile', 'reconcile [registration | all]: Partner Center against the registrations: customers billed to you, stale and missing mappings', (c, a) => tenants.reconcile(c, a)),
    ],
    cardActions: [
      {
        matches: (verb) => (Object.values(TENANT_VERBS) as string[]).includes(verb),
        handle: (context, verb, data) => tenants.act(context, verb, data),
      },
    ],
  };
}

const pageData = z.object({
  registration: z.string().max(400),
  // Not z.coerce: Number() throws on an object whose toString is not a function (card data is untrusted JSON).
  page: z.preprocess((v) => (typeof v === 'string' || typeof v === 'number' ? Number(v) : undefined), z.number().int().min(1).max(100_000)).catch(1),
  search: z.string().max(100).optional().catch(undefined),
  fresh: z.boolean().optional().catch(undefined),
});
const changeData = z.object({
  registration: z.string().max(400),
  azureSubscriptionId: guidSchema,
  customerTenantId: guidSchema.optional(),
});

class TenantManagement {
  readonly directory: TenantDirectory;
  private readonly reports = new Map<string, ReportEntry>();

  constructor(private readonly options: TenantFeatureOptions) {
    this.directory = options.directory ?? createTenantDirectory({ cloud: options.cloud });
  }

  private get simulated(): boolean {
    return this.options.cloud.simulated;
  }

  // ---- commands ----

  async list(context: TurnContext, args: string): Promise<void> {
    const selection = this.directory.selectRegistration(args);
    if (selection.kind === 'unknown') return void (await context.sendActivity(markdownText(selection.message)));
    if (selection.kind === 'choose') return this.send(context, this.chooser(selection.registrations, TENANT_VERBS.page, 'tenants'));
    // A typed command reads the registrations afresh; page and search clicks reuse that listing briefly.
    await this.send(context, await this.listCard(selection, 1, '', true));
  }

  async inspect(context: TurnContext, args: string): Promise<void> {
    const query = parseTenantQuery(args);
    if (query.kind === 'invalid') return void (await context.sendActivity(markdownText(query.message)));
    try {
      const { rows, customer, problems } = await findTenant(this.directory, this.options.cloud, query);
      if (rows.length === 0) {
        const names = this.directory.registrations.map((r) => r.name).join(', ');
        const what = query.kind === 'domain' ? (customer ? `${query.domain}` : `${query.domain} (Partner Center has no customer with that domain)`) : query.id;
        const unread = problems.length ? `\n\n${describeProblems(problems)}` : '';
        await context.sendActivity(`No mapping found for ${markdownText(what)} on ${markdownText(names)}. Type \`tenants\` to see what is mapped.${markdownText(unread)}`);
        return;
      }
      const requests = (await this.options.store.requests.list({ status: ['succeeded'] })).map((v) => v.value);
      const model = tenantDetailModel({
        customer,
        simulated: this.simulated,
        problems: describeProblems(problems),
        rows: rows.map((row) => ({ row, request: requestThatMapped(requests, row), portalLink: this.options.cloud.registrations.portalLink(row.resourceId) })),
      });
      await this.send(context, renderTenantDetailCard(model));
    } catch (e) {
      await context.sendActivity(`I could not look that up: ${markdownText(explain(e))}`);
    }
  }

  async remove(context: TurnContext, args: string): Promise<void> {
    const parsed = parseRemoval(args);
    if (!parsed.ok) return void (await context.sendActivity(markdownText(parsed.message)));
    await this.send(context, await this.submit(context, (origin) => planRemoval(this.deps(), parsed.value, origin)));
  }

  async remap(context: TurnContext, args: string): Promise<void> {
    const parsed = parseRemap(args);
    if (!parsed.ok) return void (await context.sendActivity(markdownText(parsed.message)));
    await this.send(context, await this.submit(context, (origin) => planRemap(this.deps(), parsed.value, origin)));
  }

  async reconcile(context: TurnContext, args: string): Promise<void> {
    const selection = this.directory.selectRegistration(args);
    if (selection.kind === 'unknown') return void (await context.sendActivity(markdownText(selection.message)));
    if (selection.kind === 'choose') return this.send(context, this.chooser(selection.registrations, TENANT_VERBS.reconcile, 'reconcile'));
    await context.sendActivity({ type: 'typing' });
    await this.send(context, await this.reconcileCard(selection, 1, true));
  }

  // ---- card buttons ----

  async act(context: TurnContext, verb: string, data: Record<string, unknown>): Promise<AdaptiveCardInvokeResponse> {
    if (verb === TENANT_VERBS.page || verb === TENANT_VERBS.reconcile) {
      const parsed = pageData.safeParse(data);
      if (!parsed.success) return answer(note('This card is out of date', 'Type `tenants` or `reconcile` again.', 'Warning'));
      const selection = this.selectionFromCard(parsed.data.registration);
      if (selection.kind === 'unknown' || selection.kind === 'choose') return answer(note('Unknown registration', selection.kind === 'unknown' ? selection.message : 'Choose a registration.', 'Attention'));
      const search = (parsed.data.search ?? '').trim();
      const card =
        verb === TENANT_VERBS.page
          ? await this.listCard(selection, parsed.data.page, search)
          : await this.reconcileCard(selection, parsed.data.page, parsed.data.fresh ?? false, this.options.invokeWaitMs ?? INVOKE_WAIT_MS);
      return answer(card);
    }
    const parsed = changeData.safeParse(data);
    if (!parsed.success) return answer(note('Nothing was changed', 'This button does not name a valid subscription. Type `reconcile` again.', 'Attention'));
    const { registration, azureSubscriptionId, customerTenantId } = parsed.data;
    if (verb === TENANT_VERBS.remove) {
      return answer(await this.submit(context, (origin) => planRemoval(this.deps(), { azureSubscriptionId, registration }, origin)));
    }
    if (!customerTenantId) return answer(note('Nothing was changed', 'This button does not name a customer. Type `reconcile` again.', 'Attention'));
    const card = await this.submit(context, (origin) => planRemap(this.deps(), { azureSubscriptionId, registration, tenant: customerTenantId }, origin), 'To onboard a new customer, or to give the customer guest access as well, type onboard.');
    return answer(card);
  }

  // ---- cards ----

  private async listCard(selection: Extract<RegistrationSelection, { kind: 'one' | 'all' }>, page: number, search: string, fresh = false): Promise<AdaptiveCard> {
    const registrations = selection.kind === 'one' ? [selection.registration] : selection.registrations;
    try {
      // One registration named: its failure is the answer. Several: the readable ones are listed.
      const { rows, problems } =
        registrations.length === 1 ? { rows: await this.directory.listTenants(registrations, { fresh }), problems: [] } : await this.directory.survey(registrations, { fresh });
      return renderTenantListCard(
        tenantListModel({
          scope: scopeOf(selection),
          scopeName: scopeName(selection),
          search,
          page: pageTenants(rows, search, page, TENANT_PAGE_SIZE),
          showRegistration: registrations.length > 1,
          problems: describeProblems(problems),
          simulated: this.simulated,
        }),
      );
    } catch (e) {
      return note(`Could not list the tenants on ${scopeName(selection)}`, explain(e), 'Attention');
    }
  }

  /**
   * The report of a scope: the cached one for paging, or a new check (`fresh`). A check already
   * running for the scope is joined, never started twice. A button waits at most `invokeWaitMs`
   * (Teams' invoke limit); if the check takes longer it goes on, and the card says to look again.
   */
  private async reconcileCard(selection: Extract<RegistrationSelection, { kind: 'one' | 'all' }>, page: number, fresh: boolean, waitMs = Infinity): Promise<AdaptiveCard> {
    const key = scopeOf(selection).toLowerCase();
    let entry = this.reports.get(key);
    const stale = !entry || (entry.settled && (fresh || entry.expires <= Date.now()));
    if (!entry || stale) entry = this.startCheck(key, selection.kind === 'one' ? [selection.registration] : selection.registrations);
    try {
      const report = await within(entry.report, waitMs);
      if (!report) {
        return note('Still checking…', `Comparing Partner Center with ${scopeName(selection)} takes a while. It goes on without you: click Show the report in a few seconds.`, 'Default', [], [
          { title: 'Show the report', verb: TENANT_VERBS.reconcile, data: { registration: scopeOf(selection), page: 1 } },
        ]);
      }
      return renderReconcileCard(
        reconcileCardModel({ scope: scopeOf(selection), scopeName: scopeName(selection), report, page, pageSize: RECONCILE_PAGE_SIZE, simulated: this.simulated }),
      );
    } catch (e) {
      return note(`Could not reconcile ${scopeName(selection)}`, explain(e), 'Attention');
    }
  }

  private startCheck(key: string, scope: RegistrationRef[]): ReportEntry {
    if (this.reports.size >= MAX_CACHED_REPORTS) this.reports.clear();
    const report = reconcile({ cloud: this.options.cloud, directory: this.directory }, scope);
    const entry: ReportEntry = { report, settled: false, expires: Number.POSITIVE_INFINITY };
    report.then(
      () => Object.assign(entry, { settled: true, expires: Date.now() + REPORT_TTL_MS }),
      // A failed check is not kept: the next click starts again.
      () => this.reports.get(key) === entry && this.reports.delete(key),
    );
    this.reports.set(key, entry);
    return entry;
  }

  private chooser(registrations: RegistrationRef[], verb: string, what: string): AdaptiveCard {
    return renderRegistrationChooserCard({
      title: 'Which registration?',
      text: `I may use ${registrations.length} registrations. Choose one, or all of them. Next time you can type \`${what} <registration name>\` or \`${what} all\`.`,
      verb,
      registrations,
    });
  }

  // ---- requests ----

  /** Plans the change, refuses a duplicate, stores the request and hands it to the approval feature. */
  private async submit(context: TurnContext, plan: (origin: RequestOrigin) => Promise<Planned>, hint = ''): Promise<AdaptiveCard> {
    const origin = originOf(context);
    if (!origin) {
      return note('Nothing was changed', 'I cannot tell who you are: Teams sent no Entra object id with your message, and approvals need it. Try again from Teams.', 'Attention');
    }
    let planned: Planned;
    try {
      planned = await plan(origin);
    } catch (e) {
      return note('Nothing was changed', explain(e), 'Attention');
    }
    if (!planned.ok) return note('Nothing was changed', planned.message, 'Attention');
    const stored = await this.storeOnce(planned.request);
    if ('busy' in stored) return note('Nothing was changed', 'Someone is submitting this same change right now. Type the command again in a moment.', 'Warning');
    if ('open' in stored) {
      const open = stored.open;
      return note(`Request ${open.id} already asks for this`, `It is ${open.status.replace('_', ' ')}. Type status ${open.id} to follow it.`, 'Warning');
    }
    const request = stored.created;
    let problem = '';
    try {
      await this.options.submitted(request);
    } catch (e) {
      this.options.logger.warn({ requestId: request.id, err: (e as Error).message }, 'could not post the approval card of a tenant change');
      problem = ' The request is stored, but posting it for approval failed; tell an administrator.';
    }
    return note(
      `Request ${request.id} submitted — waiting for approval`,
      `Nothing changes in Azure until an approver approves it. Type status ${request.id} to follow it.${problem}${hint ? ` ${hint}` : ''}`,
      problem ? 'Warning' : 'Good',
      tenantChangeFacts(request),
    );
  }

  /**
   * Stores the request unless the same change is already open. Two clicks at once (two instances,
   * or Teams retrying an invoke) both pass the check, so the check and the create run under a
   * short lease in the shared store: exactly one request is made; the other click sees it.
   */
  private async storeOnce(planned: Omit<OnboardingRequest, 'id'>): Promise<{ created: OnboardingRequest } | { open: OnboardingRequest } | { busy: true }> {
    const { requests, leases } = this.options.store;
    const lease = `tenant-change:${planned.kind}:${planned.registration.resourceId.toLowerCase()}:${planned.target?.azureSubscriptionId ?? ''}`;
    const owner = randomUUID();
    for (let attempt = 0; !(await leases.acquire(lease, owner, CHANGE_LEASE_MS)); attempt++) {
      if (attempt >= CHANGE_LEASE_ATTEMPTS) {
        const open = await openRequestFor(requests, planned);
        return open ? { open } : { busy: true };
      }
      await new Promise((resolve) => setTimeout(resolve, CHANGE_LEASE_RETRY_MS));
    }
    try {
      const open = await openRequestFor(requests, planned);
      if (open) return { open };
      return { created: await storeRequest(requests, planned) };
    } finally {
      await leases.release(lease, owner).catch(() => undefined);
    }
  }

  private deps() {
    return { cloud: this.options.cloud, requests: this.options.store.requests };
  }

  /** Card data names a registration by resource id or `all`; anything else (a path trick included) is refused. */
  private selectionFromCard(registration: string): RegistrationSelection {
    if (registration === 'all') return this.directory.selectRegistration('all');
    const match = this.directory.registrations.find((r) => r.resourceId.toLowerCase() === registration.toLowerCase());
    return match ? { kind: 'one', registration: match } : { kind: 'unknown', message: 'This card names a registration I may not use. Type `tenants` again.' };
  }

  private async send(context: TurnContext, card: AdaptiveCard): Promise<void> {
    await context.sendActivity(MessageFactory.attachment(cardAttachment(card)));
  }
}

function originOf(context: TurnContext): RequestOrigin | undefined {
  const from = context.activity.from;
  if (!from || !isGuid(from.aadObjectId)) return undefined;
  return {
    requester: { aadObjectId: from.aadObjectId.toLowerCase() as Guid, teamsUserId: from.id, name: from.name ?? from.id },
    teamsTenantId: activityTenantId(context) ?? '',
    conversationId: context.activity.conversation?.id ?? '',
  };
}

function scopeOf(selection: Extract<RegistrationSelection, { kind: 'one' | 'all' }>): string {
  return selection.kind === 'one' ? selection.registration.resourceId : 'all';
}

function scopeName(selection: Extract<RegistrationSelection, { kind: 'one' | 'all' }>): string {
  return selection.kind === 'one' ? selection.registration.name : `all ${selection.registrations.length} registrations`;
}

function note(title: string, text: string, color: TenantNoteModel['color'], facts: TenantNoteModel['facts'] = [], buttons: TenantNoteModel['buttons'] = []): AdaptiveCard {
  return renderTenantNoteCard({ title, text, color, facts, buttons });
}

/** The promise's value, or undefined if it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  if (!Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function answer(card: AdaptiveCard): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: ADAPTIVE_CARD, value: card };
}
