// The end of a bulk onboarding: one summary in the approval thread with the results of every row
// (not a message per row). Its activity id is stored so a resumed run does not post it again.
import type { BulkRowResult } from '../../ports';
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function postBulkResult(ctx: StepContext): Promise<StepOutcome> {
  const batch = requestOf(ctx, 'bulk');
  if (batch.results.resultPostedActivityId) return { status: 'done', detail: 'The summary was posted.' };
  const rows: BulkRowResult[] = [];
  for (const state of batch.results.bulkRows ?? []) {
    const planned = batch.rows.find((r) => r.line === state.line);
    const row = (await ctx.store?.requests.get(state.requestId))?.value;
    const results = row?.results ?? {};
    rows.push({
      line: state.line,
      requestId: state.requestId,
      companyName: planned?.plan.customer.companyName ?? '',
      registrationName: planned?.plan.registration.name ?? '',
      customerTenantId: results.customerTenantId,
      azureSubscriptionId: results.azureSubscriptionId,
      status: row?.status ?? state.status,
      ...(state.error ? { error: state.error } : {}),
    });
  }
  const activityId = await ctx.notifier.batchFinished?.(batch, rows);
  return {
    status: 'done',
    detail: activityId ? 'The summary was posted in the approval thread.' : 'The summary could not be posted in Teams; it is on this card and in `status`.',
    results: { resultPostedActivityId: activityId ?? 'not-posted' },
  };
}
