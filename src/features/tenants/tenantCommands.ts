// The typed tenant commands: `tenants`, `tenant`, `remap`, `remove tenant`, `reconcile`. Each parses
// its arguments and answers with a card; reads go to the cloud, changes become requests.
import { MessageFactory, type TurnContext } from 'botbuilder';
import { markdownText } from '../../cards/markdown';
import { cardAttachment, type AdaptiveCard } from '../../cards/render';
import { renderTenantDetailCard, tenantDetailModel } from '../../cards/tenantDetailCard';
import type { Cloud } from '../../onboarding/ports';
import { REMAP_USAGE, REMOVE_USAGE, parseRemap, parseRemoval, planRemap, planRemoval, type TenantChangeDependencies } from '../../onboarding/tenants/tenantChanges';
import { describeProblems, explain, findTenant, parseTenantQuery, requestThatMapped } from '../../onboarding/tenants/tenantDirectory';
import { surveyStampUsage, USAGE_DAYS } from '../../onboarding/tenants/stampUsage';
import type { BotStore } from '../../store/types';
import type { CommandHandler } from '../../bot/handlers';
import type { ChangeSubmission } from './changeSubmission';
import { note, reconcileReportCard, registrationChooser, tenantListCard, TENANT_VERBS, type TenantCardDeps } from './tenantCards';
import { offboardPreviewModel, renderOffboardPreviewCard } from '../../cards/offboardCards';
import { OFFBOARD_USAGE, planOffboarding } from '../../onboarding/tenants/offboarding';

export interface TenantCommandDeps extends TenantCardDeps {
  cloud: Pick<Cloud, 'registrations' | 'partnerCenter' | 'simulated' | 'stamps' | 'directory'>;
  store: Pick<BotStore, 'requests'>;
  changes: ChangeSubmission;
}

export function createTenantCommands(deps: TenantCommandDeps): CommandHandler[] {
  const { directory, changes } = deps;
  const planDeps: TenantChangeDependencies = { cloud: deps.cloud };
  return [
    command('tenants', 'tenants [registration | all]: every tenant mapped on a registration (or all of them), paged, with search', async (context, args) => {
      const selection = directory.selectRegistration(args);
      if (selection.kind === 'unknown') return void (await context.sendActivity(markdownText(selection.message)));
      if (selection.kind === 'choose') return send(context, registrationChooser(selection.registrations, TENANT_VERBS.page, 'tenants'));
      // A typed command reads the registrations afresh; page and search clicks reuse that listing briefly.
      await send(context, await tenantListCard(deps, selection, 1, '', true));
    }),
    command('tenant', 'tenant <subscription id or domain>: one mapping, who onboarded it, the portal link and its Azure Stack Hub usage', (context, args) => inspect(deps, context, args)),
    command('remap', `${REMAP_USAGE}: map a customer's subscription on a registration, overwriting (with approval)`, async (context, args) => {
      const parsed = parseRemap(args);
      if (!parsed.ok) return void (await context.sendActivity(markdownText(parsed.message)));
      await send(context, await changes.submit(context, () => planRemap(planDeps, parsed.value)));
    }),
    command('remove tenant', `${REMOVE_USAGE}: remove a mapping (with approval); usage is billed to you again`, async (context, args) => {
      const parsed = parseRemoval(args);
      if (!parsed.ok) return void (await context.sendActivity(markdownText(parsed.message)));
      await send(context, await changes.submit(context, () => planRemoval(planDeps, parsed.value)));
    }),
    command('offboard', `${OFFBOARD_USAGE}: every piece a customer has (mappings, Azure Stack Hub subscriptions, the CSP guest's Owner role, the directory) and a request to take them away (with approval)`, async (context, args) => {
      await context.sendActivity({ type: 'typing' });
      let planned;
      try {
        planned = await planOffboarding({ cloud: deps.cloud }, args, false);
      } catch (e) {
        return send(context, note('Nothing was changed', explain(e), 'Attention'));
      }
      if (!planned.ok) return void (await context.sendActivity(markdownText(planned.message)));
      await send(context, renderOffboardPreviewCard(offboardPreviewModel(planned.plan)));
    }),
    command('reconcile', 'reconcile [registration | all]: Partner Center against the registrations: unmapped customers, stale and missing mappings', async (context, args) => {
      const selection = directory.selectRegistration(args);
      if (selection.kind === 'unknown') return void (await context.sendActivity(markdownText(selection.message)));
      if (selection.kind === 'choose') return send(context, registrationChooser(selection.registrations, TENANT_VERBS.reconcile, 'reconcile'));
      await context.sendActivity({ type: 'typing' });
      await send(context, await reconcileReportCard(deps, selection, 1, true));
    }),
  ];
}

/** `tenant <subscription id or domain>`: the mapping on every registration, and the request that made it. */
async function inspect(deps: TenantCommandDeps, context: TurnContext, args: string): Promise<void> {
  const query = parseTenantQuery(args);
  if (query.kind === 'invalid') return void (await context.sendActivity(markdownText(query.message)));
  try {
    const { rows, customer, problems } = await findTenant(deps.directory, deps.cloud, query);
    if (rows.length === 0) {
      const names = deps.directory.registrations.map((r) => r.name).join(', ');
      const what = query.kind === 'domain' ? (customer ? `${query.domain}` : `${query.domain} (Partner Center has no customer with that domain)`) : query.id;
      const unread = problems.length ? `\n\n${describeProblems(problems)}` : '';
      await context.sendActivity(`No mapping found for ${markdownText(what)} on ${markdownText(names)}. Type \`tenants\` to see what is mapped.${markdownText(unread)}`);
      return;
    }
    const requests = (await deps.store.requests.list({ status: ['succeeded'] })).map((v) => v.value);
    // The stamps' own usage of this directory (provider usage API), when stamps are configured.
    const stamps = deps.cloud.stamps;
    const usage = stamps ? { survey: await surveyStampUsage(stamps, { tenantId: rows[0].customerTenantId }), days: USAGE_DAYS } : undefined;
    const model = tenantDetailModel({
      customer,
      simulated: deps.simulated,
      problems: describeProblems(problems),
      usage,
      rows: rows.map((row) => ({ row, request: requestThatMapped(requests, row), portalLink: deps.cloud.registrations.portalLink(row.resourceId) })),
    });
    await send(context, renderTenantDetailCard(model));
  } catch (e) {
    await context.sendActivity(`I could not look that up: ${markdownText(explain(e))}`);
  }
}

/** Every tenant command shows or changes customers' data: operators only. */
function command(word: string, usage: string, handle: (context: TurnContext, args: string) => Promise<void>): CommandHandler {
  return { command: word, usage, requires: 'operator', handle };
}

async function send(context: TurnContext, card: AdaptiveCard): Promise<void> {
  await context.sendActivity(MessageFactory.attachment(cardAttachment(card)));
}
