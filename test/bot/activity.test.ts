// Who acts and where, read from a Teams activity one way (src/bot/activity.ts): the allow-list, the
// stored request and every tenant-scoped read agree on the tenant, even when Teams' two tenant
// fields disagree.
import type { TurnContext } from 'botbuilder';
import { actorFrom, requesterFrom, tenantIdOf } from '../../src/bot/activity';
import { submitOnboardingRequest } from '../../src/dialogs/onboardingSubmission';
import { newDraft } from '../../src/dialogs/onboardingDraft';
import type { Guid, RegistrationRef } from '../../src/onboarding/model';
import { readableBy } from '../../src/onboarding/requests/requestLifecycle';
import { createIntake } from '../../src/onboarding/requests/intake';
import { openSqliteStore } from '../../src/store/sqliteStore';

const CHECKED_TENANT = '11111111-2222-4333-8444-555555555555';
const OTHER_TENANT = '99999999-8888-4777-8666-555555555555';
const ALEX = { id: '29:alex', name: 'Alex Wilber', aadObjectId: '6F1C1C2E-2B1A-4C59-9D0E-0D5B2F3A8A11' };

/** channelData.tenant.id and conversation.tenantId naming different tenants. */
const disagreeing = {
  from: ALEX,
  conversation: { id: 'a:alex-1-1', tenantId: OTHER_TENANT, conversationType: 'personal', isGroup: false, name: '' },
  channelData: { tenant: { id: CHECKED_TENANT } },
};

describe('reading the activity', () => {
  it('the actor: Entra object id in lower case, Teams id, name, tenant and conversation', () => {
    expect(actorFrom(disagreeing)).toEqual({
      aadObjectId: ALEX.aadObjectId.toLowerCase(),
      teamsUserId: '29:alex',
      name: 'Alex Wilber',
      tenantId: CHECKED_TENANT,
      conversationId: 'a:alex-1-1',
    });
  });

  it('no Entra object id, or one that is not a GUID, is no identity: no requester', () => {
    for (const aadObjectId of [undefined, '', 'not-a-guid', '6f1c1c2e-2b1a-4c59-9d0e-0d5b2f3a8a11; drop']) {
      const activity = { from: { id: '29:someone', name: '', aadObjectId } };
      expect(actorFrom(activity)).toMatchObject({ aadObjectId: undefined, teamsUserId: '29:someone', name: 'someone', tenantId: undefined, conversationId: '' });
      expect(requesterFrom(activity)).toBeUndefined();
    }
    expect(actorFrom({})).toMatchObject({ aadObjectId: undefined, teamsUserId: '', conversationId: '' });
  });

  it('the tenant: channelData.tenant.id, else conversation.tenantId, else none', () => {
    expect(tenantIdOf(disagreeing)).toBe(CHECKED_TENANT);
    expect(tenantIdOf({ conversation: { id: 'c', tenantId: OTHER_TENANT, isGroup: false, conversationType: 'personal', name: '' } })).toBe(OTHER_TENANT);
    expect(tenantIdOf({ channelData: { tenant: { id: 42 } } })).toBeUndefined();
    expect(tenantIdOf({ channelData: { tenant: { id: '' } } })).toBeUndefined();
  });

  it('a request submitted where the two tenant fields disagree is stored under the tenant that was checked, and its requester can read it', async () => {
    const store = await openSqliteStore(':memory:');
    try {
      const registration: RegistrationRef = {
        resourceId: '/subscriptions/5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/hub-east',
        subscriptionId: '5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d' as Guid,
        resourceGroup: 'azurestack',
        name: 'hub-east',
      };
      const draft = {
        ...newDraft('draft-1', { key: ALEX.aadObjectId.toLowerCase(), teamsUserId: ALEX.id, name: ALEX.name }, new Date()),
        customer: { kind: 'existing' as const, customerTenantId: '0b5b6f0e-1111-4222-8333-444455556666' as Guid, companyName: 'Contoso', domain: 'contoso.onmicrosoft.com' },
        subscription: { kind: 'azure-plan' as const },
        agreement: { acceptedBy: { firstName: 'Cora', lastName: 'Signer', email: 'cora@contoso.example' }, dateAccepted: '2026-11-27' },
        registration: { ref: registration, billingModel: 'PayAsYouUse' },
        access: { kind: 'none' as const },
      };
      const context = { activity: disagreeing } as unknown as TurnContext;
      const submission = await submitOnboardingRequest(context, draft, createIntake({ store }));
      if (!submission.ok) throw new Error(`not submitted: ${JSON.stringify(submission)}`);
      const stored = (await store.requests.get(submission.request.id))!.value;
      // The allow-list checked CHECKED_TENANT; the old submission stored conversation.tenantId.
      expect(stored.teamsTenantId).toBe(CHECKED_TENANT);
      expect(readableBy(stored, actorFrom(disagreeing))).toBe(true);
      expect(stored.requester).toEqual({ aadObjectId: ALEX.aadObjectId.toLowerCase(), teamsUserId: '29:alex', name: 'Alex Wilber' });
    } finally {
      await store.close();
    }
  });
});
