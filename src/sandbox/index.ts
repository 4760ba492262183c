// The simulated cloud: one HTTPS server on loopback that plays Entra ID (root), Partner Center
// (/partnercenter), Microsoft Graph (/graph) and Azure Resource Manager (/arm), with state, delays,
// faults and holds that tests control. It imports nothing of the bot: it stands in for Microsoft.
import * as https from 'https';
import type { IncomingMessage, ServerResponse } from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { randomBytes, randomUUID } from 'crypto';
import { ensureSandboxCa, serverCertificateFor } from './ca';
import { armRoutes, mappingBody, registrationBody } from './arm';
import { authenticate } from './auth';
import { controlRoutes } from './control';
import { entraRoutes } from './entra';
import { FaultRegistry, HoldRegistry, type ActiveFault, type FaultRule, type Hold, type RecordedRequest } from './faults';
import { graphRoutes } from './graph';
import { BadJson, findRoute, json, serviceFailure, armRateLimitHeaders, armError, graphError, pcError, entraError, type ApiRequest, type Reply, type Route, type Service } from './http';
import { partnerCenterRoutes } from './partnerCenter';
import { PORTAL_HTML } from './portal';
import {
  addGroupMember,
  seedCustomer,
  seedMappings,
  seedPartner,
  seedReconcileScenario,
  seedUser,
  type ReconcileScenario,
  type SeedCustomerInput,
  type SeededCustomer,
  type SeededPartner,
} from './seed';
import { DEFAULT_DELAYS, createState, findRegistration, type SandboxDelays, type SandboxState } from './state';
import { TokenSigner } from './tokens';

export type { FaultRule, Hold, RecordedRequest } from './faults';
export type { SandboxDelays, SandboxState, SandboxCounts } from './state';
export type { SeedCustomerInput, SeededCustomer, ReconcileScenario, SeededRegistrations } from './seed';
export { ensureSandboxCa } from './ca';

export interface SandboxOptions {
  /** 0 = a free port (default). */
  port?: number;
  /** Where the CA lives (default `.sandbox`, relative to the working directory). */
  caDir?: string;
  delays?: Partial<SandboxDelays>;
  /** Demo customers (Contoso, Fabrikam, Northwind). Registrations and approvers are always there. Default true. */
  seed?: boolean;
  /** Lifetime of issued access tokens (default 3600 s). */
  tokenLifetimeSeconds?: number;
}

export interface Sandbox {
  /** https://127.0.0.1:PORT */
  url: string;
  /** The ten variables a bot needs to use this as its cloud. */
  env: Record<string, string>;
  state: SandboxState;
  faults: { add(rule: FaultRule): string; remove(id: string): void; clear(): void };
  holds: { add(rule: { method?: string; path: string | RegExp }): Hold };
  requests: RecordedRequest[];
  /** Redeemable at the token endpoint (grant_type=refresh_token) for a delegated Partner Center token. */
  delegatedRefreshToken: string;
  partnerTenantId: string;
  clientId: string;
  clientSecret: string;
  /** Resource ids of the seeded registrations. */
  registrations: SeededPartner['registrations'];
  /** The partner tenant's approvers group (Adele directly, Nestor through a nested group). */
  approverGroupId: string;
  /** Object ids of seeded partner users; `partnerAdmin` is who the delegated token stands for. */
  users: SeededPartner['users'] & { partnerAdmin: string };
  seedCustomer(input: SeedCustomerInput): SeededCustomer;
  seedMappings(registrationId: string, count: number): SeededCustomer[];
  /** Defaults: the two approved pay-as-you-use registrations. */
  seedReconcileScenario(options?: { first?: string; second?: string }): ReconcileScenario;
  /** A user in a directory (default: the partner's). Returns the object id. */
  seedUser(input: { tenantId?: string; displayName: string; mail: string; userType?: 'Member' | 'Guest' }): string;
  addGroupMember(groupId: string, memberId: string): void;
  setDelays(delays: Partial<SandboxDelays>): SandboxDelays;
  close(): Promise<void>;
}

