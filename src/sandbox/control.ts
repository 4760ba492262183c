// The control surface over HTTP (/_sandbox/…) for tests that run the bot in another process:
// read the state, switch faults on, hold requests, seed stories. Loopback only, no auth.
import type { FaultRule, FaultRegistry, HoldRegistry, RecordedRequest } from './faults';
import { json, empty, jsonBody, route, type Reply, type Route } from './http';
import { BILLING_MODELS, type SandboxBillingModel, type SeedCustomerInput, type SeededCustomer, type SeedRegistrationInput, type ReconcileScenario } from './seed';
import { consentDirectory, findStamp, seedStampSubscription, stampPortalData } from './stamp';
import { findRegistration, type SandboxDelays, type SandboxState } from './state';

/** What a test may seed into the simulated cloud, in process (the Sandbox) and over HTTP (/_sandbox/seed/…). */
export interface SandboxSeeding {
  seedCustomer(input: SeedCustomerInput): SeededCustomer;
  seedMappings(registrationId: string, count: number): SeededCustomer[];
  /** One more registration (e.g. a `Development` one) beside the seeded four; returns its resource id. Not in `env.REGISTRATIONS`. */
  seedRegistration(input: SeedRegistrationInput): string;
  /** Defaults: the two approved pay-as-you-use registrations. */
  seedReconcileScenario(options?: { first?: string; second?: string }): ReconcileScenario;
  /** A user in a directory (default: the partner's). Returns the object id. */
  seedUser(input: { tenantId?: string; displayName: string; mail: string; userType?: 'Member' | 'Guest' }): string;
  addGroupMember(groupId: string, memberId: string): void;
  setDelays(delays: Partial<SandboxDelays>): SandboxDelays;
}

export interface ControlContext extends SandboxSeeding {
  state: SandboxState;
  faults: FaultRegistry;
  holds: HoldRegistry;
  requests: RecordedRequest[];
  describe(): Record<string, unknown>;
  resourceById(id: string): unknown;
  /** The simulated Partner Center's agreement page: read a customer, confirm its agreement by hand. */
  agreementPage: { read(customerId: string): Reply; confirm(customerId: string, body: unknown): Reply };
}

const bad = (message: string): Reply => json(400, { error: message });
const notFound = (message: string): Reply => json(404, { error: message });

/** A FaultRule as JSON: `path` is a string or `{ "regex": "…", "flags": "i" }`. */
function faultFromJson(body: unknown): FaultRule | string {
  if (!body || typeof body !== 'object') return 'Send a FaultRule as JSON.';
  const raw = body as Record<string, unknown> & { path?: unknown };
  let path: string | RegExp;
  if (typeof raw.path === 'string') path = raw.path;
  else if (raw.path && typeof raw.path === 'object' && typeof (raw.path as { regex?: unknown }).regex === 'string') {
    const { regex, flags } = raw.path as { regex: string; flags?: string };
    path = new RegExp(regex, typeof flags === 'string' ? flags : '');
  } else return 'path must be a string or {"regex": "…"}.';
  if (!['status', 'latency', 'drop', 'timeout', 'rate'].includes(String(raw.kind))) return 'kind must be status, latency, drop, timeout or rate.';
  const times = raw.times === null || raw.times === 'Infinity' ? Infinity : (raw.times as number | undefined);
  return { ...(raw as unknown as FaultRule), path, times };
}

async function waitForArrival(arrived: Promise<RecordedRequest>, timeoutMs: number | undefined): Promise<Reply> {
  if (timeoutMs === undefined) return json(200, await arrived);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
  const result = await Promise.race([arrived, timeout]);
  clearTimeout(timer);
  return result ? json(200, result) : json(408, { error: 'The held request has not arrived yet.' });
}

