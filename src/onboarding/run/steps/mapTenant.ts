// Step 7: map the customer's tenant on the registration, so usage is billed to the customer. The
// registration's mappings are read once and the rule decides (rules/tenantMapping): already mapped
// is done, a mapping that would overwrite another one is refused, otherwise one PUT. A PUT refused
// as not approved for multi-tenancy is remembered.
import { DomainError } from '../../errors';
import type { Guid } from '../../model';
import { mappingDecision } from '../../rules/tenantMapping';
import { recordUnapprovedRegistration } from '../../rules/unapprovedRegistration';
import { registrationOf, type StepContext, type StepOutcome } from './step';

export async function mapTenant(ctx: StepContext): Promise<StepOutcome> {
  // Also on a request without a kind (the step's unit test): anything with a registration.
  const registration = registrationOf(ctx);
  const results = ctx.request.results;
  const customerTenantId = results.customerTenantId as Guid;
  const azureSubscriptionId = results.azureSubscriptionId as Guid;
  const registrations = ctx.cloud.registrations;
  const options = { abortSignal: ctx.signal };

  const decision = mappingDecision(await registrations.listMappings(registration, options), { azureSubscriptionId, customerTenantId });
  if (decision.kind === 'mapped') {
    return { status: 'done', detail: `Subscription ${azureSubscriptionId} is mapped to tenant ${customerTenantId} on ${registration.name}.`, results: { mappingResourceId: decision.mapping.resourceId } };
  }
  if (decision.kind === 'conflict' && decision.now.subscriptionTenant) {
    throw new DomainError({
      message: `Subscription ${azureSubscriptionId} is already mapped to another tenant (${decision.now.subscriptionTenant}) on ${registration.name}.`,
      nextStep: 'Check which customer owns the subscription; to move it, remove or re-map that tenant first, then click Retry.',
      code: 'SubscriptionMappedToOtherTenant',
      transient: false,
    });
  }
  if (decision.kind === 'conflict') {
    throw new DomainError({
      message: `This customer tenant is already mapped on ${registration.name}, to subscription ${decision.now.tenantSubscription}. Mapping it again would replace that mapping.`,
      nextStep: 'Ask for a re-map (it needs approval) if the tenant should move to the new subscription, or keep the existing mapping.',
      code: 'TenantAlreadyMapped',
      transient: false,
    });
  }
  try {
    const mapping = await registrations.putMapping(registration, azureSubscriptionId, customerTenantId, options);
    await ctx.audit('tenant-mapped', `Mapped subscription ${azureSubscriptionId} to tenant ${customerTenantId} on ${registration.name}.`, { mappingResourceId: mapping.resourceId });
    return { status: 'done', detail: `Mapped subscription ${azureSubscriptionId} to tenant ${customerTenantId} on ${registration.name}.`, results: { mappingResourceId: mapping.resourceId } };
  } catch (e) {
    await rememberUnapproved(ctx, e);
    throw e;
  }
}

/** A PUT refused with UnauthorizedCspRegistration: the registration is not approved for multi-tenant billing. */
export async function rememberUnapproved(ctx: StepContext, error: unknown): Promise<void> {
  if (error instanceof DomainError && error.code === 'UnauthorizedCspRegistration' && ctx.request.kind !== 'offboard') {
    await recordUnapprovedRegistration(ctx.facts, registrationOf(ctx), { date: ctx.now().toISOString(), requestId: ctx.request.id });
  }
}
