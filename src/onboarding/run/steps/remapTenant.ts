// Re-map run, step 2: PUT the subscription's mapping to the chosen tenant, overwriting what the
// approver was shown (the subscription's current tenant, and the tenant's mapping of another
// subscription). If either changed since the request was made, the run stops instead of clobbering
// a mapping nobody approved. An identical mapping already there counts as done.
import { DomainError } from '../../errors';
import type { Guid, TenantMapping } from '../../model';
import { mappingDecision } from '../../rules/tenantMapping';
import { rememberUnapproved } from './mapTenant';
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function remapTenant(ctx: StepContext): Promise<StepOutcome> {
  const { registration, azureSubscriptionId: subscription, customer, previousMapping } = requestOf(ctx, 'remap');
  const tenant = customer.customerTenantId;
  const registrations = ctx.cloud.registrations;
  const options = { abortSignal: ctx.signal };

  const decision = mappingDecision(
    await registrations.listMappings(registration, options),
    { azureSubscriptionId: subscription, customerTenantId: tenant },
    { subscriptionTenant: previousMapping.customerTenantId, tenantSubscription: previousMapping.azureSubscriptionId },
  );
  if (decision.kind === 'mapped') return finished(decision.mapping, `Subscription ${subscription} is mapped to tenant ${tenant} on ${registration.name}.`);
  if (decision.kind === 'conflict') {
    const { subscriptionTenant, tenantSubscription } = decision.now;
    throw new DomainError({
      message: `The mappings on ${registration.name} changed since this re-map was requested (subscription ${subscription} now bills ${subscriptionTenant ?? 'no tenant'}; tenant ${tenant} now uses ${tenantSubscription ?? 'no other subscription'}). Nothing was overwritten.`,
      nextStep: 'Check with `tenant <subscription id>` and submit the re-map again if it is still wanted.',
      code: 'MappingChangedSinceApproval',
      transient: false,
    });
  }
  const { subscriptionTenant: subscriptionNow, tenantSubscription: tenantNow } = decision.overwrites;
  try {
    const mapping = await registrations.putMapping(registration, subscription, tenant, options);
    const replaced = [
      subscriptionNow ? `subscription ${subscription} billed tenant ${subscriptionNow}` : '',
      tenantNow ? `tenant ${tenant} was billed through subscription ${tenantNow}` : '',
    ].filter(Boolean);
    const detail = `Mapped subscription ${subscription} to tenant ${tenant} on ${registration.name}${replaced.length ? ` (before: ${replaced.join('; ')})` : ''}.`;
    await ctx.audit('tenant-remapped', detail, { mappingResourceId: mapping.resourceId, previousTenantId: subscriptionNow, previousSubscriptionId: tenantNow });
    return finished(mapping, detail);
  } catch (e) {
    await rememberUnapproved(ctx, e);
    throw e;
  }
}

function finished(mapping: TenantMapping, detail: string): StepOutcome {
  return {
    status: 'done',
    detail,
    results: { mappingResourceId: mapping.resourceId, azureSubscriptionId: mapping.azureSubscriptionId, customerTenantId: mapping.customerTenantId as Guid },
  };
}
