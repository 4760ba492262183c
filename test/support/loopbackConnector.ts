// A loopback Bot Connector: what the bot sends to Teams (posts, replies, in-place updates) is
// recorded here, and the roster it asks for is served from a list the test sets.
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface SentActivity {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** The posted activity's new id (POST) or the updated activity's id (PUT). */
  activityId: string;
  activity: Record<string, unknown> & { text?: string; attachments?: Array<{ content: Record<string, unknown> }> };
  at: number;
}

export interface LoopbackConnector {
  serviceUrl: string;
  sent: SentActivity[];
  roster: Array<{ id: string; aadObjectId: string; name: string }>;
  /** Answer the next `count` calls (of `method`, default any but GET) with this status (Teams' throttling) before behaving again. */
  failNext(status: number, count: number, options?: { method?: 'POST' | 'PUT'; retryAfterSeconds?: number }): void;
  waitFor(predicate: (sent: SentActivity[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startLoopbackConnector(): Promise<LoopbackConnector> {
  const sent: SentActivity[] = [];
  let nextId = 1;
  let failures: { status: number; count: number; method?: string; retryAfterSeconds?: number } | undefined;
  const connector: Partial<LoopbackConnector> = { sent, roster: [] };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      // v3 / conversations / {id} / activities [/ {activityId}] | pagedmembers
      const conversationId = parts[2] ?? '';
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (failures && failures.count > 0 && req.method !== 'GET' && (!failures.method || failures.method === req.method)) {
        failures.count -= 1;
        const retryAfter = failures.retryAfterSeconds !== undefined ? { 'retry-after': String(failures.retryAfterSeconds) } : undefined;
        return reply(failures.status, { error: { code: 'Throttled', message: 'slow down' } }, retryAfter);
      }
      if (req.method === 'GET' && parts[3] === 'pagedmembers') {
        return reply(200, { members: connector.roster!.map((m) => ({ ...m, userPrincipalName: `${m.name}@example.com` })) });
      }
      const activity = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      if (req.method === 'POST' && parts[3] === 'activities') {
        const activityId = `msg-${nextId++}`;
        sent.push({ method: 'POST', conversationId, activityId, activity, at: Date.now() });
        return reply(200, { id: activityId });
      }
      if (req.method === 'PUT' && parts[3] === 'activities') {
        sent.push({ method: 'PUT', conversationId, activityId: parts[4], activity, at: Date.now() });
        return reply(200, { id: parts[4] });
      }
      reply(404, { error: { code: 'NotFound', message: `${req.method} ${url.pathname}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(connector, {
    serviceUrl: `http://127.0.0.1:${port}/`,
    failNext(status: number, count: number, options: { method?: 'POST' | 'PUT'; retryAfterSeconds?: number } = {}) {
      failures = { status, count, ...options };
    },
    async waitFor(predicate: (s: SentActivity[]) => boolean, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(sent)) {
        if (Date.now() > until) throw new Error(`connector: condition not met in ${timeoutMs} ms; sent ${JSON.stringify(sent.map((s) => [s.method, s.conversationId, s.activityId]))}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as LoopbackConnector;
}
