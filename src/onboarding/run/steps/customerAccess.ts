// Step 6: customer access. Automatic: find or invite the guest in the customer's directory, then
// give it Owner on the Azure subscription (deterministic assignment, so a retry finds its own).
// Instructions: the written steps for the customer, posted with the result.
import type { Guid, OnboardingRequest } from '../../model';
import { requestOf, type SkipCheck, type StepContext, type StepOutcome } from './step';

/** No access asked for (requests since the Azure Stack Hub card give the CSP's access on the stamp subscription instead). */
export const skipWithoutAccess: SkipCheck = (ctx) => {
  const request = requestOf(ctx, 'onboard');
  return request.access.kind === 'none' ? noAccessReason(request) : undefined;
};

function noAccessReason(request: OnboardingRequest): string {
  return request.stamp ? 'Not used: the CSP’s access is on the Azure Stack Hub subscription (below).' : 'No customer access was requested.';
}

export async function customerAccess(ctx: StepContext): Promise<StepOutcome> {
  const request = requestOf(ctx, 'onboard');
  const { access, results } = request;
  if (access.kind === 'none') return { status: 'skipped', detail: noAccessReason(request) };
  if (access.mode === 'instructions') {
    const accessInstructions = instructionsFor(request);
    return { status: 'done', detail: `Instructions for ${access.email} are in the result message.`, results: { accessInstructions } };
  }
  const customerTenantId = results.customerTenantId as Guid;
  const azureSubscriptionId = results.azureSubscriptionId as Guid;
  const options = { abortSignal: ctx.signal };

  let guestObjectId = results.guestObjectId;
  if (!guestObjectId) {
    // An invitation sent before a crash already created the guest: look before inviting.
    const existing = await ctx.cloud.directory.findUserByMail(customerTenantId, access.email, options);
    if (existing) {
      guestObjectId = existing.objectId;
      await ctx.record({ guestObjectId });
    } else {
      const invited = await ctx.cloud.directory.inviteGuest(
        customerTenantId,
        {
          email: access.email,
          displayName: access.displayName,
          redirectUrl: ctx.cloud.registrations.portalLink(`/subscriptions/${azureSubscriptionId}`),
          message: `You have been given access to the Azure subscription ${azureSubscriptionId} for Azure Stack Hub usage.`,
        },
        options,
      );
      guestObjectId = invited.objectId;
      await ctx.audit('guest-invited', `Invited ${access.email} as a guest in the customer's directory.`, { guestObjectId, customerTenantId });
      // The redeem URL is not kept: Entra e-mails it to the guest, and the run never uses it.
      await ctx.record({ guestObjectId });
    }
  }
  if (results.roleAssignmentId) {
    return { status: 'done', detail: `${access.email} is Owner of subscription ${azureSubscriptionId}.` };
  }
  const owner = await ctx.cloud.roleAssignments.ensureOwner(customerTenantId, azureSubscriptionId, guestObjectId, options);
  if (owner.created) {
    await ctx.audit('owner-assigned', `Gave ${access.email} Owner on subscription ${azureSubscriptionId}.`, { roleAssignmentId: owner.roleAssignmentId });
  }
  return {
    status: 'done',
    detail: `${access.email} is a guest in the customer's directory and Owner of subscription ${azureSubscriptionId}.`,
    results: { guestObjectId, roleAssignmentId: owner.roleAssignmentId },
  };
}

function instructionsFor(request: OnboardingRequest): string {
  const access = request.access.kind === 'guest-owner' ? request.access : undefined;
  const sub = request.results.azureSubscriptionId ?? '(the Azure subscription)';
  return [
    `1. A global administrator of ${request.customer.companyName} signs in to the Azure portal with their own account.`,
    `2. Microsoft Entra ID → Users → New user → Invite external user: ${access?.email ?? 'the CSP operator'} (${access?.displayName ?? ''}).`,
    `3. Subscriptions → ${sub} → Access control (IAM) → Add role assignment → Owner → the invited guest.`,
    '4. The guest accepts the invitation from their mailbox.',
  ].join('\n');
}
