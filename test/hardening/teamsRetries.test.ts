// Outbound to Teams through the real CloudAdapter and a scripted loopback Bot Connector. A POST
// (a new message) is not idempotent: it is sent again only after a 429 (Teams did not take it), and
// never after 412/5xx/408, when it may have landed. An update (PUT of the same activity id) is
// idempotent: it is retried on 429, 412, 502 and 504, with backoff, honouring Retry-After, and on
// nothing else. Replies inside a turn follow the post rule. All of it happens once, in the connector
// pipeline's policy: the proactive sender adds no retries of its own.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { createAdapter } from '../../src/bot/adapter';
import { createProactive, type Proactive } from '../../src/bot/proactive';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';
import { captureLogs } from '../support/logCapture';
import { conversationReference, message, personalChat } from '../support/activities';
import { startBot, type BotDriver } from '../support/botDriver';
import { RITA, TEAMS_TENANT } from '../support/people';

jest.setTimeout(60_000);

interface Answer {
  status: number;
  retryAfter?: string;
  /** The connector took the activity but the answer says otherwise (a 502/504 after delivery). */
  landed?: boolean;
  /** No answer at all: the connection is reset once the request has arrived. */
  reset?: boolean;
}

interface Attempt {
  method: string;
  path: string;
  at: number;
  status: number;
}

/** A Bot Connector that answers POST/PUT from a script, then 200. Records every attempt and every activity that landed. */
class ScriptedConnector {
  readonly attempts: Attempt[] = [];
  readonly landed: Array<{ method: string; activity: Record<string, unknown> }> = [];
  private script: Answer[] = [];
  private server!: http.Server;
  serviceUrl = '';

