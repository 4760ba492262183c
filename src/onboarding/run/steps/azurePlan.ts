// Step 4: find or buy the Azure plan. The cart id and the moment of the checkout are stored before
// the checkout is posted; after that the order is looked up, never bought a second time. The one
// exception: no order appeared and the cart is still Active, i.e. the checkout never reached Partner
// Center; then the same cart is checked out once more.
import { DomainError } from '../../errors';
import type { Guid } from '../../model';
import type { PcOrder } from '../../ports';
import { azurePlanOf } from '../../rules/customerSubscriptions';
import { skipWithExistingSubscription } from './customerAgreement';
import { requestOf, skippedBy, type StepContext, type StepOutcome } from './step';

/** Orders can take a while to appear in the customer's order list after checkout. */
export const ORDER_VISIBILITY_GRACE_MS = 15 * 60_000;

export async function findOrBuyAzurePlan(ctx: StepContext): Promise<StepOutcome> {
  const skipped = skippedBy(skipWithExistingSubscription, ctx);
  if (skipped) return skipped;
  const { results } = requestOf(ctx, 'onboard');
  if (results.pcSubscriptionId) return { status: 'done', detail: `Azure plan ${results.pcSubscriptionId}.` };
  const pc = ctx.cloud.partnerCenter;
  const customerTenantId = results.customerTenantId as Guid;
  const options = { abortSignal: ctx.signal };

  if (results.orderId) return waitForOrder(ctx, customerTenantId, results.orderId);

  if (!results.checkoutSubmittedAt) {
    // The customer may already have an Azure plan (one per customer). Its subscription is not the
    // new one the approver approved, nor who would become its Owner: the run stops, acting on nothing.
    const plan = azurePlanOf(await pc.listSubscriptions(customerTenantId, options));
    if (plan) throw planNotApproved(plan.id);
    if (!results.cartId) {
      // As offered to this customer, in their own country (never a fixed one).
      const catalogItemId = await pc.azurePlanCatalogItemId(customerTenantId, options);
      const { cartId } = await pc.createCart(customerTenantId, catalogItemId, options);
      await ctx.record({ cartId });
    }
    return checkout(ctx, customerTenantId);
  }

  // The checkout was posted (or about to be) before a crash or an unclear failure: look the result
  // up. There was no Azure plan before the checkout, so a plan or a live Azure plan order now is ours.
  const plan = azurePlanOf(await pc.listSubscriptions(customerTenantId, options));
  if (plan) return { status: 'done', detail: `Bought the Azure plan (${plan.id}).`, results: { pcSubscriptionId: plan.id } };
  const order = await findOrder(ctx, customerTenantId);
  if (order) {
    await ctx.record({ orderId: order.id });
    return waitForOrder(ctx, customerTenantId, order.id);
  }
  // No order anywhere. A cart Partner Center still shows `Active` was never checked out (checkout
  // turns it `Ordered`): the checkout was lost before it was processed, so the same cart is checked
  // out once more. That is safe even if the first one is still being processed: Partner Center
  // refuses a second checkout of one cart (800064/800065) and the client then looks the order up.
  if (results.cartId && !results.checkoutResentAt) {
    const cart = await pc.getCart(customerTenantId, results.cartId, options);
    if (cart?.status.toLowerCase() === 'active') {
      await ctx.record({ checkoutResentAt: ctx.now().toISOString() });
      await ctx.audit(
        'checkout-resent',
        `No order after the checkout of cart ${results.cartId} and the cart is still Active (never processed): checking it out again, once.`,
        { cartId: results.cartId },
      );
      return checkout(ctx, customerTenantId);
    }
  }
  const since = ctx.now().getTime() - Date.parse(results.checkoutSubmittedAt);
  if (since < ORDER_VISIBILITY_GRACE_MS) {
    return { status: 'poll', detail: `Looking for the order of cart ${results.cartId} (checked out ${Math.round(since / 1000)} s ago).` };
  }
  throw new DomainError({
    message: `The checkout of cart ${results.cartId} was sent, but no order appeared in Partner Center within ${ORDER_VISIBILITY_GRACE_MS / 60_000} minutes.`,
    nextStep: "Look at the customer's orders in Partner Center. If there is no Azure plan order, buy it there, then click Retry.",
    code: 'OrderNotFound',
    transient: false,
  });
}

function planNotApproved(planId: string): DomainError {
  return new DomainError({
    message: `The customer already has an Azure plan (${planId}). The approved request was to buy a new one, so its Azure subscription (and who becomes its Owner) was never approved. Nothing was bought or changed.`,
    nextStep: 'Abandon this request and submit a new one that uses the existing Azure subscription (its id is in Partner Center), so the approver sees which subscription it is and who gets Owner on it.',
    code: 'SubscriptionNotApproved',
    transient: false,
  });
}

async function checkout(ctx: StepContext, customerTenantId: Guid): Promise<StepOutcome> {
  const cartId = ctx.request.results.cartId as string;
  await ctx.record({ checkoutSubmittedAt: ctx.now().toISOString() });
  const order = await ctx.cloud.partnerCenter.checkoutCart(customerTenantId, cartId, { abortSignal: ctx.signal });
  await ctx.audit('order-created', `Checked out cart ${cartId}: order ${order.id} (${order.status}).`, { orderId: order.id, cartId });
  await ctx.record({ orderId: order.id });
  return orderOutcome(order);
}

async function findOrder(ctx: StepContext, customerTenantId: Guid): Promise<PcOrder | undefined> {
  const pc = ctx.cloud.partnerCenter;
  const orders = await pc.listOrders(customerTenantId, { abortSignal: ctx.signal });
  // Only the Azure plan's order can be ours: the customer may have ordered other products meanwhile.
  return orders.find((o) => o.status !== 'cancelled' && o.isAzurePlan);
}

async function waitForOrder(ctx: StepContext, customerTenantId: Guid, orderId: string): Promise<StepOutcome> {
  const order = await ctx.cloud.partnerCenter.getOrder(customerTenantId, orderId, { abortSignal: ctx.signal });
  if (!order) return { status: 'poll', detail: `Order ${orderId} is not visible in Partner Center yet.` };
  return orderOutcome(order);
}

function orderOutcome(order: PcOrder): StepOutcome {
  if (order.status === 'cancelled') {
    throw new DomainError({
      message: `Partner Center cancelled the Azure plan order ${order.id}.`,
      nextStep: 'Look at the order in Partner Center, fix the cause (e.g. the customer agreement), then click Retry.',
      code: 'OrderCancelled',
      transient: false,
    });
  }
  if (order.status === 'completed' && order.subscriptionIds.length > 0) {
    return { status: 'done', detail: `Bought the Azure plan: order ${order.id} completed.`, results: { pcSubscriptionId: order.subscriptionIds[0] } };
  }
  return { status: 'poll', detail: `Order ${order.id} is ${order.status}.` };
}
