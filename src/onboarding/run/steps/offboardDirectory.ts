// Offboarding step 4: only when the operator ticked it, the customer's directory is unregistered from
// each stamp where its subscriptions hold no resources; where they do, it stays, and the result says
// so. It also records what is left, for the result.
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function offboardDirectory(ctx: StepContext): Promise<StepOutcome> {
  const request = requestOf(ctx, 'offboard');
  const stamps = ctx.cloud.stamps;
  const options = { abortSignal: ctx.signal };
  const tenant = request.customer.customerTenantId;
  const done: string[] = [];
  const left: string[] = [];
  if (request.customer.companyName) left.push(`${request.customer.companyName} stays a Partner Center customer, with its Azure subscriptions.`);
  for (const s of request.stamps) {
    if (s.subscriptionIds.length) left.push(`The disabled Azure Stack Hub subscription(s) ${s.subscriptionIds.join(', ')} on ${s.registration} (an operator can enable them again).`);
    if (s.guest) left.push(`${s.guest.account} stays a guest in the customer's directory.`);
    if (!s.directory) continue;
    if (!request.unregisterDirectory || !stamps) {
      left.push(`The directory ${s.directory} stays registered on ${s.registration}.`);
      continue;
    }
    // Gone already (a retry after the DELETE): its subscriptions can no longer be read in its name, and need not be.
    if (!(await stamps.getDirectoryTenant(s.registration, s.directory, options))) {
      done.push(`The directory ${s.directory} is unregistered from ${s.registration}.`);
      continue;
    }
    const busy: string[] = [];
    for (const id of s.subscriptionIds) {
      const count = await stamps.resourceCount(s.registration, tenant, id, options);
      if (count !== 0) busy.push(`${id} holds ${count === undefined ? 'an unknown number of' : count} resource(s)`);
    }
    if (busy.length > 0) {
      left.push(`The directory ${s.directory} stays registered on ${s.registration}: ${busy.join('; ')}.`);
      continue;
    }
    const outcome = await stamps.deleteDirectoryTenant(s.registration, s.directory, options);
    const line = outcome === 'deleted' ? `Unregistered the directory ${s.directory} from ${s.registration}.` : `The directory ${s.directory} was already unregistered from ${s.registration}.`;
    if (outcome === 'deleted') await ctx.audit('stamp-directory-unregistered', line, { domain: s.directory });
    done.push(line);
    left.push(`The stamp's applications stay in the customer's directory until its administrator removes them (Unregister-AzsWithMyDirectoryTenant).`);
  }
  const detail = [...done, ...(request.unregisterDirectory ? [] : ['Not asked to unregister the directory.'])].join(' ') || 'Nothing to unregister.';
  return { status: 'done', detail, results: { offboardDone: [...(request.results.offboardDone ?? []).filter((l) => !done.includes(l)), ...done], offboardLeft: left } };
}
