// The run under a misbehaving cloud: 429 storms with Retry-After, 5xx, dropped connections and
// timeouts on every route, before and after the service did the work. Every run completes and the
// simulated cloud holds exactly one customer, order, guest, Owner assignment and mapping per run.
import type { FaultRule, Sandbox } from '../../src/sandbox';
import { createRunner, type Runner } from '../../src/onboarding/run/runner';
import type { OnboardingRequest } from '../../src/onboarding/model';
import { createCloud } from '../../src/services';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { RecordingNotifier, newCustomerRequest, sandboxConfig, silentLogger, startTestSandbox } from './support';

/** Every call that changes something, as the simulated cloud sees its path. */
const WRITES: Array<{ name: string; method: string; path: RegExp }> = [
  { name: 'create customer', method: 'POST', path: /^\/partnercenter\/v1\/customers$/ },
  { name: 'confirm agreement', method: 'POST', path: /^\/partnercenter\/v1\/customers\/[^/]+\/agreements$/ },
  { name: 'create cart', method: 'POST', path: /^\/partnercenter\/v1\/customers\/[^/]+\/carts$/ },
  { name: 'checkout', method: 'POST', path: /\/carts\/[^/]+\/checkout$/ },
  { name: 'invite guest', method: 'POST', path: /^\/graph\/v1\.0\/invitations$/ },
  { name: 'assign Owner', method: 'PUT', path: /\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/ },
  { name: 'map tenant', method: 'PUT', path: /\/customerSubscriptions\/[^/]+$/ },
];

const KINDS: Array<Pick<FaultRule, 'kind' | 'status' | 'when' | 'retryAfterSeconds'>> = [
  { kind: 'status', status: 500, when: 'after' },
  // A 503 with Retry-After was not processed (throttling): safe to send again, even a checkout.
  { kind: 'status', status: 503, when: 'before', retryAfterSeconds: 0 },
  { kind: 'drop', when: 'after' },
  { kind: 'timeout', when: 'after' },
];

