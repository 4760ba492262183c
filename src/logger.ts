// JSON logs (pino) for the whole bot. Secrets and tokens are redacted wherever they appear in a
// logged object, so a careless `logger.info({ config })` or a logged HTTP request leaks nothing.
import pino from 'pino';
import type { Config } from './config';

/** Paths pino censors. `*.x` matches one level deep; the top-level names cover logged config objects. */
export const REDACT_PATHS = [
  'MicrosoftAppPassword',
  'AZURE_CLIENT_SECRET',
  'PARTNER_CENTER_REFRESH_TOKEN',
  'AZURE_STORAGE_CONNECTION_STRING',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'authorization',
  'adminCredentials',
  '*.MicrosoftAppPassword',
  '*.AZURE_CLIENT_SECRET',
  '*.PARTNER_CENTER_REFRESH_TOKEN',
  '*.AZURE_STORAGE_CONNECTION_STRING',
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.authorization',
  '*.Authorization',
  '*.adminCredentials',
  'headers.authorization',
  'headers.Authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
];

export type Logger = pino.Logger;

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { service: 'csp-onboarding-bot' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
