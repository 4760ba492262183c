// Stamp step 1: the customer's directory onboarded on the Azure Stack Hub (multi-tenancy: a
// directory tenant named after its domain, AZ-2). Looks before writing; a PUT again is harmless.
import { DomainError } from '../../errors';
import { billingOnly, stampOf, type StepContext, type StepOutcome } from './step';

export async function stampDirectory(ctx: StepContext): Promise<StepOutcome> {
  const s = stampOf(ctx);
  if (!s) return billingOnly(ctx);
  const { request, stamp, stamps, tenantId, domain } = s;
  if (request.results.stampDirectoryOnboarded) return { status: 'done', detail: `${domain} is onboarded on the Azure Stack Hub.` };
  const options = { abortSignal: ctx.signal };
  const existing = await stamps.getDirectoryTenant(stamp.registration, domain, options);
  if (existing && existing.tenantId !== tenantId) {
    throw new DomainError({
      message: `The Azure Stack Hub of ${stamp.registration} already has a directory named ${domain} with tenant id ${existing.tenantId}, not the customer's ${tenantId}.`,
      nextStep: 'An operator checks the directory on the stamp (admin portal → Directories) and removes the wrong one, then Retry.',
      code: 'DirectoryTenantMismatch',
      transient: false,
    });
  }
  if (existing) {
    return { status: 'done', detail: `${domain} was already onboarded on the Azure Stack Hub.`, results: { stampDirectoryOnboarded: true } };
  }
  await stamps.putDirectoryTenant(stamp.registration, domain, tenantId, options);
  await ctx.audit('stamp-directory-onboarded', `Onboarded the directory ${domain} on the Azure Stack Hub of ${stamp.registration}.`, { customerTenantId: tenantId, domain });
  return { status: 'done', detail: `Onboarded ${domain} on the Azure Stack Hub.`, results: { stampDirectoryOnboarded: true } };
}
