// One service's throttling, shared by every call the process makes to it (issue 16): when Partner
// Center or ARM answers 429 (or 503) with Retry-After, every call to that service waits until then,
// not only the throttled one. Without it, the rows of a bulk onboarding (BULK_CONCURRENCY at a
// time) would each learn of the limit by being throttled themselves, and keep the service throttling.
// The policy sits inside the SDK's retry policy, so the SDK's own retry of the throttled call waits
// on the gate too; a Retry-After is never cut short. After it, the gate paces the throttled kind of
// call at the rate the service showed instead of letting every waiting call go at once (below).
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import { parseRetryAfter } from '../http/retryAfter';

/** What a wait needs of an abort signal (the DOM's AbortSignal and the Azure SDK's AbortSignalLike both have it). */
export interface AbortSignalish {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A call the gate let through: of which kind, when, and in which throttling round (see `answered`). */
export interface GatePass {
  readonly kind: string;
  readonly round: number;
  readonly sentAt: number;
}

/** While pacing a kind of call: at most `calls` of them in any `windowMs`. */
export interface Pace {
  calls: number;
  windowMs: number;
}

export interface ThrottleGate {
  /**
   * Resolves once the service's last Retry-After has passed (at once when none is pending) and,
   * while the gate paces this kind of call, when its turn comes; an abort ends the wait.
   */
  wait(kind: string, signal?: AbortSignalish): Promise<GatePass>;
  /** The service's answer to a call the gate let through: passed, or throttled with this Retry-After (ms). */
  answered(pass: GatePass, throttledForMs?: number): void;
  /** When the gate opens again (epoch ms; 0 or in the past: open). */
  readonly openAt: number;
  /** How a kind of call is paced; undefined when such calls go out as they come. */
  pace(kind: string): Pace | undefined;
}

/** A Retry-After longer than this is not believed for everyone (the throttled call itself still honours it). */
const MAX_SHARED_WAIT_MS = 5 * 60_000;
/** The pacing window is this much longer than the Retry-After it was learned from, so that the service's window is never found full. */
export const PACING_SLACK = 1.05;
/** A 429 teaches a pace only when at least this many calls of its kind passed within the Retry-After before it. */
export const PACING_MIN_CALLS = 2;
/** While pacing holds calls back, the count doubles after this many windows without a 429 (the service may take more than it showed). */
export const PACING_GROW_AFTER_WINDOWS = 1;
/** Pacing ends after this many Retry-Afters without a 429 (and not before PACING_QUIET_MIN_MS). */
export const PACING_QUIET_RETRY_AFTERS = 10;
export const PACING_QUIET_MIN_MS = 5_000;

interface Pacer extends Pace {
  /** When the calls of the last window went out. */
  released: number[];
  /** When the pace was learned or grown: it grows only after windows of holding calls back since. */
  changedAt: number;
  /** Pacing ends then unless another 429 comes. */
  endsAt: number;
}

/**
 * A gate that holds every call until the service's last Retry-After has passed, and then paces.
 *
 * Why pace: a service that takes N calls per window answers the calls over N with 429 and a
 * Retry-After. Released all together once it has passed, N go through and the rest are throttled
 * again, round after round, each round costing a round trip and often more Retry-After than the
 * window needed (ARM took 8.4–8.8 writes a second against a limit of 10, docs/performance.md). So
 * a 429 teaches the gate the service's rate for that kind of call (method and path, ids aside:
 * Partner Center throttles a list of its APIs, each with its own limit; ARM a bucket per operation
 * type, and the writes of one client are mostly one kind): the calls of that kind sent within one Retry-After
 * before the 429 that passed are what the service takes in one Retry-After. Once the Retry-After
 * has passed, the gate lets at most that many calls of the kind go in any window a little longer
 * than the Retry-After (PACING_SLACK): the service's window has emptied, so they go at once, and
 * the next ones when the first of them is a window old. The lesson is read at that release, not at
 * the 429: the answers of calls that passed just before it are still arriving then. Every kind
 * waits for every Retry-After (one gate); only the throttled kind is paced.
 *
 * A 429 while pacing teaches again (the window counts what really passed; fewer than two: half the
 * count). A single call that passed before a 429 teaches nothing. A count of calls, not
 * a rate, may have made the service refuse (Partner Center does not publish its limits): so while
 * the gate holds calls back and no 429 has come for PACING_GROW_AFTER_WINDOWS window(s), it doubles
 * the count (a 429 then teaches again), and after ten Retry-Afters (at least 5 s) without a 429 it stops pacing the kind.
 *
 * A round is the calls sent between two 429s: a 429 to a call sent in the current round starts the
 * next one and teaches; a 429 to a call sent before it (in flight when the round began) only
 * extends the Retry-After.
 */
export function createThrottleGate(now: () => number = () => Date.now()): ThrottleGate {
  let openAt = 0;
  let round = 0;
  /** Per kind of call: when the calls that passed were sent, over the last MAX_SHARED_WAIT_MS. */
  const passed = new Map<string, number[]>();
  /** What the round's first 429 teaches at the next release: the calls of its kind sent within one Retry-After before it that passed. */
  let lesson: { kind: string; from: number; to: number; retryAfterMs: number } | undefined;
  const pacers = new Map<string, Pacer>();

  const pacerOf = (kind: string) => {
    const pacer = pacers.get(kind);
    if (pacer && now() >= pacer.endsAt) pacers.delete(kind);
    return pacers.get(kind);
  };
  const learn = ({ kind, from, to, retryAfterMs }: NonNullable<typeof lesson>) => {
    if (retryAfterMs === 0) return;
    const count = (passed.get(kind) ?? []).filter((at) => at >= from && at <= to).length;
    const pacing = pacerOf(kind);
    // One call in a Retry-After says nothing of a rate (another client may share the service's bucket); while
    // pacing, though, a 429 means the pace was too fast.
    const calls = count >= PACING_MIN_CALLS ? count : pacing ? Math.max(1, Math.floor(pacing.calls / 2)) : undefined;
    if (calls === undefined) return;
    const quietMs = Math.max(PACING_QUIET_MIN_MS, PACING_QUIET_RETRY_AFTERS * retryAfterMs);
    pacers.set(kind, { calls, windowMs: retryAfterMs * PACING_SLACK, released: [], changedAt: now(), endsAt: to + quietMs });
  };

  return {
    get openAt() {
      return openAt;
    },
    pace(kind) {
      const pacer = pacerOf(kind);
      return pacer && { calls: pacer.calls, windowMs: pacer.windowMs };
    },
    answered(pass, throttledForMs) {
      const at = now();
      if (throttledForMs === undefined) {
        const sent = passed.get(pass.kind) ?? [];
        passed.set(pass.kind, sent);
        sent.push(pass.sentAt);
        while (sent.length > 0 && sent[0] < at - MAX_SHARED_WAIT_MS) sent.shift();
        return;
      }
      // The service asked everyone to wait this long from now.
      const retryAfterMs = Math.min(Math.max(0, throttledForMs), MAX_SHARED_WAIT_MS);
      openAt = Math.max(openAt, at + retryAfterMs);
      if (pass.round !== round) return;
      round++;
      lesson = { kind: pass.kind, from: at - retryAfterMs, to: at, retryAfterMs };
    },
    async wait(kind, signal) {
      while (!signal?.aborted) {
        if (openAt > now()) {
          await sleep(openAt - now(), signal);
          continue;
        }
        if (lesson) {
          learn(lesson);
          lesson = undefined;
        }
        const pacer = pacerOf(kind);
        if (!pacer) break;
        const t = now();
        pacer.released = pacer.released.filter((at) => at > t - pacer.windowMs);
        if (pacer.released.length < pacer.calls) {
          pacer.released.push(t);
          break;
        }
        if (t - pacer.changedAt >= PACING_GROW_AFTER_WINDOWS * pacer.windowMs) {
          pacer.calls *= 2;
          pacer.changedAt = t;
          continue;
        }
        // The next place frees when the oldest release still counted is a window old.
        await sleep(pacer.released[pacer.released.length - pacer.calls] + pacer.windowMs - t, signal);
      }
      return { kind, round, sentAt: now() };
    },
  };
}

/** A kind of call, for pacing: the method and the path with every segment that looks like an id (two digits, a dot or an escape in it) as `*`. */
export function callKind(request: Pick<PipelineRequest, 'method' | 'url'>): string {
  const path = new URL(request.url).pathname
    .split('/')
    .map((segment) => (/\d.*\d|[.%]/.test(segment) ? '*' : segment))
    .join('/');
  return `${request.method.toUpperCase()} ${path}`;
}

function sleep(delay: number, signal?: AbortSignalish): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, delay);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/** Which gate a request waits on, when a service throttles some kinds of calls apart from others. */
export type ThrottleGateFor = (request: Pick<PipelineRequest, 'method'>) => ThrottleGate;

