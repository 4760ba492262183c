// Bulk onboarding (docs/bulk.md): `onboard bulk` shows the paste box (or, in a personal chat, reads
// an attached .csv file); "Check the list" checks every row with the onboarding dialog's rules and
// answers with the plan; Submit takes the ready rows in as one request, BAT-…, which goes through
// the ordinary approval and then runs its rows as onboarding requests (src/onboarding/run/steps/bulkRows.ts).
import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { conversationIdOf, requesterFrom, tenantIdOf } from '../../bot/activity';
import type { CardActionHandler, CommandHandler } from '../../bot/handlers';
import { cardResponse, messageResponse } from '../../bot/invokeResponses';
import { bulkCheckingCardModel, bulkPlanCardModel, renderBulkListCard, renderBulkPlanCard } from '../../cards/bulkCards';
import { bulkPlanFacts } from '../../cards/bulkBatchCard';
import { cardAttachment, type AdaptiveCard } from '../../cards/render';
import { renderOnboardingNoteCard } from '../../cards/onboardingNoteCard';
import { BULK_COLUMNS, BULK_NEW_CUSTOMER_COLUMNS, BULK_REQUIRED_COLUMNS, MAX_BULK_CHARS, MAX_BULK_ROWS, readBulkList } from '../../dialogs/bulkList';
import { dataString, parsePage } from '../../dialogs/onboardingInput';
import type { Cloud } from '../../onboarding/ports';
import type { Intake } from '../../onboarding/requests/intake';
import { onboardingKeyOf, openOnboardingOf, OPEN_STATUSES } from '../../onboarding/rules/openOnboardings';
import type { BotStore } from '../../store/types';
import { BulkPlans, type StoredBulkPlan } from './bulkPlans';

/** Teams waits about 15 s for an invoke (docs/reference/teams-platform.md §TP-3): a longer check answers "checking". */
const DEFAULT_ANSWER_WITHIN_MS = 8_000;
/** Teams' file download info: a personal chat's attached file, downloadable once from `content.downloadUrl`. */
const FILE_DOWNLOAD_INFO = 'application/vnd.microsoft.teams.file.download.info';

export const BULK_VERBS = {
  start: 'bulk.start',
  check: 'bulk.check',
  page: 'bulk.page',
  submit: 'bulk.submit',
} as const;

export const BULK_EXAMPLE = [
  'companyName,domain,country,region,city,postalCode,addressLine1,firstName,lastName,email,phone,registration,subscription,access,agreementDate',
  'Fabrikam Ltd,fabrikamltd.onmicrosoft.com,GB,,London,SW1A 1AA,1 Main Street,Ann,Smith,ann@fabrikam.example,+44 20 7946 0000,reg-east,azure-plan,none,2026-11-30',
  '"Contoso, Inc.",contoso.com,,,,,,,,,,reg-east,3f15978e-005c-b763-bb78-2a8fab289c58,admin@contoso.com,',
].join('\n');

export interface BulkFeatureOptions {
  cloud: Pick<Cloud, 'partnerCenter' | 'registrations' | 'name' | 'simulated'>;
  store: Pick<BotStore, 'requests' | 'facts'>;
  intake: Intake;
  /** How long a click waits for the check before it answers "checking". */
  answerWithinMs?: number;
  /** Rows checked at once. */
  parallelChecks?: number;
  /** Downloads an attached file (Teams' download URL); default: fetch. */
  download?: (url: string) => Promise<string>;
}

export function createBulkFeature(options: BulkFeatureOptions): { commands: CommandHandler[]; cardActions: CardActionHandler[] } {
  const plans = new BulkPlans({ cloud: options.cloud, store: options.store, parallel: options.parallelChecks });
  const bulk = new BulkOnboarding(options, plans);
  return { commands: [new OnboardBulkCommand(bulk)], cardActions: [new BulkCardActions(bulk)] };
}

export class OnboardBulkCommand implements CommandHandler {
  readonly command = 'onboard bulk';
  readonly requires = 'operator';
  readonly usage = 'onboard bulk: onboard many customers from a pasted CSV list (or an attached .csv file in a personal chat), one approval for all';

  constructor(private readonly bulk: BulkOnboarding) {}

