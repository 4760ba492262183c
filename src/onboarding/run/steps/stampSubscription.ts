// Stamp step 3: the customer's user subscription on the stamp, from the chosen offer, in the
// customer's directory, with the chosen owner (AZ-6). Its id is chosen and stored before the
// create; the client looks before it writes, so a retry finds its own and never makes a second.
import { randomUUID } from 'crypto';
import { DomainError } from '../../errors';
import type { Guid } from '../../model';
import { billingOnly, stampOf, type StepContext, type StepOutcome } from './step';

export async function stampSubscription(ctx: StepContext): Promise<StepOutcome> {
  const s = stampOf(ctx);
  if (!s) return billingOnly(ctx);
  const { request, stamp, stamps, tenantId } = s;
  let subscriptionId = request.results.stampSubscriptionId;
  if (!subscriptionId) {
    subscriptionId = randomUUID() as Guid;
    await ctx.record({ stampSubscriptionId: subscriptionId });
  }
  const { subscription, created } = await stamps.createSubscription(
    stamp.registration,
    { subscriptionId, displayName: request.customer.companyName, owner: stamp.owner, offerId: stamp.offerId, tenantId },
    { abortSignal: ctx.signal },
  );
  if (subscription.tenantId && subscription.tenantId !== tenantId) {
    throw new DomainError({
      message: `The Azure Stack Hub subscription ${subscriptionId} belongs to directory ${subscription.tenantId}, not the customer's ${tenantId}.`,
      nextStep: 'An operator checks the subscription on the stamp; nothing was changed.',
      code: 'StampSubscriptionMismatch',
      transient: false,
    });
  }
  if (created) {
    await ctx.audit('stamp-subscription-created', `Created the Azure Stack Hub subscription ${subscriptionId} for ${request.customer.companyName} from the offer ${stamp.offerName}, owner ${stamp.owner}.`, {
      stampSubscriptionId: subscriptionId,
      customerTenantId: tenantId,
      offerId: stamp.offerId,
    });
  }
  const how = created ? 'Created' : 'Found';
  return { status: 'done', detail: `${how} the Azure Stack Hub subscription ${subscriptionId} (${stamp.offerName}, owner ${stamp.owner}).`, results: { stampSubscriptionId: subscriptionId } };
}
