// Removal run, step 2: delete the customer subscription from the registration. Only the mapping the
// approver saw is removed: if the subscription now bills another tenant, the run stops instead.
// A mapping that is already gone counts as done (said plainly in the result).
import { DomainError } from '../../errors';
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function removeMapping(ctx: StepContext): Promise<StepOutcome> {
  const { registration, mapping: target } = requestOf(ctx, 'remove');
  const registrations = ctx.cloud.registrations;
  const options = { abortSignal: ctx.signal };
  const subscription = target.azureSubscriptionId;

  const current = await registrations.getMapping(registration, subscription, options);
  if (current && current.customerTenantId !== target.customerTenantId) {
    throw new DomainError({
      message: `Subscription ${subscription} is now mapped to tenant ${current.customerTenantId} on ${registration.name}, not to tenant ${target.customerTenantId} as approved. Nothing was removed.`,
      nextStep: 'Look at it with `tenant <subscription id>`; if it should still go, submit a new removal.',
      code: 'MappingChangedSinceApproval',
      transient: false,
    });
  }
  const resourceId = `${registration.resourceId}/customerSubscriptions/${subscription}`;
  const outcome = await registrations.deleteMapping(registration, subscription, options);
  const detail =
    outcome === 'deleted'
      ? `Removed subscription ${subscription} (tenant ${target.customerTenantId}) from ${registration.name}.`
      : `Subscription ${subscription} was already gone from ${registration.name}: nothing to delete.`;
  await ctx.audit(outcome === 'deleted' ? 'tenant-unmapped' : 'mapping-already-gone', detail, { mappingResourceId: resourceId });
  return { status: 'done', detail, results: { mappingResourceId: resourceId, mappingRemoval: outcome } };
}
