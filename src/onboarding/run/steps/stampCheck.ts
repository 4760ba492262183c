// Stamp step 5: the check. The user subscription is enabled, in the customer's directory, from the
// chosen offer, with the chosen owner (and, customer manages automatically, the CSP's guest as Owner).
import { DomainError } from '../../errors';
import type { Guid } from '../../model';
import { billingOnly, stampOf, type StepContext, type StepOutcome } from './step';

export async function stampCheck(ctx: StepContext): Promise<StepOutcome> {
  const s = stampOf(ctx);
  if (!s) return billingOnly(ctx);
  const { request, stamp, stamps, tenantId, domain } = s;
  const subscriptionId = request.results.stampSubscriptionId as Guid;
  const options = { abortSignal: ctx.signal };
  const found = await stamps.getSubscription(stamp.registration, subscriptionId, options);
  const problems: string[] = [];
  if (!found) problems.push('it does not exist');
  else {
    if (found.state !== 'Enabled') problems.push(`it is ${found.state}`);
    if (found.tenantId !== tenantId) problems.push(`its directory is ${found.tenantId ?? 'unset'}, not ${tenantId}`);
    if (found.owner.toLowerCase() !== stamp.owner.toLowerCase()) problems.push(`its owner is ${found.owner || 'unset'}, not ${stamp.owner}`);
    if (found.offerId.toLowerCase() !== stamp.offerId.toLowerCase()) problems.push(`its offer is ${found.offerId || 'unset'}, not ${stamp.offerId}`);
  }
  const guest = request.results.stampGuestObjectId;
  if (found && stamp.managedBy === 'customer' && stamp.guestMode === 'automatic' && guest) {
    if (!(await stamps.hasOwner(stamp.registration, tenantId, subscriptionId, guest, options))) problems.push(`${stamp.cspAccount} is not its Owner`);
  }
  if (problems.length > 0) {
    throw new DomainError({
      message: `The Azure Stack Hub subscription ${subscriptionId} is not as requested: ${problems.join('; ')}.`,
      nextStep: 'An operator puts it right on the stamp (admin portal → User subscriptions), then Retry.',
      code: 'StampSubscriptionCheckFailed',
      transient: false,
    });
  }
  const info = await stamps.describe(stamp.registration, options);
  const stampPortalLink = stamps.userPortalLink(info, domain, subscriptionId);
  return { status: 'done', detail: `The Azure Stack Hub subscription is enabled in ${domain}, owner ${stamp.owner}, offer ${stamp.offerName}.`, results: { stampPortalLink } };
}
