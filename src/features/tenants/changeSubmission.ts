// A tenant change, from a command or a reconcile button, becomes a request: planned against the
// cloud, then handed to the intake, which refuses it if the same change is already open, stores it
// once (two clicks on two instances make one request) and posts it for approval.
import { randomUUID } from 'crypto';
import type { TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../../cards/render';
import { requestFacts } from '../../cards/requestView';
import type { PlanOf, RequestOrigin } from '../../onboarding/model';
import type { Intake } from '../../onboarding/requests/intake';
import type { Planned } from '../../onboarding/tenants/tenantChanges';
import { explain } from '../../onboarding/tenants/tenantDirectory';
import { conversationIdOf, requesterFrom, tenantIdOf } from '../../bot/activity';
import { note } from './tenantCards';

export interface ChangeSubmissionOptions {
  /** Where a change request comes in (stored, audited, posted for approval), like an onboarding. */
  intake: Intake;
  logger: { warn(obj: object, msg: string): void };
}

export class ChangeSubmission {
  constructor(private readonly options: ChangeSubmissionOptions) {}

  /** Plans the change and hands it to the intake (which refuses a duplicate, stores it and posts it for approval). */
  async submit(context: TurnContext, plan: () => Promise<Planned<PlanOf<'remap' | 'remove' | 'offboard'>>>, hint = ''): Promise<AdaptiveCard> {
    const origin = originOf(context);
    if (!origin) {
      return note('Nothing was changed', 'I cannot tell who you are: Teams sent no Entra object id with your message, and approvals need it. Try again from Teams.', 'Attention');
    }
    let planned: Planned<PlanOf<'remap' | 'remove' | 'offboard'>>;
    try {
      planned = await plan();
    } catch (e) {
      return note('Nothing was changed', explain(e), 'Attention');
    }
    if (!planned.ok) return note('Nothing was changed', planned.message, 'Attention');
    // One submission per activity: Teams resending the same invoke gets the request it made.
    const key = `tenant-command:${origin.conversationId}:${context.activity.id ?? randomUUID()}`;
    const taken = await this.options.intake.submit(planned.plan, origin, key);
    if (!taken.ok && taken.reason === 'busy') return note('Nothing was changed', 'Someone is submitting this same change right now. Type the command again in a moment.', 'Warning');
    if (!taken.ok) {
      const open = taken.request;
      if (!open) return note('Nothing was changed', 'This change is being submitted right now. Type the command again in a moment.', 'Warning');
      return note(`Request ${open.id} already asks for this`, `It is ${open.status.replace('_', ' ')}. Type status ${open.id} to follow it.`, 'Warning');
    }
    const request = taken.request;
    let problem = '';
    if (taken.approvalProblem !== undefined) {
      this.options.logger.warn({ requestId: request.id, err: (taken.approvalProblem as Error).message }, 'could not post the approval card of a tenant change');
      problem = ' The request is stored, but posting it for approval failed; tell an administrator.';
    }
    return note(
      `Request ${request.id} submitted — waiting for approval`,
      `Nothing changes in Azure until an approver approves it. Type status ${request.id} to follow it.${problem}${hint ? ` ${hint}` : ''}`,
      problem ? 'Warning' : 'Good',
      requestFacts(request),
    );
  }
}

function originOf(context: TurnContext): RequestOrigin | undefined {
  const requester = requesterFrom(context.activity);
  if (!requester) return undefined;
  return { requester, teamsTenantId: tenantIdOf(context.activity) ?? '', conversationId: conversationIdOf(context.activity) };
}