  async handle(context: TurnContext): Promise<void> {
    const file = csvAttachment(context);
    if (!file) {
      await context.sendActivity({ attachments: [cardAttachment(this.bulk.listCard('', ''))] });
      return;
    }
    if (context.activity.conversation?.conversationType !== 'personal') {
      await context.sendActivity('An attached list works in a personal chat with me; here, type onboard bulk and paste the list into the card.');
      return;
    }
    const text = await this.bulk.download(file.downloadUrl);
    if (text === undefined) {
      await context.sendActivity(`I could not read ${file.name}: it must be a CSV file of at most ${MAX_BULK_CHARS / 1024} KB. Type onboard bulk and paste the list instead.`);
      return;
    }
    await context.sendActivity({ attachments: [cardAttachment(await this.bulk.check(context, text))] });
  }
}

export class BulkCardActions implements CardActionHandler {
  readonly requires = 'operator';

  constructor(private readonly bulk: BulkOnboarding) {}

  matches(verb: string): boolean {
    return verb.startsWith('bulk.');
  }

  async handle(context: TurnContext, verb: string, data: Record<string, unknown>): Promise<AdaptiveCardInvokeResponse> {
    switch (verb) {
      case BULK_VERBS.start:
        return cardResponse(this.bulk.listCard('', ''));
      case BULK_VERBS.check: {
        const csv = typeof data.csv === 'string' ? data.csv : '';
        return cardResponse(await this.bulk.check(context, csv));
      }
      case BULK_VERBS.page:
        return this.bulk.page(context, dataString(data, 'planId') ?? '', parsePage(data));
      case BULK_VERBS.submit:
        return this.bulk.submit(context, dataString(data, 'planId') ?? '');
      default:
        return messageResponse('This button is not one I know.');
    }
  }
}

/** The flow behind the command and the buttons. */
export class BulkOnboarding {
  constructor(
    private readonly options: BulkFeatureOptions,
    private readonly plans: BulkPlans,
  ) {}

  private get waitMs(): number {
    return this.options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;
  }

  listCard(csv: string, error: string): AdaptiveCard {
    return renderBulkListCard({
      simulated: this.options.cloud.simulated,
      maxRows: MAX_BULK_ROWS,
      columns: BULK_COLUMNS.join(', '),
      columnNotes: `Always: ${BULK_REQUIRED_COLUMNS.join(', ')}. A new customer (domain <prefix>.onmicrosoft.com) also needs ${BULK_NEW_CUSTOMER_COLUMNS.filter((c) => c !== 'region' && c !== 'phone').join(', ')} (region and phone where the country needs them), and agreementDate for an Azure plan. subscription: azure-plan or an Azure subscription id; access: none or the customer admin's e-mail.`,
      example: BULK_EXAMPLE,
      // A list too big for the card's box is not sent back into it.
      csv: csv.length <= 64 * 1024 ? csv : '',
      error,
    });
  }

  /** Reads and checks a list: the paste box again with the problem, the plan, or "checking" when it takes longer. */
  async check(context: TurnContext, csv: string): Promise<AdaptiveCard> {
    const list = readBulkList(csv);
    if (!list.ok) return this.listCard(csv, list.problem);
    const owner = requesterFrom(context.activity);
    if (!owner) return this.listCard(csv, 'I cannot tell who you are: Teams sent no Entra object id with your click. Try again from Teams.');
    const origin = { owner, teamsTenantId: tenantIdOf(context.activity) ?? '', conversationId: conversationIdOf(context.activity) };
    const { planId, plan } = await this.plans.check(list.rows, origin, this.waitMs);
    if (!plan) return renderBulkPlanCard(bulkCheckingCardModel(planId, list.rows.length, this.options.cloud.simulated));
    return this.planCard(plan, 0);
  }

  async page(context: TurnContext, planId: string, page: number): Promise<AdaptiveCardInvokeResponse> {
    const plan = await this.plans.get(planId, this.waitMs);
    if (!plan) {
      if (this.plans.isChecking(planId)) return cardResponse(renderBulkPlanCard(bulkCheckingCardModel(planId, 0, this.options.cloud.simulated)));
      return cardResponse(this.listCard('', 'That check is no longer here (the bot restarted while it ran): paste the list again.'));
    }
    if (!this.isOwner(context, plan)) return messageResponse('Only the person who checked this list can use its buttons.');
    if (plan.submitted) return cardResponse(this.submittedCard(plan.submitted, undefined));
    return cardResponse(this.planCard(plan, page));
  }

