// One answer to "is this Azure subscription one of the customer's active ones?". The dialog, the
// re-map and reconcile used to answer it three ways; the cases where they disagreed are here.
import type { Guid } from '../../../src/onboarding/model';
import type { AzureEntitlement, PartnerCenter, PcSubscription } from '../../../src/onboarding/ports';
import { customerAzureSubscriptions, subscriptionStanding } from '../../../src/onboarding/rules/customerSubscriptions';

const TENANT = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa' as Guid;
const UNDER_PLAN = '11111111-1111-1111-1111-111111111111' as Guid;
const LEGACY = '22222222-2222-2222-2222-222222222222';

function partnerCenter(planStatus: string, entitlementStatus: string, legacyStatus: string): Pick<PartnerCenter, 'listSubscriptions' | 'listAzureEntitlements'> {
  const subscriptions: PcSubscription[] = [
    { id: 'plan-1', offerId: 'DZH318Z0BPS6:0001', friendlyName: 'Azure plan', status: planStatus, isAzurePlan: true },
    { id: LEGACY.toUpperCase(), offerId: 'MS-AZR-0145P', friendlyName: 'Legacy', status: legacyStatus, isAzurePlan: false },
    { id: 'not-a-guid', offerId: 'O365', friendlyName: 'Office', status: 'active', isAzurePlan: false },
  ];
  const entitlements: AzureEntitlement[] = [{ azureSubscriptionId: UNDER_PLAN, friendlyName: 'Azure subscription 1', status: entitlementStatus }];
  return { listSubscriptions: async () => subscriptions, listAzureEntitlements: async () => entitlements };
}

async function standing(pc: ReturnType<typeof partnerCenter>, id: string) {
  return subscriptionStanding(await customerAzureSubscriptions(pc, TENANT), id);
}

describe("the customer's Azure subscriptions", () => {
  it('an active entitlement of an active plan, and an active legacy subscription (any case), are active', async () => {
    const pc = partnerCenter('active', 'active', 'active');
    await expect(standing(pc, UNDER_PLAN)).resolves.toMatchObject({ kind: 'active', subscription: { source: 'azure-plan', pcSubscriptionId: 'plan-1' } });
    await expect(standing(pc, LEGACY)).resolves.toMatchObject({ kind: 'active', subscription: { source: 'legacy', azureSubscriptionId: LEGACY } });
  });

  it('an entitlement marked active under a suspended plan is suspended (the re-map said active, reconcile suspended)', async () => {
    await expect(standing(partnerCenter('suspended', 'active', 'active'), UNDER_PLAN)).resolves.toMatchObject({ kind: 'inactive', subscription: { status: 'suspended' } });
  });

  it('a suspended subscription is not accepted (the dialog accepted any status, the re-map only active ones)', async () => {
    await expect(standing(partnerCenter('active', 'suspended', 'suspended'), UNDER_PLAN)).resolves.toMatchObject({ kind: 'inactive' });
    await expect(standing(partnerCenter('active', 'active', 'Suspended'), LEGACY)).resolves.toMatchObject({ kind: 'inactive', subscription: { status: 'suspended' } });
  });

  it('an id that is none of theirs, or a non-Azure subscription id, is not theirs', async () => {
    const pc = partnerCenter('active', 'active', 'active');
    await expect(standing(pc, '33333333-3333-3333-3333-333333333333')).resolves.toMatchObject({ kind: 'not-theirs', checked: expect.any(Array) });
    await expect(standing(pc, 'not-a-guid')).resolves.toMatchObject({ kind: 'not-theirs' });
  });
});
