// The run's lease under a slow store: heartbeats never overlap (two renewals of one lease race
// each other's If-Match on Blob storage and the loser reads as "lease lost"), a renewal still in
// flight when the run ends is not reported as a loss, and the resume sweep leaves a run that is
// active on this worker alone instead of queueing a second pass after it.
import type { RequestId } from '../../src/onboarding/model';
import { createRunner, type Runner } from '../../src/onboarding/run/runner';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { LeaseStore } from '../../src/onboarding/ports';
import type { BotStore } from '../../src/store/types';
import { RecordingNotifier, newCustomerRequest, sandboxCloud, sandboxConfig, sandboxPerDescribe, sqliteStorePerTest } from './support';
import { waitFor } from '../support/waitFor';

const LEASE_MS = 1000; // heartbeat every 333 ms, sweep every 1 s
const SLOW_RENEW_MS = 500;
/** The fence tests' lease: its heartbeat (a third of it) never comes round within them. */
const FENCE_LEASE_MS = 60_000;

describe('the run lease on a slow store', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  let runner: Runner | undefined;

  sandboxPerDescribe((s) => (sandbox = s));
  sqliteStorePerTest(
    (s) => (store = s),
    () => runner?.stop(),
  );

  it('renews one heartbeat at a time, reports no loss, and the sweep does not run an active run twice', async () => {
    let renewing = 0;
    let renewals = 0;
    let sweeps = 0;
    let maxRenewing = 0;
    const acquired: string[] = [];
    const leases: LeaseStore = {
      acquire: async (name, owner, ttlMs) => {
        const got = await store.leases.acquire(name, owner, ttlMs);
        if (got) acquired.push(name);
        return got;
      },
      // Slower than the heartbeat interval, as Blob storage is under load.
      renew: async (name, owner, ttlMs) => {
        maxRenewing = Math.max(maxRenewing, ++renewing);
        try {
          await new Promise((r) => setTimeout(r, SLOW_RENEW_MS));
          return await store.leases.renew(name, owner, ttlMs);
        } finally {
          renewing--;
          renewals++;
        }
      },
      release: (name, owner) => store.leases.release(name, owner),
    };
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_: object, msg: string) => void warnings.push(msg), error: (_: object, msg: string) => void warnings.push(msg) };
    runner = createRunner({
      store: { ...store, leases, requests: countingSweeps(store.requests, () => sweeps++) },
      cloud: sandboxCloud(sandboxConfig(sandbox)),
      notifier: new RecordingNotifier(),
      logger,
      pollIntervalMs: 0,
      pollMaxIntervalMs: 0,
      leaseMs: LEASE_MS,
    });

    const request = newCustomerRequest(sandbox);
    const created = await store.requests.create(request);
    await store.requests.replace({ ...created.value, status: 'approved' }, created.etag);
    // The run waits at its guest invitation for several heartbeats and at least two sweeps.
    const hold = sandbox.holds.add({ method: 'POST', path: /^\/graph\/v1\.0\/invitations$/ });
    await runner.start();
    await hold.arrived;
    await waitFor(() => renewals >= 3 && sweeps >= 3, { what: 'three renewals and two sweeps after the first', timeoutMs: 20 * LEASE_MS });
    hold.release();
    await runner.idle();
    // A renewal may still be in flight after the run let go of its lease.
    await waitFor(() => renewing === 0, { what: 'the last renewal' });
    await runner.idle();

    expect((await store.requests.get(request.id as RequestId))!.value.status).toBe('succeeded');
    expect(maxRenewing).toBe(1);
    expect(warnings).toEqual([]);
    expect(acquired.filter((name) => name === `run:${request.id}`)).toHaveLength(1);
    expect((await store.audit.list(request.id)).filter((e) => e.action === 'run-resumed')).toHaveLength(0);
  });

  it('a run whose worker died is taken over when its lease runs out, not at the next sweep (issue 17)', async () => {
    let sweeps = 0;
    const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    // One sweep a minute: only the lease's own expiry can bring the run back within this test.
    runner = createRunner({
      store: { ...store, requests: countingSweeps(store.requests, () => sweeps++) },
      cloud: sandboxCloud(sandboxConfig(sandbox)),
      notifier: new RecordingNotifier(),
      logger,
      pollIntervalMs: 0,
      pollMaxIntervalMs: 0,
      leaseMs: 60_000,
      workerId: 'worker-b',
    });
    const request = newCustomerRequest(sandbox);
    const created = await store.requests.create(request);
    await store.requests.replace({ ...created.value, status: 'running' }, created.etag);
    // Worker A took the run and died: its last heartbeat left the lease valid for a little longer.
    expect(await store.leases.acquire(`run:${request.id}`, 'worker-a', 300)).toBe(true);

    await runner.start();
    await waitFor(async () => (await store.requests.get(request.id as RequestId))!.value.status === 'succeeded', { what: 'the run taken over and finished', timeoutMs: 25_000 });

    expect(sweeps).toBe(1);
    const resumed = (await store.audit.list(request.id)).filter((e) => e.action === 'run-resumed' || e.action === 'run-started');
    expect(resumed.map((e) => e.detail)).toEqual(['Run started by worker-b.']);
  });

  it('a worker whose lease lapsed and was taken over writes nothing more: every write checks the lease first', async () => {
    // One clock for the store (it decides lease expiry) and the runner (it knows when it last renewed),
    // as a stalled machine's wall clock moves on for both; the heartbeat (every 20 s) does not come round in this test.
    let clock = Date.now();
    const fenced = await openSqliteStore(':memory:', { now: () => clock });
    const leaseMs = 60_000;
    const warnings: string[] = [];
    const logger = { info: () => undefined, warn: (_: object, msg: string) => void warnings.push(msg), error: (_: object, msg: string) => void warnings.push(msg) };
    runner = createRunner({
      store: fenced,
      cloud: sandboxCloud(sandboxConfig(sandbox)),
      notifier: new RecordingNotifier(),
      logger,
      pollIntervalMs: 0,
      pollMaxIntervalMs: 0,
      leaseMs,
      workerId: 'worker-a',
      now: () => new Date(clock),
    });
    try {
      const request = newCustomerRequest(sandbox);
      const created = await fenced.requests.create(request);
      await fenced.requests.replace({ ...created.value, status: 'approved' }, created.etag);
      const hold = sandbox.holds.add({ method: 'POST', path: /^\/graph\/v1\.0\/invitations$/ });
      runner.schedule(request.id);
      await hold.arrived;

      // Worker A stalls past its lease (a long GC pause, a frozen VM); worker B takes the run over.
      clock += leaseMs + 1;
      expect(await fenced.leases.acquire(`run:${request.id}`, 'worker-b', leaseMs)).toBe(true);
      const takenOver = (await fenced.requests.get(request.id as RequestId))!;
      const trail = (await fenced.audit.list(request.id)).length;
      const rolesBefore = sandbox.state.counts().roleAssignmentsCreated;
      hold.release();
      await runner.idle();

      // A's invitation landed, but A stored nothing of it and went no further: B's run owns the request.
      expect(await fenced.requests.get(request.id as RequestId)).toEqual(takenOver);
      // The trail keeps what really happened (the invitation), nothing more.
      expect((await fenced.audit.list(request.id)).slice(trail).map((e) => e.action)).toEqual(['guest-invited']);
      expect(sandbox.state.counts().roleAssignmentsCreated).toBe(rolesBefore);
      expect(warnings).toContain('run lease lost; another worker takes over');
    } finally {
      await runner.stop();
      runner = undefined;
      await fenced.close();
    }
  });
});