  /** The ready rows become one bulk request, unless one of them is already onboarded by a request opened since the check. */
  async submit(context: TurnContext, planId: string): Promise<AdaptiveCardInvokeResponse> {
    const plan = await this.plans.get(planId, this.waitMs);
    if (!plan) return cardResponse(this.listCard('', 'That plan is no longer here: paste the list again.'));
    if (!this.isOwner(context, plan)) return messageResponse('Only the person who checked this list can submit it.');
    if (plan.submitted) return cardResponse(this.submittedCard(plan.submitted, undefined));
    if (plan.ready.length === 0) return cardResponse(this.planCard(plan, 0, 'No row is ready: fix the list and paste it again.'));
    const requester = requesterFrom(context.activity)!;
    const open = (await this.options.store.requests.list({ status: [...OPEN_STATUSES] })).map((v) => v.value);
    const taken = plan.ready.filter((r) => openOnboardingOf(open, onboardingKeyOf(r.plan)));
    if (taken.length) {
      const lines = taken.map((r) => r.line).join(', ');
      return cardResponse(this.planCard(plan, 0, `Since the check, other requests took in line(s) ${lines}. Nothing was submitted: paste the list again to see the plan as it is now.`));
    }
    const origin = { requester, teamsTenantId: plan.teamsTenantId, conversationId: conversationIdOf(context.activity) };
    const result = await this.options.intake.submit({ kind: 'bulk', rows: plan.ready, skippedRows: plan.total - plan.ready.length }, origin, `bulk:${plan.planId}`);
    if (!result.ok) {
      const earlier = result.reason === 'already-submitted' ? result.request : undefined;
      return cardResponse(this.submittedCard(earlier?.id ?? 'a request', undefined));
    }
    await this.plans.markSubmitted(plan, result.request.id);
    return cardResponse(this.submittedCard(result.request.id, plan));
  }

  async download(url: string): Promise<string | undefined> {
    if (!/^https:\/\//i.test(url) && !(this.options.cloud.simulated && /^http:\/\/(127\.0\.0\.1|localhost)[:/]/i.test(url))) return undefined;
    try {
      if (this.options.download) return limit(await this.options.download(url));
      const response = await fetch(url, { signal: AbortSignal.timeout(15_000), redirect: 'follow' });
      if (!response.ok) return undefined;
      return limit(await response.text());
    } catch {
      return undefined;
    }
  }

  private isOwner(context: TurnContext, plan: StoredBulkPlan): boolean {
    const who = requesterFrom(context.activity);
    return Boolean(who) && who!.aadObjectId === plan.owner.aadObjectId && (tenantIdOf(context.activity) ?? '').toLowerCase() === plan.teamsTenantId.toLowerCase();
  }

  private planCard(plan: StoredBulkPlan, page: number, notice?: string): AdaptiveCard {
    const facts = plan.ready.length ? bulkPlanFacts({ rows: plan.ready, skippedRows: plan.total - plan.ready.length }) : [];
    return renderBulkPlanCard(
      bulkPlanCardModel({ planId: plan.planId, simulated: this.options.cloud.simulated, total: plan.total, ready: plan.ready.length, problems: plan.problems, facts, page, notice }),
    );
  }

  private submittedCard(requestId: string, plan: StoredBulkPlan | undefined): AdaptiveCard {
    return renderOnboardingNoteCard({
      title: `Request ${requestId} submitted — waiting for approval`,
      text: plan
        ? `${plan.ready.length} row(s) go to the approvers as one request. Once approved they run a few at a time; one card shows how far they are, and the summary with a results CSV comes in the thread. Type status ${requestId} to follow it.`
        : `This list was already submitted as ${requestId}. Type status ${requestId} to follow it.`,
      color: 'Good',
      facts: plan ? bulkPlanFacts({ rows: plan.ready, skippedRows: plan.total - plan.ready.length }) : [],
    });
  }
}

/** The first attached `.csv` file of the message (Teams' file download info), if any. */
function csvAttachment(context: TurnContext): { name: string; downloadUrl: string } | undefined {
  for (const a of context.activity.attachments ?? []) {
    const content = a.content as { downloadUrl?: unknown; fileType?: unknown } | undefined;
    const name = a.name ?? '';
    const isCsv = /\.csv$/i.test(name) || String(content?.fileType ?? '').toLowerCase() === 'csv';
    if (a.contentType === FILE_DOWNLOAD_INFO && isCsv && typeof content?.downloadUrl === 'string') return { name: name || 'the file', downloadUrl: content.downloadUrl };
  }
  return undefined;
}

function limit(text: string): string | undefined {
  return text.length <= MAX_BULK_CHARS ? text : undefined;
}
