// Faults and holds: how tests make the simulated cloud misbehave (throttle, fail, hang, drop) and
// how crash tests freeze a request mid-flight to kill the bot while its write is in the air.
import { randomUUID } from 'crypto';

export type PathMatcher = string | RegExp;

export interface FaultRule {
  method?: string;
  /** Matched against the full request path incl. the service prefix, e.g. /partnercenter/v1/customers. */
  path: PathMatcher;
  /** `rate`: at most `perSecond` matching requests in any second; the others get 429 with the Retry-After until a place frees (a service's throttling). */
  kind: 'status' | 'latency' | 'drop' | 'timeout' | 'rate';
  /** For `rate`: how many matching requests a second go through. */
  perSecond?: number;
  /**
   * For `rate`: whose requests share the `perSecond`. `all` (default): every matching request.
   * `subscription`: each Azure subscription its own (the `/subscriptions/{id}/` in the path), as ARM
   * keeps a bucket per subscription, principal and kind of operation (src/sandbox/README.md).
   */
  per?: 'all' | 'subscription';
  status?: 429 | 500 | 502 | 503 | 504;
  retryAfterSeconds?: number;
  latencyMs?: number;
  /** How many requests it applies to; default 1, Infinity allowed. */
  times?: number;
  /** 'after' performs the request (the write happens), then fails the response. Default 'before'. */
  when?: 'before' | 'after';
}

export interface ActiveFault extends FaultRule {
  id: string;
  remaining: number;
  /** For `rate`: when the requests of the last second went through, per bucket (`per`). */
  passed?: Map<string, number[]>;
}

export interface RecordedRequest {
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: { 'ms-requestid'?: string; 'ms-correlationid'?: string; authorization?: 'present' };
  /** 0 while in flight, and for requests that never got an answer (drop, timeout). */
  status: number;
  service: 'entra' | 'partnercenter' | 'graph' | 'arm' | 'stamp' | 'control';
}

export interface Hold {
  id: string;
  arrived: Promise<RecordedRequest>;
  release(): void;
}

function matches(rule: { method?: string; path: PathMatcher }, method: string, path: string): boolean {
  if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false;
  if (typeof rule.path === 'string') return rule.path === path;
  rule.path.lastIndex = 0;
  return rule.path.test(path);
}

/** The bucket a request counts against under a `rate` rule: one for all, or its subscription's. */
function bucketOf(rule: FaultRule, path: string): string {
  if (rule.per !== 'subscription') return '';
  return /\/subscriptions\/([^/]+)/i.exec(path)?.[1]?.toLowerCase() ?? '';
}

export class FaultRegistry {
  private rules: ActiveFault[] = [];

  add(rule: FaultRule): string {
    if (rule.kind === 'status' && !rule.status) throw new Error("A 'status' fault needs a status (429, 500, 502, 503 or 504).");
    if (rule.kind === 'rate' && !(Number(rule.perSecond) >= 1)) throw new Error("A 'rate' fault needs perSecond (1 or more).");
    if (rule.kind === 'rate' && rule.per !== undefined && !['all', 'subscription'].includes(rule.per)) throw new Error("A 'rate' fault's per is 'all' or 'subscription'.");
    const id = randomUUID();
    this.rules.push({ ...rule, id, remaining: rule.times ?? 1 });
    return id;
  }

  remove(id: string): void {
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map(({ passed: _passed, ...r }) => ({ ...r }));
  }

  /** The first matching fault, consumed once; a `rate` rule lets a request through or answers it 429 (never consumed). */
  take(method: string, path: string, now = Date.now()): ActiveFault | undefined {
    for (const rate of this.rules.filter((r) => r.kind === 'rate' && matches(r, method, path))) {
      const buckets = (rate.passed ??= new Map<string, number[]>());
      const bucket = bucketOf(rate, path);
      const passed = (buckets.get(bucket) ?? []).filter((at) => at > now - 1000);
      buckets.set(bucket, passed);
      if (passed.length < rate.perSecond!) {
        passed.push(now);
        continue;
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((passed[0] + 1000 - now) / 1000));
      return { ...rate, kind: 'status', status: 429, retryAfterSeconds };
    }
    const rule = this.rules.find((r) => r.kind !== 'rate' && r.remaining > 0 && matches(r, method, path));
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.remove(rule.id);
    return rule;
  }
}

interface PendingHold {
  id: string;
  method?: string;
  path: PathMatcher;
  used: boolean;
  arrive(request: RecordedRequest): void;
  released: Promise<void>;
  release(): void;
  arrived: Promise<RecordedRequest>;
}

export class HoldRegistry {
  private holds = new Map<string, PendingHold>();

  add(rule: { method?: string; path: PathMatcher }): Hold {
    const id = randomUUID();
    let arrive!: (r: RecordedRequest) => void;
    let release!: () => void;
    const arrived = new Promise<RecordedRequest>((resolve) => (arrive = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold: PendingHold = { id, method: rule.method, path: rule.path, used: false, arrive, released, release, arrived };
    this.holds.set(id, hold);
    return { id, arrived, release };
  }

  get(id: string): Hold | undefined {
    const hold = this.holds.get(id);
    return hold && { id, arrived: hold.arrived, release: hold.release };
  }

  /** Waits while a hold catches this request; each hold catches one request. */
  async wait(request: RecordedRequest): Promise<void> {
    const hold = [...this.holds.values()].find((h) => !h.used && matches(h, request.method, request.path));
    if (!hold) return;
    hold.used = true;
    hold.arrive(request);
    await hold.released;
  }

  releaseAll(): void {
    for (const hold of this.holds.values()) hold.release();
    this.holds.clear();
  }
}