describe('the run under faults', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  let runner: Runner;
  const notifier = new RecordingNotifier();

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    store = await openSqliteStore(':memory:');
    const config = sandboxConfig(sandbox);
    // Short per-attempt timeout so a hanging call becomes a timeout quickly; the SDK retries stay on.
    const cloud = createCloud(config, { retry: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 }, timeoutInMs: 400 });
    runner = createRunner({ store, cloud, notifier, logger: silentLogger, pollIntervalMs: 0, pollMaxIntervalMs: 0, leaseMs: 5000, maxTransientAttempts: 10, transientWindowMs: 1500 });
  });
  afterAll(async () => {
    await runner.stop();
    await store.close();
    await sandbox.close();
  });
  afterEach(() => sandbox.faults.clear());

  async function runToEnd(request: OnboardingRequest) {
    const created = await store.requests.create({ ...request, status: 'approved' });
    runner.schedule(created.value.id);
    await runner.idle();
    const done = (await store.requests.get(request.id))!.value as OnboardingRequest;
    return done;
  }

  function expectOneOfEach(before: ReturnType<Sandbox['state']['counts']>, runs = 1) {
    const after = sandbox.state.counts();
    expect({
      customers: after.customersCreated - before.customersCreated,
      orders: after.ordersCreated - before.ordersCreated,
      checkouts: after.checkouts - before.checkouts,
      guests: after.guestUsersCreated - before.guestUsersCreated,
      owners: after.roleAssignmentsCreated - before.roleAssignmentsCreated,
    }).toEqual({ customers: runs, orders: runs, checkouts: runs, guests: runs, owners: runs });
  }

  it('a 429 storm with Retry-After on every route: completes, nothing twice', async () => {
    const before = sandbox.state.counts();
    sandbox.faults.add({ path: /^\/(partnercenter|graph|arm)\//, kind: 'status', status: 429, retryAfterSeconds: 0, times: 40 });
    const done = await runToEnd(newCustomerRequest(sandbox));
    expect(done.status).toBe('succeeded');
    expect(sandbox.requests.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(40);
    expectOneOfEach(before);
  });

  it('Retry-After is honoured: the throttled call is not repeated before the service said', async () => {
    const fault = { method: 'GET', path: /\/azureEntitlements$/, kind: 'status' as const, status: 429 as const, retryAfterSeconds: 1, times: 1 };
    sandbox.faults.add(fault);
    const start = sandbox.requests.length;
    const done = await runToEnd(newCustomerRequest(sandbox));
    expect(done.status).toBe('succeeded');
    const calls = sandbox.requests.slice(start).filter((r) => /\/azureEntitlements$/.test(r.path));
    const throttled = calls.findIndex((r) => r.status === 429);
    expect(throttled).toBeGreaterThanOrEqual(0);
    expect(Date.parse(calls[throttled + 1].at) - Date.parse(calls[throttled].at)).toBeGreaterThanOrEqual(950);
  });

  describe.each(KINDS)('$kind $status ($when the service did the work)', (kind) => {
    it.each(WRITES)('on $name: completes, nothing twice', async (write) => {
      const before = sandbox.state.counts();
      sandbox.faults.add({ ...kind, method: write.method, path: write.path, times: 1 });
      const done = await runToEnd(newCustomerRequest(sandbox));
      expect(done.status).toBe('succeeded');
      expectOneOfEach(before);
      const registration = Object.values(sandbox.state.registrations).find((r) => r.id.toLowerCase() === done.registration.resourceId.toLowerCase())!;
      expect(registration.customerSubscriptions[done.results.azureSubscriptionId!]).toEqual({ tenantId: done.results.customerTenantId });
    });
  });

  describe('a checkout that never reached Partner Center', () => {
    const checkoutsOf = (done: OnboardingRequest) =>
      sandbox.requests.filter((r) => r.method === 'POST' && r.path === `/partnercenter/v1/customers/${done.results.customerTenantId}/carts/${done.results.cartId}/checkout`);

    it.each([
      // A dropped request is recorded with status 0 (no answer).
      ['dropped', { kind: 'drop' as const }, 0],
      ['503 without Retry-After', { kind: 'status' as const, status: 503 as const }, 503],
    ])('%s before it was processed: the cart is still Active, so the same cart is checked out once more; one order', async (_what, fault, firstStatus) => {
      const before = sandbox.state.counts();
      sandbox.faults.add({ ...fault, when: 'before', method: 'POST', path: /\/carts\/[^/]+\/checkout$/, times: 1 });
      const done = await runToEnd(newCustomerRequest(sandbox));
      expect(done.status).toBe('succeeded');
      expectOneOfEach(before);
      expect(checkoutsOf(done).map((r) => r.status)).toEqual([firstStatus, 201]);
      expect(done.results.checkoutResentAt).toEqual(expect.any(String));
      const resent = (await store.audit.list(done.id)).filter((e) => e.action === 'checkout-resent');
      expect(resent).toHaveLength(1);
      expect(resent[0].detail).toContain(`cart ${done.results.cartId}`);
    });

    it.each([
      ['dropped', { kind: 'drop' as const }],
      ['503', { kind: 'status' as const, status: 503 as const }],
    ])('%s after it was processed: the order is found, the checkout is not sent again', async (_what, fault) => {
      const before = sandbox.state.counts();
      sandbox.faults.add({ ...fault, when: 'after', method: 'POST', path: /\/carts\/[^/]+\/checkout$/, times: 1 });
      const done = await runToEnd(newCustomerRequest(sandbox));
      expect(done.status).toBe('succeeded');
      expectOneOfEach(before);
      expect(checkoutsOf(done)).toHaveLength(1);
      expect(done.results.checkoutResentAt).toBeUndefined();
    });
  });

  it('5xx on every read for a while: completes', async () => {
    const before = sandbox.state.counts();
    sandbox.faults.add({ method: 'GET', path: /^\/(partnercenter|graph|arm)\//, kind: 'status', status: 502, times: 12 });
    const done = await runToEnd(newCustomerRequest(sandbox));
    expect(done.status).toBe('succeeded');
    expectOneOfEach(before);
  });

  it('a service that keeps failing stops the run with the step named, plainly; Retry then completes', async () => {
    const before = sandbox.state.counts();
    const id = sandbox.faults.add({ method: 'POST', path: /\/agreements$/, kind: 'status', status: 503, times: Infinity });
    const failed = await runToEnd(newCustomerRequest(sandbox));
    expect(failed.status).toBe('failed');
    const step = failed.steps.find((s) => s.status === 'failed')!;
    expect(step.name).toBe('customer-agreement');
    expect(step.error?.transient).toBe(true);
    expect(step.error?.message).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    sandbox.faults.remove(id);
    const stored = (await store.requests.get(failed.id))!;
    await store.requests.replace({ ...stored.value, status: 'running', steps: stored.value.steps.map((s) => (s.status === 'failed' ? { ...s, status: 'waiting' } : s)) }, stored.etag);
    runner.schedule(failed.id);
    await runner.idle();
    expect((await store.requests.get(failed.id))!.value.status).toBe('succeeded');
    expectOneOfEach(before);
  });
});
