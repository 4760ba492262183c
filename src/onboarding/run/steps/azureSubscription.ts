// Step 5: the Azure subscription under the plan becomes active some time after the order completes;
// poll Partner Center's Azure entitlements until it is (the runner spaces the polls).
import type { Guid } from '../../model';
import { activeEntitlement } from '../../rules/customerSubscriptions';
import { requestOf, type StepContext, type StepOutcome } from './step';

export async function waitForAzureSubscription(ctx: StepContext): Promise<StepOutcome> {
  const { subscription, results } = requestOf(ctx, 'onboard');
  if (results.azureSubscriptionId) return { status: 'done', detail: `Azure subscription ${results.azureSubscriptionId}.` };
  if (subscription.kind === 'existing') {
    return { status: 'done', detail: `Using the existing Azure subscription ${subscription.azureSubscriptionId}.`, results: { azureSubscriptionId: subscription.azureSubscriptionId } };
  }
  const entitlements = await ctx.cloud.partnerCenter.listAzureEntitlements(results.customerTenantId as Guid, results.pcSubscriptionId as string, {
    abortSignal: ctx.signal,
  });
  const active = activeEntitlement(entitlements);
  if (active) {
    return { status: 'done', detail: `Azure subscription ${active.azureSubscriptionId} is active.`, results: { azureSubscriptionId: active.azureSubscriptionId } };
  }
  const seen = entitlements[0];
  return { status: 'poll', detail: seen ? `Azure subscription ${seen.azureSubscriptionId} is ${seen.status}, not active yet.` : 'Waiting for Partner Center to create the Azure subscription.' };
}
