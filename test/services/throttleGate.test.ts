// The shared throttle gate on a fake clock: no call before a Retry-After, the rate a 429 teaches,
// the calls released at that rate in order, and the end of pacing. Through real HTTP against the
// simulated cloud's `rate` fault: test/services/registrationClient.test.ts ("throttling for everyone").
import {
  callKind,
  createArmThrottleGates,
  createThrottleGate,
  PACING_GROW_AFTER_WINDOWS,
  PACING_QUIET_RETRY_AFTERS,
  PACING_SLACK,
  type GatePass,
  type ThrottleGate,
} from '../../src/services/throttleGate';

const WINDOW = 1000 * PACING_SLACK;
const WRITE = 'PUT /customerSubscriptions/*';

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
});
afterEach(() => {
  jest.useRealTimers();
});

/** Calls waiting on the gate, and when each was let through (fake-clock ms). */
function callers(gate: ThrottleGate, kind = WRITE) {
  const released: Array<{ name: string; at: number; pass: GatePass }> = [];
  const call = (name: string) =>
    gate.wait(kind).then((pass) => {
      released.push({ name, at: Date.now(), pass });
      return pass;
    });
  return { released, call };
}

/** `count` calls go out now and pass. */
async function passing(gate: ThrottleGate, count: number, kind = WRITE): Promise<void> {
  for (let i = 0; i < count; i++) gate.answered(await gate.wait(kind));
}

/** Calls at once: three pass, the fourth is throttled for 1 s (a service taking 3 calls a second). */
async function throttledAfterThree(gate: ThrottleGate, kind = WRITE): Promise<void> {
  const passes = await Promise.all([gate.wait(kind), gate.wait(kind), gate.wait(kind), gate.wait(kind)]);
  await jest.advanceTimersByTimeAsync(10);
  gate.answered(passes[3], 1000);
  for (const pass of passes.slice(0, 3)) gate.answered(pass);
}

