// The `tenants.*` buttons: paging and search of the tenant list and the reconcile report, and the
// report's Onboard / Remove. The card names a registration and a subscription; both are checked
// against what this bot may use, and a change goes through the same submission as the commands.
import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { guidSchema } from '../../onboarding/model';
import type { Cloud } from '../../onboarding/ports';
import { planRemap, planRemoval, type TenantChangeDependencies } from '../../onboarding/tenants/tenantChanges';
import { planOffboarding } from '../../onboarding/tenants/offboarding';
import type { RegistrationSelection } from '../../onboarding/tenants/tenantDirectory';
import type { BotStore } from '../../store/types';
import type { CardActionHandler } from '../../bot/handlers';
import { cardResponse } from '../../bot/invokeResponses';
import type { ChangeSubmission } from './changeSubmission';
import { note, reconcileReportCard, tenantListCard, TENANT_VERBS, type TenantCardDeps } from './tenantCards';

/** How long a button waits for a reconcile before answering "still checking" (Teams' invoke limit is about 15 s). */
const INVOKE_WAIT_MS = 8_000;

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

const offboardData = z.object({ tenant: guidSchema, unregisterDirectory: z.enum(['true', 'false']).optional().catch('false') });

export interface TenantCardActionDeps extends TenantCardDeps {
  cloud: Pick<Cloud, 'registrations' | 'partnerCenter' | 'directory' | 'stamps'>;
  store: Pick<BotStore, 'requests'>;
  changes: ChangeSubmission;
  invokeWaitMs?: number;
}

export class TenantCardActions implements CardActionHandler {
  /** Every tenant button shows or changes customers' data: operators only. */
  readonly requires = 'operator' as const;
  constructor(private readonly deps: TenantCardActionDeps) {}

  matches(verb: string): boolean {
    return (Object.values(TENANT_VERBS) as string[]).includes(verb);
  }

  async handle(context: TurnContext, verb: string, data: Record<string, unknown>): Promise<AdaptiveCardInvokeResponse> {
    const { deps } = this;
    if (verb === TENANT_VERBS.page || verb === TENANT_VERBS.reconcile) {
      const parsed = pageData.safeParse(data);
      if (!parsed.success) return cardResponse(note('This card is out of date', 'Type `tenants` or `reconcile` again.', 'Warning'));
      const selection = this.selectionFromCard(parsed.data.registration);
      if (selection.kind === 'unknown' || selection.kind === 'choose') return cardResponse(note('Unknown registration', selection.kind === 'unknown' ? selection.message : 'Choose a registration.', 'Attention'));
      const search = (parsed.data.search ?? '').trim();
      const card =
        verb === TENANT_VERBS.page
          ? await tenantListCard(deps, selection, parsed.data.page, search)
          : await reconcileReportCard(deps, selection, parsed.data.page, parsed.data.fresh ?? false, deps.invokeWaitMs ?? INVOKE_WAIT_MS);
      return cardResponse(card);
    }
    if (verb === TENANT_VERBS.offboard) {
      const offboard = offboardData.safeParse(data);
      if (!offboard.success) return cardResponse(note('Nothing was changed', 'This card does not name a valid tenant. Type `offboard <domain or tenant id>` again.', 'Attention'));
      // Read afresh: the request carries what is there now, with the operator's tick.
      const { tenant, unregisterDirectory } = offboard.data;
      return cardResponse(await deps.changes.submit(context, () => planOffboarding({ cloud: deps.cloud }, tenant, unregisterDirectory === 'true')));
    }
    const parsed = changeData.safeParse(data);
    if (!parsed.success) return cardResponse(note('Nothing was changed', 'This button does not name a valid subscription. Type `reconcile` again.', 'Attention'));
    const { registration, azureSubscriptionId, customerTenantId } = parsed.data;
    const planDeps: TenantChangeDependencies = { cloud: deps.cloud };
    if (verb === TENANT_VERBS.remove) {
      return cardResponse(await deps.changes.submit(context, () => planRemoval(planDeps, { azureSubscriptionId, registration })));
    }
    if (!customerTenantId) return cardResponse(note('Nothing was changed', 'This button does not name a customer. Type `reconcile` again.', 'Attention'));
    const card = await deps.changes.submit(
      context,
      () => planRemap(planDeps, { azureSubscriptionId, registration, tenant: customerTenantId }),
      'To onboard a new customer, or to give the customer guest access as well, type onboard.',
    );
    return cardResponse(card);
  }

  /** Card data names a registration by resource id or `all`; anything else (a path trick included) is refused. */
  private selectionFromCard(registration: string): RegistrationSelection {
    const { directory } = this.deps;
    if (registration === 'all') return directory.selectRegistration('all');
    const match = directory.registrations.find((r) => r.resourceId.toLowerCase() === registration.toLowerCase());
    return match ? { kind: 'one', registration: match } : { kind: 'unknown', message: 'This card names a registration I may not use. Type `tenants` again.' };
  }
}
