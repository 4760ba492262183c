// Offboarding step 2: the CSP guest's Owner role on the customer's stamp subscriptions is removed
// (before the subscriptions are disabled: a disabled subscription is read-only). The guest itself
// stays in the customer's directory.
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function offboardOwner(ctx: StepContext): Promise<StepOutcome> {
  const request = requestOf(ctx, 'offboard');
  const stamps = ctx.cloud.stamps;
  const work = request.stamps.filter((s) => s.guest && s.guest.ownerOf.length > 0);
  if (work.length === 0 || !stamps) return { status: 'skipped', detail: 'The CSP guest was Owner of none of the customer’s Azure Stack Hub subscriptions.' };
  const options = { abortSignal: ctx.signal };
  const done: string[] = [];
  for (const s of work) {
    for (const id of s.guest!.ownerOf) {
      const outcome = await stamps.removeOwner(s.registration, request.customer.customerTenantId, id, s.guest!.objectId, options);
      const line = outcome === 'deleted' ? `Removed ${s.guest!.account}'s Owner role on ${id} (${s.registration}).` : `${s.guest!.account} was no longer Owner of ${id} (${s.registration}).`;
      if (outcome === 'deleted') await ctx.audit('stamp-owner-removed', line, { stampSubscriptionId: id });
      done.push(line);
    }
  }
  return { status: 'done', detail: done.join(' '), results: { offboardDone: [...(request.results.offboardDone ?? []).filter((l) => !done.includes(l)), ...done] } };
}
