// The small amount of HTTP plumbing the simulated services share: the parsed request, the reply a
// handler returns (so a fault can swallow it after the write happened), and each service's error shape.
import type { IncomingHttpHeaders } from 'http';
import { randomUUID } from 'crypto';
import type { TokenClaims } from './tokens';

export type Service = 'entra' | 'partnercenter' | 'graph' | 'arm' | 'stamp' | 'control';

export interface ApiRequest {
  method: string;
  /** Full path with `//` collapsed, e.g. /partnercenter/v1/customers. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  service: Service;
  /** Set once the bearer token was checked. */
  token?: TokenClaims;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is; undefined = no body. */
  body?: unknown;
  contentType?: string;
}

export class BadJson extends Error {}

export function header(req: ApiRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export function jsonBody(req: ApiRequest): unknown {
  const text = req.body.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadJson('The request body is not valid JSON.');
  }
}

/** Partner Center reads request keys case-insensitively (its examples mix PascalCase and camelCase). */
export function field(obj: unknown, name: string): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(obj)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export function text(obj: unknown, name: string): string | undefined {
  const value = field(obj, name);
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });
export const empty = (status: number, headers?: Record<string, string>): Reply => ({ status, headers });

export function pcError(status: number, code: number, description: string): Reply {
  return json(status, { code, description, data: [], source: 'PartnerFD' });
}

export function armError(status: number, code: string, message: string, headers?: Record<string, string>): Reply {
  return json(status, { error: { code, message } }, headers);
}

export function graphError(status: number, code: string, message: string): Reply {
  return json(status, {
    error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString().replace(/\.\d+Z$/, '') } },
  });
}

export function entraError(status: number, error: string, aadsts: number, description: string): Reply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return json(status, {
    error,
    error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  });
}

/** The body each service sends with a given failure status (used by faults too). */
export function serviceFailure(service: Service, status: number, retryAfterSeconds?: number): Reply {
  const retry = retryAfterSeconds ?? (status === 429 ? 1 : undefined);
  const reply = failureBody(service, status, retry);
  if (retry !== undefined) reply.headers = { ...reply.headers, 'Retry-After': String(retry) };
  return reply;
}

const STATUS_TEXT: Record<number, string> = {
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

function failureBody(service: Service, status: number, retry: number | undefined): Reply {
  const what = STATUS_TEXT[status] ?? 'Error';
  switch (service) {
    case 'partnercenter':
      // Partner Center's throttling answer is not its usual error body (api-throttling-guidance).
      return status === 429
        ? json(429, { statusCode: 429, message: `Rate limit is exceeded. Try again in ${retry} seconds.` })
        : pcError(status, status, `${what}. Please retry.`);
    case 'arm':
    case 'stamp':
      return status === 429
        ? armError(429, 'TooManyRequests', 'The request is being throttled.', armRateLimitHeaders(0))
        : armError(status, ARM_FAILURE_CODES[status] ?? 'InternalServerError', `${what}. Please retry.`);
    case 'graph':
      return graphError(status, GRAPH_FAILURE_CODES[status] ?? 'generalException', `${what}.`);
    case 'entra':
      return status === 429 || status >= 500
        ? entraError(status, 'temporarily_unavailable', 50196, `${what}.`)
        : entraError(status, 'invalid_request', 900144, `${what}.`);
    default:
      return json(status, { error: what });
  }
}

const ARM_FAILURE_CODES: Record<number, string> = {
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

const GRAPH_FAILURE_CODES: Record<number, string> = {
  429: 'TooManyRequests',
  500: 'generalException',
  502: 'serviceNotAvailable',
  503: 'serviceNotAvailable',
  504: 'gatewayTimeout',
};

export function armRateLimitHeaders(remaining: number): Record<string, string> {
  return {
    'x-ms-ratelimit-remaining-subscription-reads': String(remaining),
    'x-ms-ratelimit-remaining-subscription-writes': String(remaining),
    'x-ms-ratelimit-remaining-tenant-reads': String(remaining),
    'x-ms-ratelimit-remaining-tenant-writes': String(remaining),
  };
}

export interface Route {
  method: string;
  pattern: RegExp;
  handle(req: ApiRequest, params: string[]): Reply | Promise<Reply>;
}

export function route(method: string, pattern: RegExp, handle: Route['handle']): Route {
  return { method, pattern, handle };
}

/** The matching route, or which methods the path allows (for 405). */
export function findRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | { allowed: string[] } {
  const allowed: string[] = [];
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method === method) return { route: r, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
    allowed.push(r.method);
  }
  return { allowed };
}