/**
 * ARM's limits are a token bucket per subscription, principal and operation type: reads, writes and
 * deletes each have their own (docs/reference/arm-and-azure-stack.md, ARM-0). A throttled PUT says
 * nothing about a GET, so a 429 closes only the gate of its own kind; a read waiting on a write's
 * Retry-After would be held longer than the service asked.
 */
export function createArmThrottleGates(now?: () => number): ThrottleGateFor {
  const reads = createThrottleGate(now);
  const writes = createThrottleGate(now);
  const deletes = createThrottleGate(now);
  return (request) => {
    const method = request.method.toUpperCase();
    if (method === 'GET' || method === 'HEAD') return reads;
    return method === 'DELETE' ? deletes : writes;
  };
}

export const SHARED_THROTTLE_POLICY = 'sharedThrottlePolicy';

/** Waits on the gate before each attempt and tells it each answer (a throttled one closes it). Add it after the Retry phase. */
export function sharedThrottlePolicy(gates: ThrottleGate | ThrottleGateFor, kindOf: (request: PipelineRequest) => string = callKind): PipelinePolicy {
  return {
    name: SHARED_THROTTLE_POLICY,
    async sendRequest(request, next) {
      const gate = typeof gates === 'function' ? gates(request) : gates;
      const pass = await gate.wait(kindOf(request), request.abortSignal);
      const response = await next(request);
      if (response.status === 429 || response.status === 503) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        // A 503 without Retry-After says nothing of the service's rate: neither passed nor throttled.
        if (retryAfterMs !== undefined) gate.answered(pass, retryAfterMs);
      } else {
        gate.answered(pass);
      }
      return response;
    },
  };
}
