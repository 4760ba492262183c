// Test helpers for the simulated cloud: the official example payloads (test/fixtures/specs) as
// fixtures, a recursive shape comparison, and small HTTP helpers over real loopback HTTPS.
import * as fs from 'fs';
import * as path from 'path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox';
import { waitFor } from '../support/waitFor';

export const SPECS = path.join(__dirname, '..', 'fixtures', 'specs');
export const CA_DIR = path.join(__dirname, '..', '..', '.sandbox');

/** A sandbox with test-speed delays. */
export function testSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ caDir: CA_DIR, ...options, delays: { orderCompleteMs: 40, entitlementActiveMs: 40, latencyMs: 0, ...options.delays } });
}

export interface HttpFixture {
  status?: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Reads a doc transcript (.http). They are not strict JSON (see specs/README.md): trailing commas,
 * comments, `{...}` and `...` elisions, a stray byte before the body, blank lines between headers.
 */
export function httpFixture(name: string): HttpFixture {
  const raw = fs.readFileSync(path.join(SPECS, name), 'utf8');
  const lines = raw.split(/\r?\n/);
  const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0])?.[1];
  const bodyStart = lines.findIndex((l) => /^\s*\??[{[]/.test(l));
  const headerLines = lines.slice(1, bodyStart < 0 ? undefined : bodyStart);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const m = /^([\w-]+):\s*(.*?)\s*$/.exec(line);
    if (m) headers[m[1].toLowerCase()] = m[2];
  }
  if (bodyStart < 0) return { status: status ? Number(status) : undefined, headers, body: undefined };
  const text = lines
    .slice(bodyStart)
    .join('\n')
    .replace(/^\s*\?/, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\{\.\.\.\}/g, '{}')
    .replace(/^\s*\.\.\.,?\s*$/gm, '')
    .replace(/,(\s*[}\]])/g, '$1');
  return { status: status ? Number(status) : undefined, headers, body: JSON.parse(text) };
}

export function jsonFixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(SPECS, name), 'utf8'));
}

/** An ARM example file's response body for a status. */
export function armExample(name: string, status: number): unknown {
  const example = jsonFixture(name) as { responses: Record<string, { body?: unknown }> };
  return example.responses[String(status)].body;
}

/**
 * Every key of the fixture is in the actual body with a value of the same kind, recursively
 * (arrays: the keys all example items share). Extra keys are allowed. `null` in the fixture matches anything.
 * Returns the differences, so a failing test names the path.
 */
export function shapeDifferences(actual: unknown, fixture: unknown, at = '$'): string[] {
  if (fixture === null) return [];
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (kind(actual) !== kind(fixture)) return [`${at}: expected ${kind(fixture)}, got ${kind(actual)}`];
  if (Array.isArray(fixture)) {
    const items = actual as unknown[];
    if (fixture.length === 0 || items.length === 0) return [];
    const element = commonShape(fixture);
    return items.flatMap((item, i) => shapeDifferences(item, element, `${at}[${i}]`));
  }
  if (typeof fixture === 'object') {
    const a = actual as Record<string, unknown>;
    return Object.entries(fixture as Record<string, unknown>).flatMap(([key, value]) =>
      key in a ? shapeDifferences(a[key], value, `${at}.${key}`) : [`${at}.${key}: missing`],
    );
  }
  return [];
}

/**
 * Example arrays mix kinds of items (a cart of six products, orders of different offers): keep the
 * keys every item has, and merge nested arrays and objects the same way.
 */
function commonShape(items: unknown[]): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!items.every(isObject)) return items[0];
  const objects = items as Array<Record<string, unknown>>;
  const shared = Object.keys(objects[0]).filter((key) => objects.every((o) => key in o));
  return Object.fromEntries(
    shared.map((key) => {
      const values = objects.map((o) => o[key]);
      if (values.every(Array.isArray)) return [key, (values as unknown[][]).flat()];
      if (values.every(isObject)) return [key, commonShape(values)];
      return [key, values[0]];
    }),
  );
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

export async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, { method: init.method ?? 'GET', headers, body, signal: init.signal });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** A client-credentials token straight from the token endpoint (tests of the APIs, not of MSAL). */
export async function appToken(sandbox: Sandbox, resource: string, tenantId = sandbox.partnerTenantId): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: sandbox.clientId,
    client_secret: sandbox.clientSecret,
    scope: `${resource}/.default`,
  });
  const response = await call(`${sandbox.url}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (response.status !== 200) throw new Error(`token: ${response.status} ${response.text}`);
  return (response.body as { access_token: string }).access_token;
}

export async function delegatedToken(sandbox: Sandbox, resource: string): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: sandbox.clientId,
    client_secret: sandbox.clientSecret,
    refresh_token: sandbox.delegatedRefreshToken,
    scope: `${resource}/user_impersonation`,
  });
  const response = await call(`${sandbox.url}/${sandbox.partnerTenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (response.status !== 200) throw new Error(`token: ${response.status} ${response.text}`);
  return (response.body as { access_token: string }).access_token;
}

export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Polls until `check` returns a value (tests of time-driven statuses, kept to milliseconds). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 3000): Promise<T> {
  const found = await waitFor(async () => {
    const value = await check();
    return value === undefined ? undefined : { value };
  }, { timeoutMs });
  return found.value;
}
