// Step 8: the result goes to the approval thread, mentioning the requester, with the registration
// link. The posted message's id is stored so a resumed run does not post it again.
import { skippedBy, type SkipCheck, type StepContext, type StepOutcome } from './step';

/** A row of a bulk onboarding: its batch posts one summary for every row, not a message per row. */
export const skipForBatchRow: SkipCheck = (ctx) =>
  ctx.request.kind === 'onboard' && ctx.request.batch && !ctx.request.results.resultPostedActivityId ? `The result goes into the summary of ${ctx.request.batch.id}.` : undefined;

export async function postResult(ctx: StepContext): Promise<StepOutcome> {
  const { results } = ctx.request;
  if (results.resultPostedActivityId) return { status: 'done', detail: 'The result was posted.' };
  const skipped = skippedBy(skipForBatchRow, ctx);
  if (skipped) return skipped;
  // An offboarding removes mappings: there is no one resource to link to.
  const mappingResourceId = results.mappingResourceId ?? '';
  const links = { mappingResourceId, portalLink: mappingResourceId ? ctx.cloud.registrations.portalLink(mappingResourceId) : '', stampPortalLink: results.stampPortalLink };
  const activityId = await ctx.notifier.resultReady(ctx.request, links);
  return {
    status: 'done',
    detail: activityId ? 'The result was posted in the approval thread.' : 'The result could not be posted in Teams; it is on this card and in `status`.',
    results: { resultPostedActivityId: activityId ?? 'not-posted' },
  };
}