  async start() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = req.method === 'GET' ? { status: 200 } : (this.script.shift() ?? { status: 200 });
        this.attempts.push({ method: req.method ?? '', path: req.url ?? '', at: performance.now(), status: answer.status });
        const ok = answer.status >= 200 && answer.status < 300;
        if ((ok || answer.landed) && req.method !== 'GET') this.landed.push({ method: req.method ?? '', activity: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') });
        if (answer.reset) return void req.socket.destroy();
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (answer.retryAfter) headers['retry-after'] = answer.retryAfter;
        res.writeHead(answer.status, headers);
        res.end(JSON.stringify(ok ? { id: `m-${this.attempts.length}` } : { error: { code: 'Failure', message: `status ${answer.status}` } }));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.serviceUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  answer(...answers: Answer[]) {
    this.script = answers;
    this.attempts.length = 0;
    this.landed.length = 0;
  }

  gaps(): number[] {
    return this.attempts.slice(1).map((a, i) => a.at - this.attempts[i].at);
  }

  close() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const CHAT = personalChat(RITA).id;

describe('outbound to Teams: what is retried, what is not', () => {
  const connector = new ScriptedConnector();
  let store: BotStore;
  let proactive: Proactive;

  beforeAll(async () => {
    await connector.start();
    store = await openSqliteStore(':memory:');
    await store.conversations.save(CHAT, conversationReference(personalChat(RITA), { serviceUrl: connector.serviceUrl, user: RITA }));
    // The proactive sender as the approval feature builds it (no retry settings of its own), on an
    // adapter whose connector policy retries 3 times from a 20 ms backoff.
    const adapter = createAdapter({ MicrosoftAppType: 'MultiTenant' }, { connectorRetry: { maxRetries: 3, retryDelayMs: 20 } });
    proactive = createProactive({ adapter, appId: '', conversations: store.conversations, logger: captureLogs('warn').logger });
  });
  afterAll(async () => {
    await store.close();
    await connector.close();
  });

  const card = { attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.5', body: [] } }] };

  describe('the connector pipeline (botbuilder\'s client, as every turn and proactive send uses it)', () => {
    it('a POST throttled twice with 429: sent again, lands once', async () => {
      connector.answer({ status: 429 }, { status: 429 });
      await proactive.post(CHAT, { text: 'hello' });
      expect(connector.attempts.map((a) => `${a.method} ${a.status}`)).toEqual(['POST 429', 'POST 429', 'POST 200']);
      expect(connector.landed).toHaveLength(1);
    });

    it.each([412, 502, 504, 500, 503, 408])('a POST answered %i (it may have landed): sent once, never twice', async (status) => {
      connector.answer({ status, landed: status >= 500 }, { status: 200 });
      await expect(proactive.post(CHAT, { text: `once ${status}` })).rejects.toMatchObject({ statusCode: status });
      expect(connector.attempts).toHaveLength(1);
      expect(connector.landed.length).toBeLessThanOrEqual(1);
    });

    it.each([429, 412, 502, 504])('a PUT answered %i: sent again until it lands', async (status) => {
      connector.answer({ status }, { status });
      await proactive.update(CHAT, 'm-1', card);
      expect(connector.attempts.map((a) => `${a.method} ${a.status}`)).toEqual([`PUT ${status}`, `PUT ${status}`, 'PUT 200']);
    });

    it.each([500, 503, 408])('a PUT answered %i: not retried', async (status) => {
      connector.answer({ status });
      await expect(proactive.update(CHAT, 'm-1', card)).rejects.toMatchObject({ statusCode: status });
      expect(connector.attempts).toHaveLength(1);
    });

    it('a POST whose connection is reset after it arrived (it may have landed): sent once, never twice', async () => {
      connector.answer({ status: 0, reset: true, landed: true });
      await expect(proactive.post(CHAT, { text: 'reset' })).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(connector.attempts).toHaveLength(1);
      expect(connector.landed).toHaveLength(1);
    });

    it('a PUT whose connection is reset: sent again (a stale keep-alive socket is the usual cause)', async () => {
      connector.answer({ status: 0, reset: true });
      await proactive.update(CHAT, 'm-1', card);
      expect(connector.attempts.map((a) => `${a.method} ${a.status}`)).toEqual(['PUT 0', 'PUT 200']);
    });

    it('429 that never ends: 1 + 3 attempts, Retry-After honoured', async () => {
      connector.answer(...Array.from({ length: 10 }, () => ({ status: 429, retryAfter: '0.2' })));
      await expect(proactive.post(CHAT, { text: 'never' })).rejects.toMatchObject({ statusCode: 429 });
      expect(connector.attempts).toHaveLength(4);
      expect(Math.min(...connector.gaps())).toBeGreaterThanOrEqual(190);
      expect(connector.landed).toHaveLength(0);
    });
  });

  describe('one retry per hop: the proactive sender leaves retrying to the connector policy', () => {
    it('a 429 that never ends costs the policy\'s 1 + 3 attempts, not its square (once 4 × 5 = 20)', async () => {
      connector.answer(...Array.from({ length: 30 }, () => ({ status: 429, retryAfter: '0' })));
      await expect(proactive.post(CHAT, { text: 'never' })).rejects.toMatchObject({ statusCode: 429 });
      expect(connector.attempts.map((a) => `${a.method} ${a.status}`)).toEqual(['POST 429', 'POST 429', 'POST 429', 'POST 429']);
      connector.answer(...Array.from({ length: 30 }, () => ({ status: 429, retryAfter: '0' })));
      await expect(proactive.update(CHAT, 'm-1', card)).rejects.toMatchObject({ statusCode: 429 });
      expect(connector.attempts).toHaveLength(4);
    });

    it('throttled twice with 429: sent again with a growing backoff, lands once', async () => {
      connector.answer({ status: 429 }, { status: 429 });
      const id = await proactive.post(CHAT, { text: 'hello' });
      expect(id).toBeDefined();
      expect(connector.landed).toHaveLength(1);
      // Backoff: base 20 ms doubling, jitter ×0.5–1.5 → at least 10 ms, then at least 20 ms.
      const [first, second] = connector.gaps();
      expect(first).toBeGreaterThanOrEqual(9);
      expect(second).toBeGreaterThanOrEqual(19);
    });

    it('Retry-After wins over the backoff, in seconds or as an HTTP date', async () => {
      connector.answer({ status: 429, retryAfter: '1' });
      await proactive.post(CHAT, { text: 'later' });
      expect(connector.attempts).toHaveLength(2);
      expect(connector.gaps()[0]).toBeGreaterThanOrEqual(950);
      // An HTTP date has whole seconds: two seconds ahead is at least one second away.
      connector.answer({ status: 429, retryAfter: new Date(Date.now() + 2000).toUTCString() });
      await proactive.post(CHAT, { text: 'at a date' });
      expect(connector.attempts).toHaveLength(2);
      expect(connector.gaps()[0]).toBeGreaterThanOrEqual(950);
    });

    it.each([400, 403, 404])('an update answered %i: not retried, the caller hears of it', async (status) => {
      connector.answer({ status });
      await expect(proactive.update(CHAT, 'm-1', card)).rejects.toMatchObject({ statusCode: status });
      expect(connector.attempts).toHaveLength(1);
    });

    it('an update keeps its activity id, and the backoff grows between attempts', async () => {
      connector.answer({ status: 502 }, { status: 502 }, { status: 502 });
      await proactive.update(CHAT, 'm-1', card);
      expect(connector.attempts.map((a) => a.status)).toEqual([502, 502, 502, 200]);
      expect(new Set(connector.attempts.map((a) => a.path)).size).toBe(1);
      // 20·2^n ms × 0.5–1.5: the three waits sum to at least 10+20+40 ms.
      expect(connector.gaps().reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(68);
    });
  });

  describe('a reply inside a turn (the bot answering a message)', () => {
    let sandbox: Sandbox;
    let bot: BotDriver;

    beforeAll(async () => {
      sandbox = await startTestSandbox();
      const config = sandboxConfig(sandbox, { ALLOWED_TENANT_IDS: TEAMS_TENANT });
      bot = await startBot(config, { cloud: sandboxCloud(config), logger: captureLogs('warn').logger });
    });
    afterAll(async () => {
      await bot?.close();
      await sandbox?.close();
    });

    // Replies go to the scripted connector, not the driver's own.
    const say = (text: string) => bot.post(message(text, { from: RITA, conversation: personalChat(RITA, '-turns'), serviceUrl: connector.serviceUrl }));

    it('throttled with 429: sent again, lands once', async () => {
      connector.answer({ status: 429, retryAfter: '0' });
      expect((await say('help')).status).toBe(200);
      expect(connector.attempts.filter((a) => a.method === 'POST').map((a) => a.status)).toEqual([429, 200]);
      expect(connector.landed).toHaveLength(1);
    });

    it.each([502, 504, 500])('answered %i after it landed: not sent again', async (status) => {
      connector.answer({ status, landed: true });
      await say('help');
      const posts = connector.attempts.filter((a) => a.method === 'POST');
      // The help card once; then at most the apology for the failed turn, never the card again.
      expect(connector.landed.filter((l) => JSON.stringify(l.activity).includes('Here is what I can do'))).toHaveLength(1);
      expect(posts[0].status).toBe(status);
    });
  });
});
