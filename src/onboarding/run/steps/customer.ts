// Step 2: find or create the customer in Partner Center. The MS-RequestId is stored before the
// POST and reused on every retry, so a create that timed out is never repeated as a new customer.
import { randomUUID } from 'crypto';
import { DomainError } from '../../errors';
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function findOrCreateCustomer(ctx: StepContext): Promise<StepOutcome> {
  const { customer, results } = requestOf(ctx, 'onboard');
  const pc = ctx.cloud.partnerCenter;
  const options = { abortSignal: ctx.signal };

  if (results.customerTenantId) {
    return { status: 'done', detail: `Customer ${customer.companyName} (tenant ${results.customerTenantId}).` };
  }
  if (customer.kind === 'existing') {
    const found = await pc.getCustomer(customer.customerTenantId, options);
    if (!found) {
      throw new DomainError({
        message: `Partner Center has no customer with tenant id ${customer.customerTenantId} for this partner.`,
        nextStep: 'Check the customer in Partner Center and submit the request again with the right customer.',
        code: 'CustomerNotFound',
        transient: false,
      });
    }
    return { status: 'done', detail: `Existing customer ${found.companyName} (tenant ${found.customerTenantId}).`, results: { customerTenantId: found.customerTenantId } };
  }

  // A create that went through before a crash or a timeout shows up here (or is replayed below).
  if (!results.createCustomerRequestId) {
    const existing = await pc.findCustomerByDomain(customer.domain, options);
    if (existing) {
      await ctx.audit('customer-found', `Customer ${existing.companyName} already exists with domain ${existing.domain}; using it.`, { customerTenantId: existing.customerTenantId });
      return { status: 'done', detail: `Customer ${existing.companyName} already existed (tenant ${existing.customerTenantId}).`, results: { customerTenantId: existing.customerTenantId } };
    }
    await ctx.record({ createCustomerRequestId: randomUUID() });
  }
  const msRequestId = ctx.request.results.createCustomerRequestId as string;
  let created;
  try {
    created = await pc.createCustomer(customer, msRequestId, options);
  } catch (e) {
    // A replayed create that Partner Center answers with a conflict (it no longer recognises the
    // MS-RequestId, and the domain is taken): the first create went through; look the domain up.
    if (!(e instanceof DomainError) || e.statusCode !== 409) throw e;
    const existing = await pc.findCustomerByDomain(customer.domain, options);
    if (!existing) throw e;
    await ctx.audit('customer-found', `Creating ${customer.companyName} again answered a conflict; the customer with domain ${existing.domain} exists (${existing.companyName}), so it is used.`, {
      customerTenantId: existing.customerTenantId,
      msRequestId,
    });
    return { status: 'done', detail: `Customer ${existing.companyName} was already created (tenant ${existing.customerTenantId}).`, results: { customerTenantId: existing.customerTenantId } };
  }
  // The admin password Partner Center returns is a secret: it goes nowhere (not the store, logs or chat).
  await ctx.audit('customer-created', `Created customer ${created.companyName} (${created.domain}).`, { customerTenantId: created.customerTenantId, msRequestId });
  return {
    status: 'done',
    detail: `Created customer ${created.companyName} (tenant ${created.customerTenantId}). Its first admin's password is not shown here: reset it in Partner Center when the customer needs it.`,
    results: { customerTenantId: created.customerTenantId },
  };
}
