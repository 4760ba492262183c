// Offboarding step 1: remove every mapping of the tenant the approver saw. Only while it still bills
// this tenant; a mapping already gone counts as done.
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function offboardMappings(ctx: StepContext): Promise<StepOutcome> {
  const request = requestOf(ctx, 'offboard');
  const tenant = request.customer.customerTenantId;
  const options = { abortSignal: ctx.signal };
  const done: string[] = [];
  for (const { registration, azureSubscriptionId } of request.mappings) {
    const current = await ctx.cloud.registrations.getMapping(registration, azureSubscriptionId, options);
    if (current && current.customerTenantId !== tenant) {
      done.push(`Left the mapping of ${azureSubscriptionId} on ${registration.name}: it now bills tenant ${current.customerTenantId}.`);
      continue;
    }
    const outcome = await ctx.cloud.registrations.deleteMapping(registration, azureSubscriptionId, options);
    const line = outcome === 'deleted' ? `Removed the mapping of ${azureSubscriptionId} from ${registration.name}.` : `The mapping of ${azureSubscriptionId} on ${registration.name} was already gone.`;
    if (outcome === 'deleted') await ctx.audit('tenant-unmapped', line, { mappingResourceId: `${registration.resourceId}/customerSubscriptions/${azureSubscriptionId}` });
    done.push(line);
  }
  if (done.length === 0) return { status: 'skipped', detail: 'The tenant had no mapping.' };
  return { status: 'done', detail: done.join(' '), results: { offboardDone: [...(request.results.offboardDone ?? []).filter((l) => !done.includes(l)), ...done] } };
}
