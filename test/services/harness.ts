// One simulated cloud per test file, and the real clients built on it exactly as the bot builds
// them: createCloud(testConfig({ ...sandbox.env, CLOUD: 'sandbox' })). Retry back-offs are tiny
// so a 5xx retry costs milliseconds; Retry-After waits are driven with jest fake timers.
import { testConfig } from '../support/testConfig';
import type { CallRecord, Cloud } from '../../src/onboarding/ports';
import { startSandbox, type RecordedRequest, type Sandbox } from '../../src/sandbox';
import { createCloud } from '../../src/services';

export interface TestCloud {
  sandbox: Sandbox;
  cloud: Cloud;
  calls: CallRecord[];
}

export const FAST_RETRY = { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 };

export async function startTestCloud(env: Record<string, string> = {}): Promise<TestCloud> {
  const sandbox = await startSandbox({ port: 0, delays: { orderCompleteMs: 30, entitlementActiveMs: 30, latencyMs: 0 } });
  const calls: CallRecord[] = [];
  return { sandbox, cloud: cloudOn(sandbox, env, calls), calls };
}

/** The clients as the bot builds them. A fresh set starts with no throttling remembered (a service's 429 slows every later call of its client). */
function cloudOn(sandbox: Sandbox, env: Record<string, string>, calls: CallRecord[]): Cloud {
  return createCloud(testConfig({ ...sandbox.env, CLOUD: 'sandbox', ...env }), {
    retry: FAST_RETRY,
    timeoutInMs: 1500,
    onCall: (call) => calls.push(call),
  });
}

/** Requests the simulated cloud received for one service path, e.g. `/partnercenter/v1/customers`. */
export function requestsTo(sandbox: Sandbox, method: string, path: string | RegExp): RecordedRequest[] {
  return sandbox.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
}

/** Lets real I/O (loopback HTTPS) run while timers are fake. */
export const ioTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits (real time: performance is never faked) until the condition holds. */
export async function until(condition: () => boolean, what: string, withinMs = 10_000): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await ioTurn();
  }
}

/** Fake only the timers the retry policies sleep with; real I/O keeps working. */
export function useRetryClock(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'setInterval', 'clearInterval', 'hrtime', 'performance'] });
}

/**
 * One simulated cloud for the whole test file: started before the first test, faults cleared and
 * real timers back after each test, closed after the last. The returned object is filled in by
 * `beforeAll`, so read its fields inside tests and hooks only.
 */
export function useTestCloud(env: Record<string, string> = {}): TestCloud {
  const t = {} as TestCloud;
  beforeAll(async () => {
    Object.assign(t, await startTestCloud(env));
  });
  afterAll(async () => {
    await t.sandbox.close();
  });
  afterEach(() => {
    t.sandbox.faults.clear();
    jest.useRealTimers();
    // A test's 429 (in fake time) must not hold the next test's calls.
    t.cloud = cloudOn(t.sandbox, env, t.calls);
  });
  return t;
}
