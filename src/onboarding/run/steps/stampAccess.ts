// Stamp step 4: access as the runbook means it. The CSP's dedicated account (CSP_GUEST_ACCOUNT) is a
// guest in the customer's directory. When the customer manages the subscription, that guest is
// also Owner of it on the stamp's tenant ARM (AZ-7), or the customer's admin gets written steps.
// When the CSP manages it, the account is already its owner: the guest lets it sign in there.
import { guestOwnerInstructions } from '../../rules/stampInstructions';
import type { Guid } from '../../model';
import { billingOnly, stampOf, type StepContext, type StepOutcome } from './step';

export async function stampAccess(ctx: StepContext): Promise<StepOutcome> {
  const s = stampOf(ctx);
  if (!s) return billingOnly(ctx);
  const { request, stamp, stamps, tenantId, domain } = s;
  const subscriptionId = request.results.stampSubscriptionId as Guid;
  const options = { abortSignal: ctx.signal };
  const info = await stamps.describe(stamp.registration, options);
  const portalLink = stamps.userPortalLink(info, domain, subscriptionId);
  if (stamp.managedBy === 'customer' && stamp.guestMode === 'instructions') {
    const stampAccessInstructions = guestOwnerInstructions(request, stamp, portalLink, subscriptionId);
    return { status: 'done', detail: `Written steps for ${stamp.owner} are in the result message.`, results: { stampAccessInstructions } };
  }
  let guestObjectId = request.results.stampGuestObjectId;
  if (!guestObjectId) {
    // An invitation sent before a crash already made the guest: look before inviting.
    const existing = await ctx.cloud.directory.findUserByMail(tenantId, stamp.cspAccount, options);
    if (existing) {
      guestObjectId = existing.objectId;
    } else {
      const invited = await ctx.cloud.directory.inviteGuest(
        tenantId,
        { email: stamp.cspAccount, displayName: 'CSP Azure Stack Hub operations', redirectUrl: portalLink, message: `Access to ${request.customer.companyName}'s Azure Stack Hub subscription ${subscriptionId}.` },
        options,
      );
      guestObjectId = invited.objectId;
      await ctx.audit('stamp-guest-invited', `Invited ${stamp.cspAccount} as a guest in ${domain}.`, { guestObjectId, customerTenantId: tenantId });
    }
    await ctx.record({ stampGuestObjectId: guestObjectId });
  }
  if (stamp.managedBy === 'csp') {
    return { status: 'done', detail: `${stamp.cspAccount} is a guest in ${domain} and the subscription's owner.`, results: { stampGuestObjectId: guestObjectId } };
  }
  const owner = await stamps.ensureOwner(stamp.registration, tenantId, subscriptionId, guestObjectId, options);
  if (owner.created) {
    await ctx.audit('stamp-owner-assigned', `Gave ${stamp.cspAccount} Owner on the Azure Stack Hub subscription ${subscriptionId}.`, { roleAssignmentId: owner.roleAssignmentId });
  }
  return {
    status: 'done',
    detail: `${stamp.cspAccount} is a guest in ${domain} and Owner of the Azure Stack Hub subscription.`,
    results: { stampGuestObjectId: guestObjectId, stampRoleAssignmentId: owner.roleAssignmentId },
  };
}