describe('the fence before each write of a run', () => {
  let sandbox: Sandbox;
  sandboxPerDescribe((s) => (sandbox = s));

  /**
   * A SQLite store and a runner with a lease of a minute (a heartbeat every 20 s: none in these
   * tests) on one clock, the store's leases counting renewals, and an approved new-customer request.
   */
  async function fencedRun(clock: () => number) {
    const store = await openSqliteStore(':memory:', { now: clock });
    let renewals = 0;
    const leases: LeaseStore = { ...store.leases, renew: (name, owner, ttlMs) => (renewals++, store.leases.renew(name, owner, ttlMs)) };
    const runner = createRunner({
      store: { ...store, leases },
      cloud: sandboxCloud(sandboxConfig(sandbox)),
      notifier: new RecordingNotifier(),
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      pollIntervalMs: 0,
      pollMaxIntervalMs: 0,
      leaseMs: FENCE_LEASE_MS,
      now: () => new Date(clock()),
    });
    const request = newCustomerRequest(sandbox);
    const created = await store.requests.create(request);
    await store.requests.replace({ ...created.value, status: 'approved' }, created.etag);
    return {
      store,
      runner,
      id: request.id as RequestId,
      renewals: () => renewals,
      close: async () => {
        await runner.stop();
        await store.close();
      },
    };
  }

  it('renews nothing while the lease is fresh: a run shorter than a heartbeat writes every step on its acquire alone', async () => {
    const run = await fencedRun(Date.now);
    try {
      run.runner.schedule(run.id);
      await run.runner.idle();
      const done = (await run.store.requests.get(run.id))!.value;
      expect(done.status).toBe('succeeded');
      expect(done.steps.length).toBeGreaterThan(5);
      expect(run.renewals()).toBe(0);
    } finally {
      await run.close();
    }
  });

  it('renews before the next write once the last renewal is half a lease old (a stalled heartbeat), and goes on while the lease is still its own', async () => {
    let clock = Date.now();
    const run = await fencedRun(() => clock);
    try {
      const hold = sandbox.holds.add({ method: 'POST', path: /^\/graph\/v1\.0\/invitations$/ });
      run.runner.schedule(run.id);
      await hold.arrived;
      expect(run.renewals()).toBe(0);
      // The heartbeat (every 20 s of real time) has not come round; the clock says 31 s passed.
      clock += FENCE_LEASE_MS / 2 + 1_000;
      hold.release();
      await run.runner.idle();
      expect((await run.store.requests.get(run.id))!.value.status).toBe('succeeded');
      // One renewal, before the first write after the stall; the writes after it find the lease fresh.
      expect(run.renewals()).toBe(1);
    } finally {
      await run.close();
    }
  });
});

/** The requests, counting the runner's sweeps (its look for approved and running requests). */
function countingSweeps(requests: BotStore['requests'], counted: () => void): BotStore['requests'] {
  return Object.create(requests, {
    ids: {
      value: (query: Parameters<BotStore['requests']['ids']>[0]) => {
        if (query?.status?.includes('approved')) counted();
        return requests.ids(query);
      },
    },
  }) as BotStore['requests'];
}
