// One service's throttling, shared by every call the process makes to it (issue 16): when Partner
// Center or ARM answers 429 (or 503) with Retry-After, every call to that service waits until then,
// not only the throttled one. Without it, the rows of a bulk onboarding (BULK_CONCURRENCY at a
// time) would each learn of the limit by being throttled themselves, and keep the service throttling.
// The policy sits inside the SDK's retry policy, so the SDK's own retry of the throttled call waits
// on the gate too; a Retry-After is never cut short.
import type { PipelinePolicy, PipelineRequest } from '@azure/core-rest-pipeline';
import { parseRetryAfter } from '../http/retryAfter';

/** What a wait needs of an abort signal (the DOM's AbortSignal and the Azure SDK's AbortSignalLike both have it). */
export interface AbortSignalish {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface ThrottleGate {
  /** Resolves once the service's last Retry-After has passed (at once when none is pending); an abort ends the wait. */
  wait(signal?: AbortSignalish): Promise<void>;
  /** The service asked everyone to wait this long from now. */
  close(retryAfterMs: number): void;
  /** When the gate opens again (epoch ms; 0 or in the past: open). */
  readonly openAt: number;
}

/** A Retry-After longer than this is not believed for everyone (the throttled call itself still honours it). */
const MAX_SHARED_WAIT_MS = 5 * 60_000;

export function createThrottleGate(now: () => number = () => Date.now()): ThrottleGate {
  let openAt = 0;
  return {
    get openAt() {
      return openAt;
    },
    close(retryAfterMs) {
      openAt = Math.max(openAt, now() + Math.min(Math.max(0, retryAfterMs), MAX_SHARED_WAIT_MS));
    },
    async wait(signal) {
      for (let delay = openAt - now(); delay > 0 && !signal?.aborted; delay = openAt - now()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, delay);
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve();
          }
          signal?.addEventListener('abort', done);
        });
      }
    },
  };
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

/** Waits on the gate before each attempt and closes it on a throttled answer. Add it after the Retry phase. */
export function sharedThrottlePolicy(gates: ThrottleGate | ThrottleGateFor): PipelinePolicy {
  return {
    name: SHARED_THROTTLE_POLICY,
    async sendRequest(request, next) {
      const gate = typeof gates === 'function' ? gates(request) : gates;
      await gate.wait(request.abortSignal);
      const response = await next(request);
      if (response.status === 429 || response.status === 503) {
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        if (retryAfterMs !== undefined) gate.close(retryAfterMs);
      }
      return response;
    },
  };
}