describe('the throttle gate', () => {
  it('holds every call until the Retry-After, then releases as many as passed within one Retry-After before the 429, the next ones when those are a window old, in order', async () => {
    const gate = createThrottleGate();
    await throttledAfterThree(gate);
    expect(gate.openAt).toBe(1010);
    const { released, call } = callers(gate);
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) void call(name);

    await jest.advanceTimersByTimeAsync(999);
    expect(released).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(released.map((r) => [r.name, r.at])).toEqual([
      ['a', 1010],
      ['b', 1010],
      ['c', 1010],
    ]);
    expect(gate.pace(WRITE)).toEqual({ calls: 3, windowMs: WINDOW });

    await jest.advanceTimersByTimeAsync(WINDOW - 1);
    expect(released).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(1);
    expect(released.slice(3).map((r) => [r.name, r.at])).toEqual([
      ['d', 1010 + WINDOW],
      ['e', 1010 + WINDOW],
      ['f', 1010 + WINDOW],
    ]);
  });

  it('learns nothing from a 429 with fewer than two calls passed before it: the waiting calls go together once the Retry-After has passed', async () => {
    const gate = createThrottleGate();
    await passing(gate, 1);
    gate.answered(await gate.wait(WRITE), 2000);
    const { released, call } = callers(gate);
    for (const name of ['a', 'b', 'c', 'd']) void call(name);
    await jest.advanceTimersByTimeAsync(1999);
    expect(released).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(released.map((r) => r.at)).toEqual([2000, 2000, 2000, 2000]);
    expect(gate.pace(WRITE)).toBeUndefined();
  });

  it('never lets a call go before a Retry-After, even when the pace has room for it', async () => {
    const gate = createThrottleGate();
    await throttledAfterThree(gate);
    await jest.advanceTimersByTimeAsync(1000);
    const first = await gate.wait(WRITE);
    expect(Date.now()).toBe(1010);
    // The pace has room for two more, but the service throttles the first call again, for 5 s.
    gate.answered(first, 5000);
    const { released, call } = callers(gate);
    void call('a');
    void call('b');
    await jest.advanceTimersByTimeAsync(4999);
    expect(released).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(released.map((r) => [r.name, r.at])).toEqual([
      ['a', 6010],
      ['b', 6010],
    ]);
  });

  it('a 429 to a call sent before the round began extends the wait but teaches nothing, and the next round is learned from what passed', async () => {
    const gate = createThrottleGate();
    const early = await gate.wait(WRITE);
    await passing(gate, 2);
    const first = await gate.wait(WRITE);
    gate.answered(first, 1000);
    // Still in flight when the round began: its 429 pushes the Retry-After out, no new round.
    await jest.advanceTimersByTimeAsync(200);
    gate.answered(early, 1000);
    expect(gate.openAt).toBe(1200);
    const { released, call } = callers(gate);
    for (const name of ['a', 'b', 'c']) void call(name);
    await jest.advanceTimersByTimeAsync(1000);
    // Two calls passed within the Retry-After before the round's first 429.
    expect(gate.pace(WRITE)).toEqual({ calls: 2, windowMs: WINDOW });
    expect(released.map((r) => [r.name, r.at])).toEqual([
      ['a', 1200],
      ['b', 1200],
    ]);
    // A 429 while pacing: a new round; one call passed in it, so the pace is halved.
    gate.answered(released[0].pass);
    gate.answered(released[1].pass, 1000);
    // c goes when the Retry-After has passed and a and b are a window old.
    await jest.advanceTimersByTimeAsync(WINDOW - 1);
    expect(released).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(gate.pace(WRITE)).toEqual({ calls: 1, windowMs: WINDOW });
    expect(released.map((r) => [r.name, r.at])).toEqual([
      ['a', 1200],
      ['b', 1200],
      ['c', 1200 + WINDOW],
    ]);
  });

  it('doubles the count after a window of holding calls back without a 429, and stops pacing after ten Retry-Afters (at least 5 s) without one', async () => {
    const gate = createThrottleGate();
    await throttledAfterThree(gate);
    const { released, call } = callers(gate);
    for (let i = 0; i < 14; i++) void call(`c${i}`);
    const releasedBy = async (at: number) => {
      await jest.advanceTimersByTimeAsync(at - Date.now());
      return released.length;
    };
    expect(PACING_GROW_AFTER_WINDOWS).toBe(1);
    expect(await releasedBy(1010)).toBe(3);
    // A window since the pace was learned, calls held back all along: six in the next window.
    expect(await releasedBy(1010 + WINDOW)).toBe(9);
    expect(gate.pace(WRITE)).toEqual({ calls: 6, windowMs: WINDOW });
    expect(await releasedBy(1010 + 2 * WINDOW)).toBe(14);

    // Ten Retry-Afters (1 s) after the 429, no 429 since: pacing ends.
    const ends = 10 + PACING_QUIET_RETRY_AFTERS * 1000;
    await jest.advanceTimersByTimeAsync(ends - 1 - Date.now());
    expect(gate.pace(WRITE)).toBeDefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(gate.pace(WRITE)).toBeUndefined();
    const later = callers(gate);
    for (let i = 0; i < 10; i++) void later.call(`l${i}`);
    await jest.advanceTimersByTimeAsync(0);
    expect(later.released.map((r) => r.at)).toEqual(Array(10).fill(ends));
  });

  it('paces only the kind of call that was throttled, but holds every kind until the Retry-After (Partner Center: one gate)', async () => {
    const gate = createThrottleGate();
    const CREATE = 'POST /v1/customers';
    const ORDER = 'GET /v1/customers/*/orders/*';
    await passing(gate, 5, ORDER);
    await throttledAfterThree(gate, CREATE);
    const creations = callers(gate, CREATE);
    const orders = callers(gate, ORDER);
    for (let i = 0; i < 6; i++) {
      void creations.call(`create${i}`);
      void orders.call(`order${i}`);
    }
    await jest.advanceTimersByTimeAsync(999);
    expect([...creations.released, ...orders.released]).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(creations.released).toHaveLength(3);
    expect(orders.released).toHaveLength(6);
    expect(gate.pace(CREATE)).toEqual({ calls: 3, windowMs: WINDOW });
    expect(gate.pace(ORDER)).toBeUndefined();
  });

  it('a kind of call is its method and path, ids aside', () => {
    const kind = (method: 'GET' | 'HEAD' | 'POST', url: string) => callKind({ method, url });
    expect(kind('GET', 'https://pc.example/partnercenter/v1/customers/6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f/orders/A1B2?x=1')).toBe('GET /partnercenter/v1/customers/*/orders/*');
    expect(kind('HEAD', 'https://pc.example/v1/domains/contoso.onmicrosoft.com')).toBe('HEAD /v1/domains/*');
    expect(kind('POST', 'https://pc.example/v1/customers')).toBe('POST /v1/customers');
  });

  it('an abort ends the wait', async () => {
    const gate = createThrottleGate();
    gate.answered(await gate.wait(WRITE), 60_000);
    const abort = new AbortController();
    let endedAt: number | undefined;
    const waiting = gate.wait(WRITE, abort.signal).then(() => (endedAt = Date.now()));
    await jest.advanceTimersByTimeAsync(100);
    expect(endedAt).toBeUndefined();
    abort.abort();
    await waiting;
    expect(endedAt).toBe(100);
  });

  it('ARM: a pace learned from writes holds writes only; reads, writes and deletes each have a gate', async () => {
    const gates = createArmThrottleGates();
    const writes = gates({ method: 'PUT' });
    expect(gates({ method: 'POST' })).toBe(writes);
    expect(gates({ method: 'HEAD' })).toBe(gates({ method: 'GET' }));
    expect(gates({ method: 'DELETE' })).not.toBe(writes);
    expect(gates({ method: 'GET' })).not.toBe(writes);
    await throttledAfterThree(writes);
    await jest.advanceTimersByTimeAsync(1000);
    await passing(writes, 3);
    expect(writes.pace(WRITE)).toEqual({ calls: 3, windowMs: WINDOW });
    const reads = callers(gates({ method: 'GET' }));
    for (let i = 0; i < 10; i++) void reads.call(`r${i}`);
    await jest.advanceTimersByTimeAsync(0);
    expect(reads.released).toHaveLength(10);
    expect(gates({ method: 'GET' }).pace(WRITE)).toBeUndefined();
  });
});
