// The HTTP edge: restify 11 with POST /api/messages (Bot Framework activities), GET /healthz (the
// process is alive) and GET /readyz (configuration loaded, the store open and reachable). Tracks
// requests in flight so a shutdown can let running turns finish. Before the body is read, a compressed body is
// refused (the Bot Connector never compresses, and restify would inflate it unbounded); after it is
// parsed, an activity from a channel other than Teams (or the Emulator in local mode) is refused.
import * as restify from 'restify';
import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import { telemetry, type TelemetrySpan } from '../telemetry/telemetry';
import { attachTurnSpan } from './turnSpan';

export interface BotServerOptions {
  adapter: CloudAdapter;
  bot: { run(context: TurnContext): Promise<void> };
  logger: Logger;
  /** True while the bot can serve turns (config loaded, store open and reachable). */
  isReady: () => boolean | Promise<boolean>;
  /** Largest accepted activity, in bytes (Teams activities are far smaller). Default 256 KiB. */
  maxBodyBytes?: number;
  /** Channels whose activities reach the bot. Default: `msteams` only (local mode adds `emulator`). */
  channels?: readonly string[];
}

export interface BotServer {
  readonly server: restify.Server;
  listen(port: number, host?: string): Promise<number>;
  /** Requests to /api/messages still running. */
  inFlight(): number;
  /** Stops accepting connections and waits (at most `timeoutMs`) for turns in flight. True when all finished. */
  stop(timeoutMs: number): Promise<boolean>;
}

export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
export const DEFAULT_CHANNELS: readonly string[] = ['msteams'];

export function createBotServer(options: BotServerOptions): BotServer {
  const { adapter, bot, logger, isReady } = options;
  const server = restify.createServer({ name: 'csp-onboarding-bot', handleUncaughtExceptions: false });
  let active = 0;
  let idle: (() => void) | undefined;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const channels = new Set(options.channels ?? DEFAULT_CHANNELS);

  // `pre` runs before routing and before the body parser reads a byte.
  server.pre((req: restify.Request, res: restify.Response, next: restify.Next) => {
    const refusal = refuseEncoded(req);
    if (!refusal) return next();
    logger.warn({ method: req.method, path: req.path(), statusCode: refusal.status, reason: refusal.message }, 'request refused');
    res.send(refusal.status, { error: refusal.message });
    return next(false);
  });
  server.use(
    restify.plugins.bodyParser({
      maxBodySize: maxBodyBytes,
      mapParams: false,
      rejectUnknown: true,
    }),
  );

  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    // The Bot Framework sends JSON activities only; anything else is refused before a turn runs.
    const refusal = refuseNonActivity(req, maxBodyBytes) ?? refuseChannel(req, channels);
    if (refusal) {
      logger.warn({ method: req.method, path: req.path(), statusCode: refusal.status, reason: refusal.message }, 'request refused');
      res.send(refusal.status, { error: refusal.message });
      return;
    }
    active++;
    try {
      await traceTurn(req, (span) => adapter.process(req, res, (context) => {
        attachTurnSpan(context, span);
        return bot.run(context);
      }));
    } finally {
      active--;
      if (active === 0) idle?.();
    }
  });
  server.get('/healthz', (_req: restify.Request, res: restify.Response, next: restify.Next) => {
    res.send(200, { status: 'alive' });
    next();
  });
  server.get('/readyz', async (_req: restify.Request, res: restify.Response) => {
    let ready = false;
    try {
      ready = await isReady();
    } catch (err) {
      logger.warn({ err }, 'readiness check failed');
    }
    if (ready) res.send(200, { status: 'ready' });
    else res.send(503, { status: 'not ready' });
  });
  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number }, callback: () => void) => {
    // Bad requests (oversized, malformed JSON) are answered by restify with 4xx; log them plainly.
    logger.warn({ method: req.method, path: req.path(), statusCode: err.statusCode, reason: err.message }, 'request refused');
    callback();
  });

  const waitForIdle = (timeoutMs: number) =>
    new Promise<boolean>((resolve) => {
      if (active === 0) return resolve(true);
      const timer = setTimeout(() => resolve(false), timeoutMs);
      idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });

  return {
    server,
    inFlight: () => active,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        const onListening = () => {
          server.removeListener('error', reject);
          resolve((server.address() as { port: number }).port);
        };
        if (host) server.listen(port, host, onListening);
        else server.listen(port, onListening);
      }),
    stop: async (timeoutMs) => {
      // server.close stops accepting; open keep-alive sockets are closed once idle.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.server.closeIdleConnections?.();
      const drained = await waitForIdle(timeoutMs);
      server.server.closeAllConnections?.();
      await closed;
      return drained;
    },
  };
}

/**
 * The turn as a server span (renamed by the bot to its command or card verb, src/bot/turnSpan.ts)
 * and its latency, by that name.
 */
async function traceTurn(req: restify.Request, turn: (span: TelemetrySpan) => Promise<void>): Promise<void> {
  const current = telemetry();
  const body = req.body as { type?: unknown; name?: unknown };
  const type = typeof body.type === 'string' && /^\w{1,32}$/.test(body.type) ? body.type : 'activity';
  const started = performance.now();
  let name = `turn ${type}`;
  try {
    await current.inSpan(name, { kind: 'server', attributes: { 'csp.activity.type': type } }, async (span) => {
      try {
        await turn(span);
      } finally {
        name = span.name;
      }
    });
  } finally {
    current.record('turnDuration', performance.now() - started, { 'csp.turn': name });
  }
}

interface Refusal {
  status: number;
  message: string;
}

/**
 * Any `Content-Encoding` but `identity`. restify's body reader counts the bytes on the wire and
 * inflates gzip without limit: 40 KiB of gzip would become 40 MiB in memory before the token check.
 */
function refuseEncoded(req: restify.Request): Refusal | undefined {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined) return undefined;
  if (encoding.trim().toLowerCase() === 'identity') {
    // restify accepts only "no header" or gzip; identity means the same as no header.
    delete req.headers['content-encoding'];
    return undefined;
  }
  return { status: 415, message: 'Expected an uncompressed body (Content-Encoding: identity).' };
}

function refuseNonActivity(req: restify.Request, maxBodyBytes: number): Refusal | undefined {
  if (!req.is('json')) return { status: 415, message: 'Expected an activity as application/json.' };
  // The parser's limit counts bytes on the wire; cap what was parsed too, should a body ever arrive decoded.
  const raw = (req as restify.Request & { rawBody?: string | Buffer }).rawBody;
  if (raw !== undefined && Buffer.byteLength(raw) > maxBodyBytes) return { status: 413, message: `Expected an activity of at most ${maxBodyBytes} bytes.` };
  const body = req.body as { type?: unknown } | null | undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof body.type !== 'string' || body.type === '') {
    return { status: 400, message: 'Expected an activity: a JSON object with a type.' };
  }
  return undefined;
}

/**
 * Activities from channels the bot does not serve. An Azure Bot resource has Web Chat on by
 * default, where the client writes `channelData` (and so the tenant) itself.
 */
function refuseChannel(req: restify.Request, channels: ReadonlySet<string>): Refusal | undefined {
  const { channelId } = req.body as { channelId?: unknown };
  if (typeof channelId === 'string' && channels.has(channelId)) return undefined;
  return { status: 403, message: 'Activities from this channel are not accepted: the bot serves Microsoft Teams only.' };
}
