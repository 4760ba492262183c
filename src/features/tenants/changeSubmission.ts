// A tenant change, from a command or a reconcile button, becomes a request: planned against the
// cloud, refused if the same change is already open, stored once (under a short lease, so two
// clicks on two instances make one request) and handed to the approval feature.
import { randomUUID } from 'crypto';
import type { TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../../cards/render';
import { tenantChangeFacts } from '../../cards/tenantChangeCards';
import type { OnboardingRequest } from '../../onboarding/model';
import { openRequestFor, storeRequest, type Planned, type RequestOrigin } from '../../onboarding/tenants/tenantChanges';
import { explain } from '../../onboarding/tenants/tenantDirectory';
import type { BotStore } from '../../store/types';
import { conversationIdOf, requesterFrom, tenantIdOf } from '../../bot/activity';
import { note } from './tenantCards';

/** The lease that makes "check for an open request, then create one" a single step across instances. */
const CHANGE_LEASE_MS = 10_000;
const CHANGE_LEASE_RETRY_MS = 100;
const CHANGE_LEASE_ATTEMPTS = 30;

export interface ChangeSubmissionOptions {
  store: Pick<BotStore, 'requests' | 'leases'>;
  /** The approval feature's entry point after a request is stored (posts the approval card). */
  submitted(request: OnboardingRequest): Promise<void>;
  logger: { warn(obj: object, msg: string): void };
}

export class ChangeSubmission {
  constructor(private readonly options: ChangeSubmissionOptions) {}

  /** Plans the change, refuses a duplicate, stores the request and hands it to the approval feature. */
  async submit(context: TurnContext, plan: (origin: RequestOrigin) => Promise<Planned>, hint = ''): Promise<AdaptiveCard> {
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
}

function originOf(context: TurnContext): RequestOrigin | undefined {
  const requester = requesterFrom(context.activity);
  if (!requester) return undefined;
  return { requester, teamsTenantId: tenantIdOf(context.activity) ?? '', conversationId: conversationIdOf(context.activity) };
}
