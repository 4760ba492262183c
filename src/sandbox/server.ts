// The request pipeline every simulated service shares: record the request (never its token), let
// a hold catch it, add latency, apply a fault before or after the work, check the bearer token,
// route it, and answer with the service's own headers.
import type { IncomingMessage, ServerResponse } from 'http';
import { randomBytes, randomUUID } from 'crypto';
import { authenticate } from './auth';
import type { FaultRegistry, HoldRegistry, ActiveFault, RecordedRequest } from './faults';
import { BadJson, armError, armRateLimitHeaders, entraError, findRoute, graphError, json, pcError, serviceFailure, type ApiRequest, type Reply, type Route, type Service } from './http';
import { PARTNER_CENTER_HTML, PORTAL_HTML, STAMP_CONSENT_HTML, STAMP_PORTAL_HTML } from './portal';
import { STAMP_ANONYMOUS_PATH } from './stamp';
import type { SandboxDelays, SandboxState } from './state';
import type { TokenSigner } from './tokens';

const MAX_RECORDED = 20_000;
const PREFIXES: Array<[string, Service]> = [
  ['/_sandbox', 'control'],
  ['/partnercenter', 'partnercenter'],
  ['/graph', 'graph'],
  ['/arm', 'arm'],
  ['/stamps', 'stamp'],
];

export interface PipelineContext {
  origin: string;
  port: number;
  partnerTenantId: string;
  state: SandboxState;
  delays: SandboxDelays;
  signer: TokenSigner;
  faults: FaultRegistry;
  holds: HoldRegistry;
  requests: RecordedRequest[];
  routes: Record<Service, Route[]>;
  /** The token audience of the stamp a `/stamps/{name}/…` path names. */
  stampAudience(name: string): string | undefined;
  isClosed(): boolean;
}

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
    case 'stamp':
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
    case 'stamp':
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

export function createRequestHandler(ctx: PipelineContext) {
  const { origin, port, state, delays, signer, faults, holds, requests, routes } = ctx;
  const hanging = new Set<ServerResponse>();

  async function produce(req: ApiRequest, inner: string): Promise<Reply> {
    const anonymous = req.service === 'stamp' && STAMP_ANONYMOUS_PATH.test(inner);
    if (req.service !== 'entra' && req.service !== 'control' && !anonymous) {
      const denied = authenticate({ origin, port, signer, partnerTenantId: ctx.partnerTenantId, stampAudience: ctx.stampAudience }, req);
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
      case 'rate':
        return false; // FaultRegistry.take answers an over-the-rate request as a 429 'status' fault
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
    if (fullPath === '/partner-center' || fullPath === '/partner-center/') {
      send(res, { status: 200, body: PARTNER_CENTER_HTML, contentType: 'text/html; charset=utf-8' }, {}, 'control');
      return;
    }
    if (/^\/stamps\/[^/]+\/portal(\/.*)?$/.test(fullPath)) {
      send(res, { status: 200, body: STAMP_PORTAL_HTML, contentType: 'text/html; charset=utf-8' }, {}, 'control');
      return;
    }
    if (/^\/stamps\/[^/]+\/consent\/?$/.test(fullPath)) {
      send(res, { status: 200, body: STAMP_CONSENT_HTML, contentType: 'text/html; charset=utf-8' }, {}, 'control');
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
    if (ctx.isClosed()) return;
    if (delays.latencyMs > 0) await sleep(delays.latencyMs);
    const fault = faults.take(method, fullPath);
    const after = fault?.when === 'after';
    if (fault && !after && (await applyFault(fault, service, req, res))) return;
    const reply = await produce(apiReq, inner);
    if (fault && after && (await applyFault(fault, service, req, res))) return;
    send(res, reply, serviceHeaders(service, req), service);
  }

  return {
    handle(req: IncomingMessage, res: ServerResponse): void {
      // Loopback only: the control surface has no authentication.
      if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '')) {
        res.writeHead(403).end();
        return;
      }
      onRequest(req, res).catch((e) => {
        console.error('sandbox: request failed', e);
        if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
      });
    },
    /** Requests left hanging by 'timeout' faults end with the server. */
    abandonHanging(): void {
      for (const res of hanging) res.destroy();
    },
  };
}
