// `status <id>`, `retry <id>` and `cancel <id>` (the bare `cancel` belongs to the onboarding dialog,
// which hands `cancel <id>` to cancelRequest). Same server checks as the card buttons.
import type { TurnContext } from 'botbuilder';
import { describeState, type RequestLifecycle, type TransitionResult } from '../../onboarding/requests/requestLifecycle';
import { requestIdSchema, type OnboardingRequest } from '../../onboarding/model';
import type { AuditLog, RequestStore } from '../../onboarding/ports';
import { markdown, markdownText } from '../../cards/markdown';
import { requestTitle, stepLabel, when } from '../../cards/requestView';
import { actorOf } from './approvalActions';
import type { CommandHandler } from '../../bot/handlers';
import { activityTenantId } from '../../bot/turnLogger';

/** The audit trail in chat stays readable; the full trail is in the store. */
const MAX_AUDIT_LINES = 25;

const MARK: Record<string, string> = { waiting: '▫️', running: '⏳', done: '✅', skipped: '⏭️', failed: '❌' };

function parseId(args: string) {
  return requestIdSchema.safeParse(args.split(/\s+/)[0] ?? '');
}

export class StatusCommand implements CommandHandler {
  readonly command = 'status';
  readonly usage = 'status <request id>: the request, its steps and its audit trail';

  constructor(private readonly deps: { requests: RequestStore; audit: AuditLog }) {}

  async handle(context: TurnContext, args: string): Promise<void> {
    const parsed = parseId(args);
    if (!parsed.success) {
      await context.sendActivity('Which request? Type `status ONB-XXXX` with the id from the approval card.');
      return;
    }
    const stored = await this.deps.requests.get(parsed.data);
    // Another organisation's request does not exist, as far as this chat is concerned.
    if (!stored || stored.value.teamsTenantId.toLowerCase() !== (activityTenantId(context) ?? '').toLowerCase()) {
      await context.sendActivity(`There is no request ${parsed.data}.`);
      return;
    }
    const trail = await this.deps.audit.list(parsed.data);
    await context.sendActivity({ type: 'message', textFormat: 'markdown', text: statusText(stored.value, trail) });
  }
}

export function statusText(request: OnboardingRequest, trail: { at: string; actorName?: string; actor: string; action: string; detail: string }[]): string {
  const lines = [
    request.kind === 'onboard'
      ? markdown`**${request.id}**: onboard ${request.customer.companyName} (${request.customer.domain}) on ${request.registration.name}`
      : markdown`**${request.id}**: ${requestTitle(request)}`,
    markdown`Requested by ${request.requester.name} on ${when(request.createdAt)}. ${describeState(request)}`,
  ];
  if (request.steps.length > 0) {
    lines.push('', '**Steps**');
    for (const s of request.steps) lines.push(`- ${MARK[s.status] ?? ''} ${stepLabel(s.name)}: ${markdownText(s.detail ?? s.status)}${s.attempts > 1 ? ` (attempt ${s.attempts})` : ''}`);
  }
  const shown = trail.slice(-MAX_AUDIT_LINES);
  lines.push('', `**Audit trail**${trail.length > shown.length ? ` (last ${shown.length} of ${trail.length})` : ''}`);
  for (const e of shown) lines.push(`- ${when(e.at)} · ${markdown`${e.actorName ?? e.actor} · ${e.action}: ${e.detail}`}`);
  return lines.join('\n');
}

export class RetryCommand implements CommandHandler {
  readonly command = 'retry';
  readonly usage = 'retry <request id>: run a failed request again from the failed step (approvers)';

  constructor(private readonly lifecycle: RequestLifecycle) {}

  async handle(context: TurnContext, args: string): Promise<void> {
    const parsed = parseId(args);
    if (!parsed.success) {
      await context.sendActivity('Which request? Type `retry ONB-XXXX`.');
      return;
    }
    const result = await this.lifecycle.retry(parsed.data, actorOf(context), 'command');
    await context.sendActivity(result.ok ? `Retrying ${parsed.data}: the card in the approval thread follows the run.` : markdownText(result.message));
  }
}

/** `cancel <id>`: before the run starts (requester or approver); a failed run is abandoned (approvers). */
export function createCancelRequest(lifecycle: RequestLifecycle) {
  return async function cancelRequest(context: TurnContext, args: string): Promise<void> {
    const parsed = parseId(args);
    if (!parsed.success) {
      await context.sendActivity('Which request? Type `cancel ONB-XXXX`, or just `cancel` to stop what you are doing.');
      return;
    }
    const result: TransitionResult = await lifecycle.cancel(parsed.data, actorOf(context));
    if (!result.ok) {
      await context.sendActivity(markdownText(result.message));
      return;
    }
    await context.sendActivity(result.request.status === 'abandoned' ? `Abandoned ${parsed.data}.` : `Cancelled ${parsed.data}; nothing was changed in Partner Center or Azure.`);
  };
}