export function controlRoutes(ctx: ControlContext): Route[] {
  const body = (req: Parameters<Route['handle']>[0]) => (jsonBody(req) ?? {}) as Record<string, unknown>;
  return [
    route('GET', /^\/_sandbox\/state$/, () => json(200, ctx.describe())),
    route('GET', /^\/_sandbox\/requests$/, () => json(200, ctx.requests)),
    route('GET', /^\/_sandbox\/resource$/, (req) => {
      const resource = ctx.resourceById(req.query.get('id') ?? '');
      return resource ? json(200, resource) : notFound('No such resource.');
    }),
    route('GET', /^\/_sandbox\/faults$/, () => json(200, ctx.faults.list().map((f) => ({ ...f, path: String(f.path) })))),
    route('POST', /^\/_sandbox\/faults$/, (req) => {
      const rule = faultFromJson(jsonBody(req));
      if (typeof rule === 'string') return bad(rule);
      try {
        return json(201, { id: ctx.faults.add(rule) });
      } catch (e) {
        return bad((e as Error).message);
      }
    }),
    route('DELETE', /^\/_sandbox\/faults$/, () => (ctx.faults.clear(), empty(204))),
    route('DELETE', /^\/_sandbox\/faults\/([^/]+)$/, (_req, [id]) => (ctx.faults.remove(id), empty(204))),
    route('POST', /^\/_sandbox\/holds$/, (req) => {
      const rule = faultFromJson({ ...body(req), kind: 'timeout' });
      if (typeof rule === 'string') return bad(rule);
      return json(201, { id: ctx.holds.add({ method: rule.method, path: rule.path }).id });
    }),
    route('GET', /^\/_sandbox\/holds\/([^/]+)\/arrived$/, (req, [id]) => {
      const hold = ctx.holds.get(id);
      if (!hold) return notFound(`No hold ${id}.`);
      const timeout = req.query.get('timeoutMs');
      return waitForArrival(hold.arrived, timeout === null ? undefined : Number(timeout));
    }),
    route('POST', /^\/_sandbox\/holds\/([^/]+)\/release$/, (_req, [id]) => {
      const hold = ctx.holds.get(id);
      if (!hold) return notFound(`No hold ${id}.`);
      hold.release();
      return empty(204);
    }),
    route('DELETE', /^\/_sandbox\/holds$/, () => (ctx.holds.releaseAll(), empty(204))),
    route('POST', /^\/_sandbox\/seed\/customer$/, (req) => {
      const input = body(req) as unknown as SeedCustomerInput;
      if (typeof input.companyName !== 'string' || typeof input.domain !== 'string') return bad('companyName and domain are required.');
      return json(201, ctx.seedCustomer(input));
    }),
    route('POST', /^\/_sandbox\/seed\/mappings$/, (req) => {
      const { registrationId, count } = body(req);
      if (typeof registrationId !== 'string' || !findRegistration(ctx.state, registrationId)) return bad('registrationId must be a known registration.');
      if (typeof count !== 'number' || count < 0 || count > 100_000) return bad('count must be a number from 0 to 100000.');
      return json(201, ctx.seedMappings(registrationId, count));
    }),
    route('POST', /^\/_sandbox\/seed\/registration$/, (req) => {
      const { name, billingModel, approvedForMultiTenancy } = body(req);
      if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,89}$/.test(name)) return bad('name must be a registration name (letters, digits, - _ .).');
      if (!BILLING_MODELS.includes(billingModel as SandboxBillingModel)) return bad(`billingModel must be one of ${BILLING_MODELS.join(', ')}.`);
      if (approvedForMultiTenancy !== undefined && typeof approvedForMultiTenancy !== 'boolean') return bad('approvedForMultiTenancy must be true or false.');
      return json(201, { id: ctx.seedRegistration({ name, billingModel: billingModel as SandboxBillingModel, approvedForMultiTenancy }) });
    }),
    route('POST', /^\/_sandbox\/seed\/reconcile$/, (req) => json(201, ctx.seedReconcileScenario(body(req) as { first?: string; second?: string }))),
    route('POST', /^\/_sandbox\/seed\/user$/, (req) => {
      const input = body(req) as { tenantId?: string; displayName: string; mail: string; userType?: 'Member' | 'Guest' };
      if (typeof input.displayName !== 'string' || typeof input.mail !== 'string') return bad('displayName and mail are required.');
      return json(201, { objectId: ctx.seedUser(input) });
    }),
    route('POST', /^\/_sandbox\/seed\/group-member$/, (req) => {
      const { groupId, memberId } = body(req);
      if (typeof groupId !== 'string' || typeof memberId !== 'string') return bad('groupId and memberId are required.');
      try {
        ctx.addGroupMember(groupId, memberId);
      } catch (e) {
        return notFound((e as Error).message);
      }
      return empty(204);
    }),
    route('POST', /^\/_sandbox\/delays$/, (req) => json(200, ctx.setDelays(body(req) as Partial<SandboxDelays>))),
    route('PATCH', /^\/_sandbox\/registrations$/, (req) => {
      const { id, ...patch } = body(req);
      const registration = typeof id === 'string' ? findRegistration(ctx.state, id) : undefined;
      if (!registration) return notFound('No such registration.');
      if ('billingModel' in patch && !BILLING_MODELS.includes(patch.billingModel as SandboxBillingModel)) return bad(`billingModel must be one of ${BILLING_MODELS.join(', ')}.`);
      const allowed = ['emptyBodyOnPut', 'pageSize', 'approvedForMultiTenancy', 'billingModel'] as const;
      for (const key of allowed) if (key in patch) (registration as unknown as Record<string, unknown>)[key] = patch[key];
      return json(200, registration);
    }),
    route('PATCH', /^\/_sandbox\/entitlements\/([^/]+)$/, (req, [id]) => {
      const entitlement = ctx.state.entitlements[id.toLowerCase()];
      if (!entitlement) return notFound(`No Azure subscription ${id}.`);
      const { status } = body(req);
      if (!['pending', 'active', 'disabled', 'deleted'].includes(String(status))) return bad('status must be pending, active, disabled or deleted.');
      entitlement.status = status as typeof entitlement.status;
      return json(200, entitlement);
    }),
    route('GET', /^\/_sandbox\/customers\/([^/]+)\/agreement$/, (_req, [id]) => ctx.agreementPage.read(id)),
    route('POST', /^\/_sandbox\/customers\/([^/]+)\/agreement$/, (req, [id]) => ctx.agreementPage.confirm(id, body(req))),
    route('GET', /^\/_sandbox\/stamps\/([^/]+)$/, (_req, [name]) => {
      const data = stampPortalData(ctx.state, name);
      return data ? json(200, data) : notFound(`No stamp ${name}.`);
    }),
    route('POST', /^\/_sandbox\/stamps\/([^/]+)\/consent$/, (req, [name]) => {
      const { directory } = body(req);
      if (typeof directory !== 'string' || directory.trim() === '') return bad('directory (the domain or tenant id) is required.');
      if (!findStamp(ctx.state, name)) return notFound(`No stamp ${name}.`);
      try {
        return json(200, consentDirectory(ctx.state, name, directory.trim()));
      } catch (e) {
        return json(409, { error: (e as Error).message });
      }
    }),
    route('PATCH', /^\/_sandbox\/stamps\/([^/]+)\/subscriptions\/([^/]+)$/, (req, [name, id]) => {
      const sub = findStamp(ctx.state, name)?.subscriptions[id.toLowerCase()];
      if (!sub) return notFound(`No user subscription ${id} on ${name}.`);
      const { resourceCount } = body(req);
      if (typeof resourceCount !== 'number' || !Number.isInteger(resourceCount) || resourceCount < 0) return bad('resourceCount must be a whole number.');
      sub.resourceCount = resourceCount;
      return json(200, sub);
    }),
    route('POST', /^\/_sandbox\/seed\/stamp-subscription$/, (req) => {
      const input = body(req) as Parameters<typeof seedStampSubscription>[1];
      if (typeof input.stamp !== 'string' || typeof input.tenantId !== 'string' || typeof input.domain !== 'string' || typeof input.owner !== 'string') {
        return bad('stamp, tenantId, domain and owner are required.');
      }
      try {
        return json(201, seedStampSubscription(ctx.state, input));
      } catch (e) {
        return bad((e as Error).message);
      }
    }),
    route('DELETE', /^\/_sandbox\/customers\/([^/]+)$/, (_req, [id]) => {
      if (!ctx.state.customers[id.toLowerCase()]) return notFound(`No customer ${id}.`);
      delete ctx.state.customers[id.toLowerCase()];
      return empty(204);
    }),
  ];
}
