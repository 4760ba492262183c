// The intake on its own, on the real SQLite store: one submission is one request, however often and
// however concurrently it arrives; a second open re-map or removal of the same mapping is refused;
// and a removal, new or stored before the request became a union, names no stand-in customer.
import { requestCard } from '../../src/cards/requestCards';
import { parseRegistrationId, type Guid, type PlanOf, type RequestOrigin, type ServiceRequest } from '../../src/onboarding/model';
import { createIntake, type Intake } from '../../src/onboarding/requests/intake';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { REQUESTER, TEAMS_TENANT } from '../support/people';

const REGISTRATION = parseRegistrationId('/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/azurestack-payg-east');
const ORIGIN: RequestOrigin = { requester: REQUESTER, teamsTenantId: TEAMS_TENANT, conversationId: 'a:rita-1-1' };
const SUBSCRIPTION = '3f15978e-005c-b763-bb78-2a8fab289c58' as Guid;
const TENANT = 'aac38dd3-ef10-4816-a740-ae7e339a7610' as Guid;
const SETTINGS = { simulated: false, noApprovers: false, portalLink: (id: string) => `https://portal.azure.com/#resource${id}` };

const onboarding: PlanOf<'onboard'> = {
  kind: 'onboard',
  registration: REGISTRATION,
  customer: { kind: 'existing', customerTenantId: TENANT, companyName: 'Litware', domain: 'litware.onmicrosoft.com' },
  subscription: { kind: 'azure-plan' },
  access: { kind: 'none' },
};
const removal = (subscription: Guid = SUBSCRIPTION, customerName?: string): PlanOf<'remove'> => ({
  kind: 'remove',
  registration: REGISTRATION,
  mapping: { azureSubscriptionId: subscription, customerTenantId: TENANT },
  customerName,
});

let store: BotStore;
let intake: Intake;
let posted: ServiceRequest[];

beforeEach(async () => {
  store = await openSqliteStore(':memory:');
  posted = [];
  intake = createIntake({ store, approvals: { requestApproval: async (r) => void posted.push(r) }, changeWait: { attempts: 2, delayMs: 1 } });
});
afterEach(async () => {
  await store.close();
});

const stored = async () => (await store.requests.list()).map((v) => v.value);
const submittedEntries = async (request: ServiceRequest) => (await store.audit.list(request.id)).filter((e) => e.action === 'submitted');

describe('one submission is one request', () => {
  it('Submit clicked again (the same key): the first request comes back, no second one is made', async () => {
    const first = await intake.submit(onboarding, ORIGIN, 'submit:draft-1');
    if (!first.ok) throw new Error(first.reason);
    expect(first.request).toMatchObject({ kind: 'onboard', status: 'pending_approval', requester: REQUESTER, teamsTenantId: TEAMS_TENANT });
    expect(first.request.id).toMatch(/^ONB-/);
    expect(await submittedEntries(first.request)).toHaveLength(1);
    expect(posted.map((r) => r.id)).toEqual([first.request.id]);

    const again = await intake.submit(onboarding, ORIGIN, 'submit:draft-1');
    expect(again).toEqual({ ok: false, reason: 'already-submitted', request: first.request });
    expect(await stored()).toHaveLength(1);
    expect(posted).toHaveLength(1);

    // Another draft is another submission.
    const other = await intake.submit(onboarding, ORIGIN, 'submit:draft-2');
    expect(other.ok).toBe(true);
    expect(await stored()).toHaveLength(2);
  });

  it('two submits with the same key at once, on one store: one request, one audit entry, one approval card', async () => {
    const results = await Promise.all([1, 2, 3].map(() => intake.submit(onboarding, ORIGIN, 'submit:draft-race')));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'already-submitted')).toHaveLength(2);
    const requests = await stored();
    expect(requests).toHaveLength(1);
    expect(await submittedEntries(requests[0])).toHaveLength(1);
    expect(posted).toHaveLength(1);
  });

  it('the same removal typed twice (two keys) while the first is open: refused, naming the open request; once closed, a new one is taken', async () => {
    const first = await intake.submit(removal(), ORIGIN, 'tenant-command:a:1');
    if (!first.ok) throw new Error(first.reason);
    expect(first.request.id).toMatch(/^DEL-/);

    const twice = await intake.submit(removal(), ORIGIN, 'tenant-command:a:2');
    expect(twice).toMatchObject({ ok: false, reason: 'open-request', request: { id: first.request.id } });
    expect(await stored()).toHaveLength(1);

    // Another mapping is another change.
    expect((await intake.submit(removal('5bcdea66-4717-4949-a497-a486e38d136f' as Guid), ORIGIN, 'tenant-command:a:3')).ok).toBe(true);

    const current = (await store.requests.get(first.request.id))!;
    await store.requests.replace({ ...current.value, status: 'rejected' }, current.etag);
    const later = await intake.submit(removal(), ORIGIN, 'tenant-command:a:2');
    expect(later.ok).toBe(true);
    expect(await stored()).toHaveLength(3);
  });

  it('two removals of the same mapping at once (two instances, two keys): one request, the other is told which', async () => {
    const [a, b] = await Promise.all([intake.submit(removal(), ORIGIN, 'tenant-command:x:1'), intake.submit(removal(), ORIGIN, 'tenant-command:y:1')]);
    const made = [a, b].filter((r) => r.ok);
    expect(made).toHaveLength(1);
    const refused = [a, b].find((r) => !r.ok);
    expect(refused).toMatchObject({ ok: false });
    expect(['open-request', 'busy']).toContain((refused as { reason: string }).reason);
    expect(await stored()).toHaveLength(1);
  });

  it('the store fails after the request was stored: Submit again (the same key) gets that request, not a second', async () => {
    let failures = 1;
    const audit = {
      append: async (entry: Parameters<BotStore['audit']['append']>[0]) => {
        if (failures-- > 0) throw new Error('audit log unavailable');
        return store.audit.append(entry);
      },
      list: (id: ServiceRequest['id']) => store.audit.list(id),
    };
    const flaky = createIntake({ store: { requests: store.requests, leases: store.leases, facts: store.facts, audit } });
    await expect(flaky.submit(onboarding, ORIGIN, 'submit:draft-flaky')).rejects.toThrow('audit log unavailable');
    const [made] = await stored();
    const again = await flaky.submit(onboarding, ORIGIN, 'submit:draft-flaky');
    expect(again).toEqual({ ok: false, reason: 'already-submitted', request: made });
    expect(await stored()).toHaveLength(1);
  });

  it('a failed approval post keeps the request and says so; the key stays claimed', async () => {
    const failing = createIntake({ store, approvals: { requestApproval: async () => Promise.reject(new Error('approvals channel unreachable')) } });
    const taken = await failing.submit(onboarding, ORIGIN, 'submit:draft-unreachable');
    expect(taken).toMatchObject({ ok: true, approvalProblem: expect.any(Error) });
    expect(await stored()).toHaveLength(1);
    expect(await failing.submit(onboarding, ORIGIN, 'submit:draft-unreachable')).toMatchObject({ ok: false, reason: 'already-submitted' });
  });
});

