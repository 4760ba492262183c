// Offboarding step 3: the customer's Azure Stack Hub subscriptions are disabled, not deleted: their
// resources stay (shut down), usage stops, and an operator can enable them again.
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function offboardSubscriptions(ctx: StepContext): Promise<StepOutcome> {
  const request = requestOf(ctx, 'offboard');
  const stamps = ctx.cloud.stamps;
  const work = request.stamps.filter((s) => s.subscriptionIds.length > 0);
  if (work.length === 0 || !stamps) return { status: 'skipped', detail: 'The customer had no Azure Stack Hub subscription.' };
  const options = { abortSignal: ctx.signal };
  const done: string[] = [];
  for (const s of work) {
    for (const id of s.subscriptionIds) {
      const after = await stamps.setSubscriptionState(s.registration, id, 'Disabled', options);
      const line = after ? `Disabled the Azure Stack Hub subscription ${id} (${s.registration}).` : `The Azure Stack Hub subscription ${id} (${s.registration}) no longer exists.`;
      if (after) await ctx.audit('stamp-subscription-disabled', line, { stampSubscriptionId: id });
      done.push(line);
    }
  }
  return { status: 'done', detail: done.join(' '), results: { offboardDone: [...(request.results.offboardDone ?? []).filter((l) => !done.includes(l)), ...done] } };
}