const PARTNER_TENANT_ID = '7c2f1d3e-4b5a-4c6d-9e8f-0a1b2c3d4e5f';
const CLIENT_ID = '3f9a8b7c-6d5e-4f3a-8b2c-1d0e9f8a7b6c';
const MAX_RECORDED = 20_000;
const PREFIXES: Array<[string, Service]> = [
  ['/_sandbox', 'control'],
  ['/partnercenter', 'partnercenter'],
  ['/graph', 'graph'],
  ['/arm', 'arm'],
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function serviceOf(fullPath: string): { service: Service; inner: string } {
  for (const [prefix, service] of PREFIXES) {
    if (fullPath === prefix || fullPath.startsWith(`${prefix}/`)) {
      return { service, inner: service === 'control' ? fullPath : fullPath.slice(prefix.length) || '/' };
    }
  }
  return { service: 'entra', inner: fullPath };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function notFoundFor(service: Service, method: string, path: string, allowed: string[]): Reply {
  const status = allowed.length > 0 ? 405 : 404;
  const what = status === 405 ? `The requested resource does not support http method '${method}'.` : `No route for ${method} ${path}.`;
  switch (service) {
    case 'arm':
      return armError(status, status === 405 ? 'MethodNotAllowed' : 'NotFound', what);
    case 'graph':
      return graphError(status, status === 405 ? 'Request_BadRequest' : 'BadRequest', `Resource not found for the segment '${path.split('/').pop()}'.`);
    case 'partnercenter':
      return pcError(status, status, what);
    case 'entra':
      return entraError(status, 'invalid_request', 90002, what);
    default:
      return json(status, { error: what });
  }
}

/** Response headers each service adds: Partner Center echoes its ids, ARM reports its quota. */
function serviceHeaders(service: Service, req: IncomingMessage): Record<string, string> {
  const h = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  switch (service) {
    case 'partnercenter':
      return {
        'MS-RequestId': h('ms-requestid') ?? randomUUID(),
        'MS-CorrelationId': h('ms-correlationid') ?? randomUUID(),
        'MS-CV': `${randomBytes(12).toString('base64')}.0`,
        'MS-ServerId': '000001',
      };
    case 'arm':
      return {
        'x-ms-request-id': randomUUID(),
        'x-ms-correlation-request-id': h('x-ms-correlation-request-id') ?? randomUUID(),
        ...(h('x-ms-client-request-id') ? { 'x-ms-client-request-id': h('x-ms-client-request-id')! } : {}),
        ...armRateLimitHeaders(11999),
      };
    case 'graph':
      return { 'request-id': randomUUID(), 'client-request-id': h('client-request-id') ?? randomUUID() };
    default:
      return {};
  }
}

function send(res: ServerResponse, reply: Reply, extraHeaders: Record<string, string>, service: Service): void {
  if (res.destroyed || res.writableEnded) return;
  const headers: Record<string, string> = { Date: new Date().toUTCString(), ...extraHeaders, ...reply.headers };
  let payload: Buffer | undefined;
  if (typeof reply.body === 'string') {
    payload = Buffer.from(reply.body);
    headers['Content-Type'] = reply.contentType ?? 'text/plain; charset=utf-8';
  } else if (reply.body !== undefined) {
    payload = Buffer.from(JSON.stringify(reply.body));
    headers['Content-Type'] =
      service === 'graph' ? 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8' : 'application/json; charset=utf-8';
  }
  headers['Content-Length'] = String(payload?.length ?? 0);
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const caDir = path.resolve(options.caDir ?? '.sandbox');
  const ca = ensureSandboxCa(caDir);
  const certificate = serverCertificateFor(ca, caDir);
  const delays: SandboxDelays = { ...DEFAULT_DELAYS, ...options.delays };
  const state = createState(PARTNER_TENANT_ID, CLIENT_ID, delays);
  const seeded = seedPartner(state, options.seed ?? true);
  const partnerAdmin = seedUser(state, PARTNER_TENANT_ID, { displayName: 'Parker Admin', mail: 'parker@csp-partner.onmicrosoft.com' });
  const signer = new TokenSigner();
  const faults = new FaultRegistry();
  const holds = new HoldRegistry();
  const requests: RecordedRequest[] = [];
  const clientSecret = randomBytes(24).toString('base64url');
  const delegatedRefreshToken = `sandbox-rt.${randomBytes(32).toString('base64url')}`;
  const hanging = new Set<ServerResponse>();
  let closed = false;

  const server = https.createServer({ cert: certificate.certPem, key: certificate.keyPem, ca: ca.certPem });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `https://127.0.0.1:${port}`;

  const helpers = {
    seedCustomer: (input: SeedCustomerInput) => seedCustomer(state, input),
    seedMappings: (registrationId: string, count: number) => seedMappings(state, registrationId, count),
    seedReconcileScenario: (o: { first?: string; second?: string } = {}) =>
      seedReconcileScenario(state, { first: o.first ?? seeded.registrations.payAsYouUse, second: o.second ?? seeded.registrations.payAsYouUse2 }),
    seedUser: (input: { tenantId?: string; displayName: string; mail: string; userType?: 'Member' | 'Guest' }) =>
      seedUser(state, input.tenantId ?? PARTNER_TENANT_ID, input),
    addGroupMember: (groupId: string, memberId: string) => addGroupMember(state, groupId, memberId),
    setDelays: (patch: Partial<SandboxDelays>) => Object.assign(delays, patch),
  };

  const env: Record<string, string> = {
    AZURE_AUTHORITY_HOST: origin,
    AZURE_TENANT_ID: PARTNER_TENANT_ID,
    AZURE_CLIENT_ID: CLIENT_ID,
    AZURE_CLIENT_SECRET: clientSecret,
    AZURE_DISABLE_INSTANCE_DISCOVERY: 'true',
    ARM_ENDPOINT: `${origin}/arm`,
    GRAPH_ENDPOINT: `${origin}/graph`,
    PARTNER_CENTER_ENDPOINT: `${origin}/partnercenter`,
    REGISTRATIONS: Object.values(seeded.registrations).join(','),
    NODE_EXTRA_CA_CERTS: ca.certPath,
  };

  const resourceById = (id: string): unknown => {
    const mapping = /^(.*)\/customerSubscriptions\/([^/]+)$/i.exec(id);
    if (mapping) {
      const registration = findRegistration(state, mapping[1]);
      const entry = registration?.customerSubscriptions[mapping[2]];
      return registration && entry ? mappingBody(registration, mapping[2], entry.tenantId) : undefined;
    }
    const registration = findRegistration(state, id);
    return registration ? registrationBody(registration) : undefined;
  };

  const routes: Record<Service, Route[]> = {
    entra: entraRoutes({
      origin,
      state,
      signer,
      clientSecret,
      delegatedRefreshToken,
      delegatedUser: { objectId: partnerAdmin, upn: 'parker@csp-partner.onmicrosoft.com' },
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    }),
    partnercenter: partnerCenterRoutes({ state }),
    graph: graphRoutes({ origin, state }),
    arm: armRoutes({ origin, state }),
    control: controlRoutes({
      state,
      faults,
      holds,
      requests,
      resourceById,
      describe: () => {
        state.advance();
        return {
          ...state,
          counts: state.counts(),
          faults: faults.list().map((f) => ({ ...f, path: String(f.path) })),
          approverGroupId: seeded.approverGroupId,
          registrationIds: seeded.registrations,
          users: { ...seeded.users, partnerAdmin },
          delegatedRefreshToken,
          env,
        };
      },
      ...helpers,
    }),
  };

  async function produce(req: ApiRequest, inner: string): Promise<Reply> {
    if (req.service !== 'entra' && req.service !== 'control') {
      const denied = authenticate({ origin, port, signer, partnerTenantId: PARTNER_TENANT_ID }, req);
      if (denied) return denied;
    }
    const found = findRoute(routes[req.service], req.method, inner);
    if (!('route' in found)) return notFoundFor(req.service, req.method, inner, found.allowed);
    state.advance();
    try {
      return await found.route.handle(req, found.params);
    } catch (e) {
      if (e instanceof BadJson) return json(400, { error: e.message });
      console.error('sandbox: handler failed', e);
      return serviceFailure(req.service, 500);
    }
  }

  /** Returns true when the fault ended the exchange (answered, dropped or left hanging). */
  async function applyFault(fault: ActiveFault, service: Service, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    switch (fault.kind) {
      case 'latency':
        await sleep(fault.latencyMs ?? 1000);
        return false;
      case 'drop':
        req.socket.destroy();
        return true;
      case 'timeout':
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return true;
      case 'status':
        send(res, serviceFailure(service, fault.status ?? 500, fault.retryAfterSeconds), serviceHeaders(service, req), service);
        return true;
    }
  }

  function record(req: IncomingMessage, fullPath: string, url: URL, service: Service): RecordedRequest {
    const headerOf = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const recorded: RecordedRequest = {
      at: new Date().toISOString(),
      method: req.method ?? 'GET',
      path: fullPath,
      query: Object.fromEntries(url.searchParams),
      headers: {
        ...(headerOf('ms-requestid') ? { 'ms-requestid': headerOf('ms-requestid') } : {}),
        ...(headerOf('ms-correlationid') ? { 'ms-correlationid': headerOf('ms-correlationid') } : {}),
        ...(req.headers.authorization ? { authorization: 'present' as const } : {}),
      },
      status: 0,
      service,
    };
    requests.push(recorded);
    if (requests.length > MAX_RECORDED) requests.splice(0, requests.length - MAX_RECORDED);
    return recorded;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    const fullPath = url.pathname.replace(/\/{2,}/g, '/');
    const method = (req.method ?? 'GET').toUpperCase();
    if (fullPath === '/portal' || fullPath === '/portal/') {
      send(res, { status: 200, body: PORTAL_HTML, contentType: 'text/html; charset=utf-8' }, {}, 'control');
      return;
    }
    const { service, inner } = serviceOf(fullPath);
    const body = await readBody(req);
    const recorded = record(req, fullPath, url, service);
    res.on('finish', () => (recorded.status = res.statusCode));
    const apiReq: ApiRequest = { method, path: fullPath, query: url.searchParams, headers: req.headers, body, service };
    if (service === 'control') {
      send(res, await produce(apiReq, inner), {}, service);
      return;
    }
    await holds.wait(recorded);
    if (closed) return;
    if (delays.latencyMs > 0) await sleep(delays.latencyMs);
    const fault = faults.take(method, fullPath);
    const after = fault?.when === 'after';
    if (fault && !after && (await applyFault(fault, service, req, res))) return;
    const reply = await produce(apiReq, inner);
    if (fault && after && (await applyFault(fault, service, req, res))) return;
    send(res, reply, serviceHeaders(service, req), service);
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '')) {
      res.writeHead(403).end();
      return;
    }
    onRequest(req, res).catch((e) => {
      console.error('sandbox: request failed', e);
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });

  // Statuses move with the clock even when nobody asks (tests read `state` directly).
  const clock = setInterval(() => state.advance(), 100);
  clock.unref();

  return {
    url: origin,
    env,
    state,
    faults: { add: (rule) => faults.add(rule), remove: (id) => faults.remove(id), clear: () => faults.clear() },
    holds: { add: (rule) => holds.add(rule) },
    requests,
    delegatedRefreshToken,
    partnerTenantId: PARTNER_TENANT_ID,
    clientId: CLIENT_ID,
    clientSecret,
    registrations: seeded.registrations,
    approverGroupId: seeded.approverGroupId,
    users: { ...seeded.users, partnerAdmin },
    ...helpers,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(clock);
      holds.releaseAll();
      for (const res of hanging) res.destroy();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}
