// Re-map run, step 2: PUT the subscription's mapping to the chosen tenant, overwriting what the
// approver was shown (the subscription's current tenant, and the tenant's mapping of another
// subscription). If either changed since the request was made, the run stops instead of clobbering
// a mapping nobody approved. An identical mapping already there counts as done.
import { DomainError } from '../../errors';
import type { Guid, TenantMapping } from '../../model';
import { unapprovedRegistrationKey, type UnapprovedRegistrationFact } from './checkRegistration';
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function remapTenant(ctx: StepContext): Promise<StepOutcome> {
  const { registration, azureSubscriptionId: subscription, customer, previousMapping } = requestOf(ctx, 'remap');
  const tenant = customer.customerTenantId;
  const registrations = ctx.cloud.registrations;
  const options = { abortSignal: ctx.signal };

  const mappings = await registrations.listMappings(registration, options);
  const done = mappings.find((m) => m.azureSubscriptionId === subscription && m.customerTenantId === tenant);
  if (done) return finished(done, `Subscription ${subscription} is mapped to tenant ${tenant} on ${registration.name}.`);

  const subscriptionNow = mappings.find((m) => m.azureSubscriptionId === subscription)?.customerTenantId;
  const tenantNow = mappings.find((m) => m.customerTenantId === tenant && m.azureSubscriptionId !== subscription)?.azureSubscriptionId;
  if (subscriptionNow !== previousMapping.customerTenantId || tenantNow !== previousMapping.azureSubscriptionId) {
    throw new DomainError({
      message: `The mappings on ${registration.name} changed since this re-map was requested (subscription ${subscription} now bills ${subscriptionNow ?? 'no tenant'}; tenant ${tenant} now uses ${tenantNow ?? 'no other subscription'}). Nothing was overwritten.`,
      nextStep: 'Check with `tenant <subscription id>` and submit the re-map again if it is still wanted.',
      code: 'MappingChangedSinceApproval',
      transient: false,
    });
  }
  try {
    const mapping = await registrations.putMapping(registration, subscription, tenant, { ...options, allowOverwrite: true });
    const replaced = [
      subscriptionNow ? `subscription ${subscription} billed tenant ${subscriptionNow}` : '',
      tenantNow ? `tenant ${tenant} was billed through subscription ${tenantNow}` : '',
    ].filter(Boolean);
    const detail = `Mapped subscription ${subscription} to tenant ${tenant} on ${registration.name}${replaced.length ? ` (before: ${replaced.join('; ')})` : ''}.`;
    await ctx.audit('tenant-remapped', detail, { mappingResourceId: mapping.resourceId, previousTenantId: subscriptionNow, previousSubscriptionId: tenantNow });
    return finished(mapping, detail);
  } catch (e) {
    if (e instanceof DomainError && e.code === 'UnauthorizedCspRegistration') {
      const fact: UnapprovedRegistrationFact = { date: ctx.now().toISOString(), requestId: ctx.request.id };
      await ctx.facts.set(unapprovedRegistrationKey(registration.resourceId), fact);
    }
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
