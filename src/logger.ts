// JSON logs (pino) for the whole bot. Secrets and tokens are redacted wherever they appear in a
// logged object, so a careless `logger.info({ config })` or a logged HTTP request leaks nothing.
import pino from 'pino';
import type { Config } from './config';
import { telemetry } from './telemetry/telemetry';

/** Keys whose values never reach a log, at any depth of a logged object (compared case-insensitively). */
const SECRET_NAMES = [
  'MicrosoftAppPassword',
  'AZURE_CLIENT_SECRET',
  'PARTNER_CENTER_REFRESH_TOKEN',
  'AZURE_STORAGE_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'OTEL_EXPORTER_OTLP_HEADERS',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'authorization',
  'adminCredentials',
];

/** Paths pino censors (`*.x` matches one level deep); redactSecrets below covers every depth. */
export const REDACT_PATHS = [
  ...SECRET_NAMES,
  ...SECRET_NAMES.map((name) => `*.${name}`),
  '*.Authorization',
  'headers.authorization',
  'headers.Authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
];

const SECRET_KEYS = new Set(SECRET_NAMES.map((k) => k.toLowerCase()));
const CENSOR = '[redacted]';
/** Deeper than any object we log; a deeper value is dropped rather than walked. */
const MAX_DEPTH = 32;

/**
 * A copy of `value` with every secret key censored, however deep it sits (pino's own redact paths
 * reach only the levels they name). Plain objects and arrays are copied; other objects (errors go
 * through the err serializer, which is redacted too) are kept as they are.
 */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return CENSOR;
  const isArray = Array.isArray(value);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!isArray && proto !== Object.prototype && proto !== null) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  const copy = isArray
    ? value.map((item) => redactSecrets(item, depth + 1, seen))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k.toLowerCase()) ? CENSOR : redactSecrets(v, depth + 1, seen)]));
  seen.delete(value);
  return copy;
}

export type Logger = pino.Logger;

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { service: 'csp-onboarding-bot' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // trace_id and span_id of the span the line was logged in (with telemetry on; src/telemetry/).
      mixin: () => telemetry().logIds() ?? {},
      formatters: { level: (label) => ({ level: label }), log: (object) => redactSecrets(object) as Record<string, unknown> },
      // The serialized error has its own prototype: copy it to a plain object so it is walked too.
      serializers: { err: (err: Error) => redactSecrets({ ...pino.stdSerializers.err(err) }) },
    },
    destination,
  );
}
