// Step 7: map the customer's tenant on the registration, so usage is billed to the customer. The
// current mapping is checked first; a PUT refused as not approved for multi-tenancy is remembered.
import { DomainError } from '../../errors';
import type { Guid } from '../../model';
import { unapprovedRegistrationKey, type UnapprovedRegistrationFact } from './checkRegistration';
import type { StepContext, StepOutcome } from './step';

export async function mapTenant(ctx: StepContext): Promise<StepOutcome> {
  const { registration, results } = ctx.request;
  const customerTenantId = results.customerTenantId as Guid;
  const azureSubscriptionId = results.azureSubscriptionId as Guid;
  const registrations = ctx.cloud.registrations;
  const options = { abortSignal: ctx.signal };

  const current = await registrations.getMapping(registration, azureSubscriptionId, options);
  if (current && current.customerTenantId === customerTenantId) {
    return { status: 'done', detail: `Subscription ${azureSubscriptionId} is mapped to tenant ${customerTenantId} on ${registration.name}.`, results: { mappingResourceId: current.resourceId } };
  }
  if (current) {
    throw new DomainError({
      message: `Subscription ${azureSubscriptionId} is already mapped to another tenant (${current.customerTenantId}) on ${registration.name}.`,
      nextStep: 'Check which customer owns the subscription; to move it, remove or re-map that tenant first, then click Retry.',
      code: 'SubscriptionMappedToOtherTenant',
      transient: false,
    });
  }
  try {
    const mapping = await registrations.putMapping(registration, azureSubscriptionId, customerTenantId, options);
    await ctx.audit('tenant-mapped', `Mapped subscription ${azureSubscriptionId} to tenant ${customerTenantId} on ${registration.name}.`, { mappingResourceId: mapping.resourceId });
    return { status: 'done', detail: `Mapped subscription ${azureSubscriptionId} to tenant ${customerTenantId} on ${registration.name}.`, results: { mappingResourceId: mapping.resourceId } };
  } catch (e) {
    if (e instanceof DomainError && e.code === 'UnauthorizedCspRegistration') {
      const fact: UnapprovedRegistrationFact = { date: ctx.now().toISOString(), requestId: ctx.request.id };
      await ctx.facts.set(unapprovedRegistrationKey(registration.resourceId), fact);
    }
    throw e;
  }
}
