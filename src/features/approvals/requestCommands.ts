// `status <id>`, `retry <id>` and `cancel <id>` (the bare `cancel` belongs to the onboarding dialog,
// which hands `cancel <id>` to cancelRequest). Same server checks as the card buttons.
import type { TurnContext } from 'botbuilder';
import { readableBy, type RequestLifecycle, type TransitionResult } from '../../onboarding/requests/requestLifecycle';
import { requestIdSchema } from '../../onboarding/model';
import type { AuditLog, RequestStore } from '../../onboarding/ports';
import { markdownText } from '../../cards/markdown';
import { statusText } from './statusText';
import { actorFrom } from '../../bot/activity';
import type { CommandHandler } from '../../bot/handlers';

function parseId(args: string) {
  return requestIdSchema.safeParse(args.split(/\s+/)[0] ?? '');
}

export class StatusCommand implements CommandHandler {
  readonly command = 'status';
  readonly usage = 'status <request id> [page]: the request, its steps and its whole audit trail, a page at a time';

  constructor(private readonly deps: { requests: RequestStore; audit: AuditLog }) {}

  async handle(context: TurnContext, args: string): Promise<void> {
    const parsed = parseId(args);
    if (!parsed.success) {
      await context.sendActivity('Which request? Type `status ONB-XXXX` with the id from the approval card.');
      return;
    }
    const stored = await this.deps.requests.get(parsed.data);
    // Another organisation's request does not exist, as far as this chat is concerned.
    if (!stored || !readableBy(stored.value, actorFrom(context.activity))) {
      await context.sendActivity(`There is no request ${parsed.data}.`);
      return;
    }
    const trail = await this.deps.audit.list(parsed.data);
    const page = Number.parseInt(args.split(/\s+/)[1] ?? '1', 10);
    await context.sendActivity({ type: 'message', textFormat: 'markdown', text: statusText(stored.value, trail, Number.isFinite(page) ? page : 1) });
  }
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
    const result = await this.lifecycle.retry(parsed.data, actorFrom(context.activity), 'command');
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
    const result: TransitionResult = await lifecycle.cancel(parsed.data, actorFrom(context.activity));
    if (!result.ok) {
      await context.sendActivity(markdownText(result.message));
      return;
    }
    await context.sendActivity(result.request.status === 'abandoned' ? `Abandoned ${parsed.data}.` : `Cancelled ${parsed.data}; nothing was changed in Partner Center or Azure.`);
  };
}
