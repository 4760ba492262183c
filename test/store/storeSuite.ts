// The one contract every BotStore passes (SQLite and Azure Blob alike). Each test opens a fresh,
// empty store, so tests never see each other's data.
import type { StoreItems } from 'botbuilder';
import type { AuditEntry, Guid, OnboardingRequest, RequestId, RequestStatus, ServiceRequest } from '../../src/onboarding/model';
import { ConcurrencyError } from '../../src/onboarding/ports';
import type { BotStore } from '../../src/store/types';

export type OpenStore = (options: { now: () => number }) => Promise<BotStore>;

export function sampleRequest(id: string, status: RequestStatus = 'pending_approval', createdAt = '2026-11-26T08:00:00.000Z'): OnboardingRequest {
  const guid = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, '0')}` as Guid;
  return {
    id: id as RequestId,
    kind: 'onboard',
    status,
    teamsTenantId: guid(1),
    requester: { aadObjectId: guid(2), teamsUserId: '29:requester', name: 'Ada Operator' },
    conversationId: '19:onboarding@thread.tacv2',
    customer: {
      kind: 'new',
      companyName: 'Müller & Søn Zürich GmbH',
      domain: 'mullerzurich.onmicrosoft.com',
      address: { country: 'CH', city: 'Zürich', postalCode: '8001', addressLine1: 'Bahnhofstrasse 1' },
      contact: { firstName: 'Jürg', lastName: 'Müller', email: 'jurg@example.com' },
      culture: 'de-CH',
      language: 'de',
    },
    subscription: { kind: 'azure-plan' },
    registration: {
      subscriptionId: guid(3),
      resourceGroup: 'azurestack',
      name: 'reg1',
      resourceId: `/subscriptions/${guid(3)}/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/reg1`,
    },
    access: { kind: 'none' },
    steps: [],
    results: {},
    createdAt,
    updatedAt: createdAt,
  };
}

function auditEntry(requestId: string, action: string, detail: string): AuditEntry {
  return { requestId: requestId as RequestId, at: new Date(0).toISOString(), actor: 'bot', action, detail };
}

/** Settles all, then counts: how many calls won and how many lost a compare-and-set. */
async function outcomes<T>(attempts: Promise<T>[]): Promise<{ won: T[]; lost: unknown[]; other: unknown[] }> {
  const settled = await Promise.allSettled(attempts);
  const won = settled.filter((s): s is PromiseFulfilledResult<Awaited<T>> => s.status === 'fulfilled').map((s) => s.value);
  const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason);
  return { won, lost: rejected.filter((r) => r instanceof ConcurrencyError), other: rejected.filter((r) => !(r instanceof ConcurrencyError)) };
}

export function describeStoreContract(name: string, open: OpenStore): void {
  describe(`${name} store contract`, () => {
    let clock: number;
    let store: BotStore;

    beforeEach(async () => {
      clock = Date.parse('2026-11-26T08:00:00Z');
      store = await open({ now: () => clock });
    });
    afterEach(async () => {
      await store.close();
    });

    describe('state (botbuilder Storage)', () => {
      const key = 'msteams/conversations/19:abc@thread.tacv2;messageid=1/';

      it('reads back what was written, with an eTag, and nothing for unknown keys', async () => {
        await store.state.write({ [key]: { dialogStack: [{ id: 'onboard', state: { step: 3 } }], city: 'Zürich' } });
        const items = await store.state.read([key, 'msteams/users/nobody']);
        expect(Object.keys(items)).toEqual([key]);
        expect(items[key]).toMatchObject({ dialogStack: [{ id: 'onboard', state: { step: 3 } }], city: 'Zürich' });
        expect(typeof items[key].eTag).toBe('string');
        expect(items[key].eTag).not.toBe('*');
      });

      it('gives every write a new eTag', async () => {
        await store.state.write({ [key]: { turn: 1 } });
        const first = (await store.state.read([key]))[key].eTag;
        await store.state.write({ [key]: { turn: 2, eTag: first } });
        const second = (await store.state.read([key]))[key];
        expect(second.turn).toBe(2);
        expect(second.eTag).not.toBe(first);
      });

      it('refuses a write with a stale eTag and keeps the newer value', async () => {
        await store.state.write({ [key]: { turn: 1 } });
        const stale = (await store.state.read([key]))[key].eTag;
        await store.state.write({ [key]: { turn: 2, eTag: stale } });
        await expect(store.state.write({ [key]: { turn: 99, eTag: stale } })).rejects.toThrow(/eTag conflict/);
        expect((await store.state.read([key]))[key].turn).toBe(2);
      });

      it("refuses a write with an eTag when the item was deleted since it was read", async () => {
        await store.state.write({ [key]: { turn: 1 } });
        const etag = (await store.state.read([key]))[key].eTag;
        await store.state.delete([key]);
        await expect(store.state.write({ [key]: { turn: 2, eTag: etag } })).rejects.toThrow(/eTag conflict/);
        expect(await store.state.read([key])).toEqual({});
      });

      it("overwrites unconditionally with eTag '*' or without an eTag (what BotState.saveChanges sends)", async () => {
        await store.state.write({ [key]: { turn: 1 } });
        await store.state.write({ [key]: { turn: 2, eTag: '*' } });
        expect((await store.state.read([key]))[key].turn).toBe(2);
        await store.state.write({ [key]: { turn: 3 } });
        expect((await store.state.read([key]))[key].turn).toBe(3);
      });

      it('writes and deletes several keys at once; deleting a missing key is fine', async () => {
        const changes: StoreItems = { a: { n: 1 }, b: { n: 2 }, c: { n: 3 } };
        await store.state.write(changes);
        await store.state.delete(['a', 'c', 'never-written']);
        const items = await store.state.read(['a', 'b', 'c']);
        expect(Object.keys(items)).toEqual(['b']);
        expect(items.b.n).toBe(2);
      });
    });

    describe('requests', () => {
      it('creates and gets a request; an unknown id is undefined', async () => {
        const created = await store.requests.create(sampleRequest('ONB-AAAA'));
        expect(created.value).toEqual(sampleRequest('ONB-AAAA'));
        const got = await store.requests.get('ONB-AAAA' as RequestId);
        expect(got).toEqual(created);
        expect(await store.requests.get('ONB-ZZZZ' as RequestId)).toBeUndefined();
      });

      it('refuses a second request with the same id and keeps the first', async () => {
        await store.requests.create(sampleRequest('ONB-AAAA', 'pending_approval'));
        await expect(store.requests.create(sampleRequest('ONB-AAAA', 'approved'))).rejects.toBeInstanceOf(ConcurrencyError);
        expect((await store.requests.get('ONB-AAAA' as RequestId))?.value.status).toBe('pending_approval');
      });

      it('replaces with the current etag and refuses a stale one', async () => {
        const created = await store.requests.create(sampleRequest('ONB-AAAA'));
        const approved = await store.requests.replace({ ...created.value, status: 'approved' }, created.etag);
        expect(approved.etag).not.toBe(created.etag);
        await expect(store.requests.replace({ ...created.value, status: 'rejected' }, created.etag)).rejects.toBeInstanceOf(
          ConcurrencyError,
        );
        const stored = await store.requests.get('ONB-AAAA' as RequestId);
        expect(stored).toEqual({ value: { ...created.value, status: 'approved' }, etag: approved.etag });
      });

      it('refuses to replace a request that does not exist', async () => {
        await expect(store.requests.replace(sampleRequest('ONB-NONE'), 'any-etag')).rejects.toBeInstanceOf(ConcurrencyError);
        expect(await store.requests.get('ONB-NONE' as RequestId)).toBeUndefined();
      });

      it('approved twice at once: of 20 concurrent decisions on the same etag exactly one wins', async () => {
        const created = await store.requests.create(sampleRequest('ONB-AAAA'));
        const clicks = Array.from({ length: 20 }, (_, i) =>
          store.requests.replace({ ...created.value, status: 'approved', updatedAt: `click-${i}` }, created.etag),
        );
        const { won, lost, other } = await outcomes(clicks);
        expect(other).toEqual([]);
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        expect(await store.requests.get('ONB-AAAA' as RequestId)).toEqual(won[0]);
      });

      it('lists by status, oldest first, and follows status changes', async () => {
        await store.requests.create(sampleRequest('ONB-BBBB', 'running', '2026-11-26T08:02:00.000Z'));
        const first = await store.requests.create(sampleRequest('ONB-AAAA', 'pending_approval', '2026-11-26T08:01:00.000Z'));
        await store.requests.create(sampleRequest('MAP-CCCC', 'succeeded', '2026-11-26T08:03:00.000Z'));
        await store.requests.create(sampleRequest('DEL-DDDD', 'pending_approval', '2026-11-26T08:04:00.000Z'));

        const ids = async (status?: RequestStatus[]) => (await store.requests.list(status && { status })).map((r) => r.value.id);
        expect(await ids(['pending_approval'])).toEqual(['ONB-AAAA', 'DEL-DDDD']);
        expect(await ids(['running', 'succeeded'])).toEqual(['ONB-BBBB', 'MAP-CCCC']);
        expect(await ids(['failed'])).toEqual([]);
        expect(await ids([])).toEqual([]);
        expect(await ids()).toEqual(['ONB-AAAA', 'ONB-BBBB', 'MAP-CCCC', 'DEL-DDDD']);

        const running = await store.requests.replace({ ...first.value, status: 'running' }, first.etag);
        expect(await ids(['pending_approval'])).toEqual(['DEL-DDDD']);
        const listed = await store.requests.list({ status: ['running'] });
        expect(listed.map((r) => r.value.id)).toEqual(['ONB-AAAA', 'ONB-BBBB']);
        expect(listed[0].etag).toBe(running.etag);
      });

      it('lists the ids by status without the bodies, and follows status changes', async () => {
        const first = await store.requests.create(sampleRequest('ONB-AAAA', 'approved', '2026-11-26T08:01:00.000Z'));
        await store.requests.create(sampleRequest('ONB-BBBB', 'running', '2026-11-26T08:02:00.000Z'));
        await store.requests.create(sampleRequest('MAP-CCCC', 'succeeded', '2026-11-26T08:03:00.000Z'));
        const ids = async (status: RequestStatus[]) => (await store.requests.ids({ status })).sort();
        expect(await ids(['approved', 'running'])).toEqual(['ONB-AAAA', 'ONB-BBBB']);
        expect(await ids(['failed'])).toEqual([]);
        expect(await ids([])).toEqual([]);
        await store.requests.replace({ ...first.value, status: 'succeeded' }, first.etag);
        expect(await ids(['approved', 'running'])).toEqual(['ONB-BBBB']);
        expect(await ids(['succeeded'])).toEqual(['MAP-CCCC', 'ONB-AAAA']);
      });

      it('reads a removal stored in the older shape (a stand-in customer and `target`) as a removal of its mapping, by get and by list', async () => {
        const { customer: _customer, subscription: _subscription, access: _access, ...base } = sampleRequest('DEL-OLDA');
        void [_customer, _subscription, _access];
        const tenant = '00000000-0000-0000-0000-000000000009';
        const subscription = '00000000-0000-0000-0000-000000000008';
        const legacy = {
          ...base,
          kind: 'remove',
          customer: { kind: 'existing', customerTenantId: tenant, companyName: `Tenant ${tenant} (not a Partner Center customer any more)`, domain: '' },
          subscription: { kind: 'existing', azureSubscriptionId: subscription },
          access: { kind: 'none' },
          target: { azureSubscriptionId: subscription, customerTenantId: tenant },
        };
        await store.requests.create(legacy as unknown as ServiceRequest);
        const expected = { id: 'DEL-OLDA', kind: 'remove', mapping: { azureSubscriptionId: subscription, customerTenantId: tenant } };
        const read = (await store.requests.get('DEL-OLDA' as RequestId))!;
        expect(read.value).toMatchObject(expected);
        expect(read.value).not.toHaveProperty('customer');
        expect(read.value).not.toHaveProperty('target');
        const listed = (await store.requests.list({ status: ['pending_approval'] })).map((v) => v.value);
        expect(listed).toEqual([read.value]);
        // Written back in the new shape under its etag, as any state change does.
        const next = await store.requests.replace({ ...read.value, status: 'cancelled' }, read.etag);
        expect((await store.requests.get('DEL-OLDA' as RequestId))!.value).toEqual(next.value);
      });
    });

    describe('audit trail', () => {
      it('keeps entries per request, oldest first', async () => {
        await store.audit.append(auditEntry('ONB-AAAA', 'submitted', 'by Ada'));
        await store.audit.append(auditEntry('ONB-BBBB', 'submitted', 'by Bob'));
        await store.audit.append(auditEntry('ONB-AAAA', 'approved', 'by Grace'));
        await store.audit.append(auditEntry('ONB-AAAA', 'step-started', 'customer'));
        const actions = (await store.audit.list('ONB-AAAA' as RequestId)).map((e) => e.action);
        expect(actions).toEqual(['submitted', 'approved', 'step-started']);
        expect(await store.audit.list('ONB-BBBB' as RequestId)).toEqual([auditEntry('ONB-BBBB', 'submitted', 'by Bob')]);
        expect(await store.audit.list('ONB-NONE' as RequestId)).toEqual([]);
      });

      it('entries appended together (appendAll) are kept together, in order, each under its request', async () => {
        await store.audit.append(auditEntry('ONB-AAAA', 'submitted', 'first'));
        await store.audit.appendAll!([auditEntry('ONB-AAAA', 'step-done', 'customer'), auditEntry('ONB-BBBB', 'submitted', 'by Bob'), auditEntry('ONB-AAAA', 'step-started', 'azure-plan')]);
        expect((await store.audit.list('ONB-AAAA' as RequestId)).map((e) => e.action)).toEqual(['submitted', 'step-done', 'step-started']);
        expect((await store.audit.list('ONB-BBBB' as RequestId)).map((e) => e.action)).toEqual(['submitted']);
      });

      it('loses nothing and doubles nothing when 30 entries are appended at once', async () => {
        await store.audit.append(auditEntry('ONB-AAAA', 'submitted', 'first'));
        await Promise.all(Array.from({ length: 30 }, (_, i) => store.audit.append(auditEntry('ONB-AAAA', 'call', `call ${i}`))));
        await store.audit.append(auditEntry('ONB-AAAA', 'step-done', 'last'));
        const details = (await store.audit.list('ONB-AAAA' as RequestId)).map((e) => e.detail);
        expect(details).toHaveLength(32);
        expect(details[0]).toBe('first');
        expect(details[31]).toBe('last');
        expect(new Set(details.slice(1, 31))).toEqual(new Set(Array.from({ length: 30 }, (_, i) => `call ${i}`)));
      });
    });

    describe('leases', () => {
      const run = 'run/ONB-AAAA';

      it('gives the lease to one owner, refuses another, and lets the owner acquire again', async () => {
        expect(await store.leases.acquire(run, 'worker-1', 60_000)).toBe(true);
        expect(await store.leases.acquire(run, 'worker-2', 60_000)).toBe(false);
        expect(await store.leases.acquire(run, 'worker-1', 60_000)).toBe(true);
        expect(await store.leases.acquire('run/ONB-BBBB', 'worker-2', 60_000)).toBe(true);
      });

      it('renewal (heartbeat) keeps it past its first expiry; after expiry another worker takes over', async () => {
        await store.leases.acquire(run, 'worker-1', 60_000);
        clock += 50_000;
        expect(await store.leases.renew(run, 'worker-1', 60_000)).toBe(true);
        expect(await store.leases.renew(run, 'worker-2', 60_000)).toBe(false);
        clock += 50_000; // 100 s after acquire: past the first expiry, within the renewed one
        expect(await store.leases.acquire(run, 'worker-2', 60_000)).toBe(false);
        clock += 10_001; // the renewed lease has run out
        expect(await store.leases.renew(run, 'worker-1', 60_000)).toBe(false);
        expect(await store.leases.acquire(run, 'worker-2', 60_000)).toBe(true);
        expect(await store.leases.renew(run, 'worker-1', 60_000)).toBe(false);
        expect(await store.leases.acquire(run, 'worker-1', 60_000)).toBe(false);
      });

      it('tells when the lease as stored runs out, so a refused worker can come back then', async () => {
        expect(await store.leases.expiresAt!(run)).toBeUndefined();
        const acquiredAt = clock;
        await store.leases.acquire(run, 'worker-1', 60_000);
        expect(await store.leases.expiresAt!(run)).toBe(acquiredAt + 60_000);
        clock += 20_000;
        await store.leases.renew(run, 'worker-1', 60_000);
        expect(await store.leases.expiresAt!(run)).toBe(acquiredAt + 80_000);
        await store.leases.release(run, 'worker-1');
        expect(await store.leases.expiresAt!(run)).toBeUndefined();
      });

      it('release by the owner frees it; release by anyone else does nothing', async () => {
        await store.leases.acquire(run, 'worker-1', 60_000);
        await store.leases.release(run, 'worker-2');
        expect(await store.leases.acquire(run, 'worker-2', 60_000)).toBe(false);
        await store.leases.release(run, 'worker-1');
        expect(await store.leases.renew(run, 'worker-1', 60_000)).toBe(false);
        expect(await store.leases.acquire(run, 'worker-2', 60_000)).toBe(true);
        await store.leases.release('run/never-taken', 'worker-1');
      });

      it('of 10 workers acquiring a free lease at once exactly one gets it', async () => {
        const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => store.leases.acquire(run, `worker-${i}`, 60_000)));
        expect(attempts.filter(Boolean)).toHaveLength(1);
      });

      it('of 10 workers taking over an expired lease at once exactly one gets it', async () => {
        await store.leases.acquire(run, 'crashed-worker', 1_000);
        clock += 1_000;
        const attempts = await Promise.all(Array.from({ length: 10 }, (_, i) => store.leases.acquire(run, `worker-${i}`, 60_000)));
        expect(attempts.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('conversation references', () => {
      const channel = '19:approvals@thread.tacv2;messageid=1700000000000';
      const personal = 'a:1Xyz_personal-chat';
      const reference = (conversationId: string, serviceUrl = 'https://smba.trafficmanager.net/emea/') => ({
        conversation: { id: conversationId, tenantId: '00000000-0000-0000-0000-000000000001' },
        serviceUrl,
        channelId: 'msteams',
        bot: { id: '28:bot', name: 'CSP Onboarding' },
      });

      it('saves, refreshes, lists and deletes references', async () => {
        expect(await store.conversations.get(channel)).toBeUndefined();
        await store.conversations.save(channel, reference(channel));
        await store.conversations.save(personal, reference(personal));
        await store.conversations.save(channel, reference(channel, 'https://smba.trafficmanager.net/amer/'));
        expect(await store.conversations.get(channel)).toEqual(reference(channel, 'https://smba.trafficmanager.net/amer/'));

        const listed = await store.conversations.list();
        expect(listed.sort((a, b) => a.conversationId.localeCompare(b.conversationId))).toEqual([
          { conversationId: channel, reference: reference(channel, 'https://smba.trafficmanager.net/amer/') },
          { conversationId: personal, reference: reference(personal) },
        ]);

        await store.conversations.delete(channel);
        await store.conversations.delete('19:never-saved@thread.tacv2');
        expect(await store.conversations.get(channel)).toBeUndefined();
        expect((await store.conversations.list()).map((c) => c.conversationId)).toEqual([personal]);
      });
    });

    describe('facts', () => {
      it('remembers small JSON facts by key and overwrites them', async () => {
        const key = 'registration-not-multitenant:/subscriptions/x/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/reg1';
        expect(await store.facts.get(key)).toBeUndefined();
        await store.facts.set(key, { refusedAt: '2026-11-26', code: 'UnauthorizedCspRegistration' });
        expect(await store.facts.get(key)).toEqual({ refusedAt: '2026-11-26', code: 'UnauthorizedCspRegistration' });
        await store.facts.set(key, { refusedAt: '2026-11-27', code: 'UnauthorizedCspRegistration' });
        expect(await store.facts.get<{ refusedAt: string }>(key)).toMatchObject({ refusedAt: '2026-11-27' });
        await store.facts.set('roster-cache-version', 3);
        expect(await store.facts.get('roster-cache-version')).toBe(3);
      });
    });

    it('reports open until closed, and refuses work afterwards', async () => {
      expect(store.isOpen()).toBe(true);
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      expect(store.isOpen()).toBe(false);
      await expect(store.requests.get('ONB-AAAA' as RequestId)).rejects.toThrow();
      await expect(store.ping()).rejects.toThrow();
      await store.close(); // closing twice is harmless (afterEach does it again)
    });
  });
}