describe('a removal names no stand-in customer', () => {
  it('a removal of a tenant that is no Partner Center customer any more shows the tenant id', async () => {
    const taken = await intake.submit(removal(), ORIGIN, 'tenant-command:gone:1');
    if (!taken.ok) throw new Error(taken.reason);
    expect(taken.request).not.toHaveProperty('customer');
    const card = JSON.stringify(requestCard(taken.request, SETTINGS, { showButtons: true }));
    expect(card).toContain(`Remove the mapping of subscription ${SUBSCRIPTION} (tenant ${TENANT}) from azurestack-payg-east`);
    expect(card).toContain('Not a Partner Center customer any more');
  });

  it('a removal stored before the request became a union (a stand-in customer, `target`) still loads and renders', async () => {
    const now = new Date().toISOString();
    const legacy = {
      id: 'DEL-OLD1',
      kind: 'remove',
      status: 'pending_approval',
      teamsTenantId: TEAMS_TENANT,
      requester: REQUESTER,
      conversationId: 'a:rita-1-1',
      customer: { kind: 'existing', customerTenantId: TENANT, companyName: `Tenant ${TENANT} (not a Partner Center customer any more)`, domain: '' },
      subscription: { kind: 'existing', azureSubscriptionId: SUBSCRIPTION },
      registration: REGISTRATION,
      access: { kind: 'none' },
      target: { azureSubscriptionId: SUBSCRIPTION, customerTenantId: TENANT },
      steps: [],
      results: {},
      createdAt: now,
      updatedAt: now,
    };
    await store.requests.create(legacy as unknown as ServiceRequest);
    const loaded = (await store.requests.get(legacy.id as ServiceRequest['id']))!.value;
    expect(loaded).toMatchObject({ kind: 'remove', mapping: { azureSubscriptionId: SUBSCRIPTION, customerTenantId: TENANT } });
    expect(loaded).not.toHaveProperty('customer');
    expect(loaded).not.toHaveProperty('target');
    expect(loaded).not.toHaveProperty('access');
    const card = JSON.stringify(requestCard(loaded, SETTINGS, { showButtons: true }));
    expect(card).toContain(`Remove the mapping of subscription ${SUBSCRIPTION} (tenant ${TENANT}) from azurestack-payg-east`);
    expect(card).toContain(`DELETE the customer subscription ${SUBSCRIPTION} from azurestack-payg-east.`);

    // A stored removal of a known customer keeps the name; a stored re-map keeps what it overwrites.
    await store.requests.create({ ...legacy, id: 'DEL-OLD2', customer: { ...legacy.customer, companyName: 'Leaving Co', domain: 'leaving.onmicrosoft.com' } } as unknown as ServiceRequest);
    expect((await store.requests.get('DEL-OLD2' as ServiceRequest['id']))!.value).toMatchObject({ customerName: 'Leaving Co' });
    const other = '5bcdea66-4717-4949-a497-a486e38d136f';
    await store.requests.create({
      ...legacy,
      id: 'MAP-OLD3',
      kind: 'remap',
      customer: { kind: 'existing', customerTenantId: TENANT, companyName: 'Movers', domain: 'movers.onmicrosoft.com' },
      target: { azureSubscriptionId: SUBSCRIPTION },
      results: { previousMapping: { azureSubscriptionId: other, customerTenantId: TENANT } },
    } as unknown as ServiceRequest);
    const remap = (await store.requests.get('MAP-OLD3' as ServiceRequest['id']))!.value;
    expect(remap).toMatchObject({ kind: 'remap', azureSubscriptionId: SUBSCRIPTION, previousMapping: { azureSubscriptionId: other }, results: {} });
    expect(JSON.stringify(requestCard(remap, SETTINGS, { showButtons: true }))).toContain(`Movers is now billed through subscription ${other}, which is replaced`);
  });
});
