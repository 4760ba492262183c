// The HTTP edge and the bot's routing, over real HTTP: restify + CloudAdapter (local mode) + CspBot
// on SQLite, replies received by a loopback Bot Connector. Feature handlers here are small test
// handlers that record what they were given.
import * as http from 'http';
import { AddressInfo } from 'net';
import { ConversationState, UserState, type AdaptiveCardInvokeResponse, type TurnContext } from 'botbuilder';
import { createAdapter } from '../../src/bot/adapter';
import { CspBot } from '../../src/bot/cspBot';
import type { CardActionHandler, CommandHandler } from '../../src/bot/handlers';
import { createBotServer, type BotServer } from '../../src/bot/server';
import { createTurnErrorHandler } from '../../src/bot/turnError';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { gzipBomb, MiB } from '../support/gzipBomb';
import { captureLogs, type LogCapture } from '../support/logCapture';

interface Reply {
  conversationId: string;
  replyToId: string;
  body: { text?: string; attachments?: Array<{ contentType: string; content: { body?: unknown[] } }> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the bot server', () => {
  let store: BotStore;
  let server: BotServer;
  let botUrl: string;
  let connector: http.Server;
  let connectorUrl: string;
  let logs: LogCapture;
  const replies: Reply[] = [];
  const calls: Array<{ command: string; args: string }> = [];
  const timeline: string[] = [];

  const command = (word: string, run?: (context: TurnContext, args: string) => Promise<void>): CommandHandler => ({
    command: word,
    usage: `${word} <x>: does ${word}`,
    handle: async (context, args) => {
      calls.push({ command: word, args });
      if (run) await run(context, args);
      else await context.sendActivity(`${word}:${args}`);
    },
  });

  const echoAction: CardActionHandler = {
    matches: (verb) => verb.startsWith('test.'),
    handle: async (_context, verb, data): Promise<AdaptiveCardInvokeResponse> => {
      if (verb === 'test.explode') throw new Error('secret internal detail at line 42');
      return {
        statusCode: 200,
        type: 'application/vnd.microsoft.card.adaptive',
        value: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: `done ${verb} ${String(data.n)}` }] },
      };
    },
  };

  beforeAll(async () => {
    connector = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const m = /\/v3\/conversations\/([^/]+)\/activities\/?([^/]*)/.exec(req.url ?? '');
        replies.push({ conversationId: decodeURIComponent(m?.[1] ?? ''), replyToId: decodeURIComponent(m?.[2] ?? ''), body: JSON.parse(raw) });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: `r${replies.length}` }));
      });
    });
    await new Promise<void>((r) => connector.listen(0, '127.0.0.1', r));
    connectorUrl = `http://127.0.0.1:${(connector.address() as AddressInfo).port}/`;

    logs = captureLogs('info');
    store = await openSqliteStore(':memory:');
    const adapter = createAdapter({ MicrosoftAppType: 'MultiTenant' });
    adapter.onTurnError = createTurnErrorHandler(logs.logger);
    const bot = new CspBot({
      commands: [
        command('status'),
        command('remove'),
        command('remove tenant'),
        command('boom', async () => {
          throw new Error('database password=hunter2 exploded');
        }),
        command('slow', async (context, args) => {
          timeline.push(`start ${args}`);
          await sleep(150);
          timeline.push(`end ${args}`);
          await context.sendActivity(`slow:${args}`);
        }),
      ],
      cardActions: [echoAction],
      store,
      conversationState: new ConversationState(store.state),
      userState: new UserState(store.state),
      logger: logs.logger,
      config: { ALLOWED_TENANT_IDS: [] },
      cloud: { simulated: false },
    });
    server = createBotServer({ adapter, bot, logger: logs.logger, isReady: () => store.isOpen(), maxBodyBytes: 64 * 1024 });
    botUrl = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await server?.stop(1000);
    if (store?.isOpen()) await store.close();
    await new Promise((r) => connector?.close(r));
  });

  let seq = 0;
  function activity(overrides: Record<string, unknown> = {}) {
    seq++;
    return {
      type: 'message',
      id: `act-${seq}`,
      channelId: 'msteams',
      serviceUrl: connectorUrl,
      from: { id: 'user-alex', aadObjectId: 'a1e0c0de-0000-4000-8000-000000000001' },
      recipient: { id: '28:bot', name: 'Bot' },
      conversation: { id: `conv-${seq}` },
      channelData: { tenant: { id: '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f' } },
      ...overrides,
    };
  }

  const post = (body: unknown, raw?: string) =>
    fetch(`${botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });

  const repliesTo = (id: string) => replies.filter((r) => r.replyToId === id);

  it('GET /healthz says alive and GET /readyz says ready while the store is open', async () => {
    expect((await fetch(`${botUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${botUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('routes to the longest matching command, case-insensitively, with the rest as args', async () => {
    const a = activity({ text: 'Remove   Tenant 1234-abcd' });
    expect((await post(a)).status).toBe(200);
    expect(repliesTo(a.id).map((r) => r.body.text)).toEqual(['remove tenant:1234-abcd']);
    const b = activity({ text: 'STATUS onb-7f3k' });
    await post(b);
    expect(repliesTo(b.id).map((r) => r.body.text)).toEqual(['status:onb-7f3k']);
    // A word that merely starts with a command is not that command.
    const c = activity({ text: 'statuses' });
    await post(c);
    expect(JSON.stringify(repliesTo(c.id)[0].body)).toContain('did not understand');
  });

  it('lists the registered commands on the help card', async () => {
    const a = activity({ text: 'help' });
    await post(a);
    const card = repliesTo(a.id)[0].body.attachments?.[0].content;
    const titles = JSON.stringify(card);
    // Placeholders shown as ‹x›: renderers would drop an HTML-looking <x>.
    for (const usage of ['status ‹x›', 'remove tenant ‹x›', 'help']) expect(titles).toContain(usage);
  });

  it('a failing turn tells the user a reference id, logs the error under it, and shows no internals', async () => {
    const a = activity({ text: 'boom' });
    expect((await post(a)).status).toBe(200);
    const [reply] = repliesTo(a.id);
    const ref = /reference ([A-Z2-9]{8})\./.exec(reply.body.text ?? '')?.[1];
    expect(ref).toBeDefined();
    expect(reply.body.text).not.toMatch(/exploded|hunter2|at .*\.ts|Error/);
    const logged = logs.records().find((r) => r.referenceId === ref);
    expect(logged).toMatchObject({ level: 'error', msg: 'turn failed', activityId: a.id, conversationId: a.conversation.id });
    expect(JSON.stringify(logged)).toContain('exploded');
  });

  it('routes an Action.Execute invoke by verb and answers with the handler\'s card', async () => {
    const a = activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'test.go', data: { n: 7 } } } });
    const res = await post(a);
    expect(res.status).toBe(200);
    expect(JSON.stringify(await res.json())).toContain('done test.go 7');
  });

  it('answers an unknown verb with a clear error response, not a crash', async () => {
    const a = activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'nobody.knows', data: {} } } });
    const res = await post(a);
    // botbuilder sends the response's statusCode as the HTTP status too (as for its own 400s).
    expect(res.status).toBe(400);
    const body = (await res.json()) as { value: { message: string } };
    expect(body).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
    expect(body.value.message).toContain('nobody.knows');
  });

  it('answers an invoke whose handler throws with an error response carrying the reference', async () => {
    const a = activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: 'test.explode', data: {} } } });
    const res = await post(a);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { value: { message: string } };
    expect(body).toMatchObject({ statusCode: 500, type: 'application/vnd.microsoft.error' });
    expect(body.value.message).toMatch(/reference [A-Z2-9]{8}/);
    expect(body.value.message).not.toContain('secret internal detail');
  });

  it('routes an Action.Submit fallback (message with value.verb) to the same handler and posts its card', async () => {
    const a = activity({ value: { verb: 'test.go', n: 9 } });
    await post(a);
    const [reply] = repliesTo(a.id);
    expect(JSON.stringify(reply.body.attachments?.[0].content)).toContain('done test.go 9');
  });

  it('runs turns of one conversation one at a time, and of different conversations side by side', async () => {
    timeline.length = 0;
    const conversation = { id: 'conv-serial' };
    await Promise.all([post(activity({ text: 'slow 1', conversation })), post(activity({ text: 'slow 2', conversation }))]);
    expect(timeline).toEqual(expect.arrayContaining(['start 1', 'end 1', 'start 2', 'end 2']));
    // No overlap: every start is followed by its own end.
    expect(timeline[1].replace('end', 'start')).toBe(timeline[0]);
    expect(timeline[3].replace('end', 'start')).toBe(timeline[2]);

    timeline.length = 0;
    await Promise.all([post(activity({ text: 'slow A', conversation: { id: 'c-a' } })), post(activity({ text: 'slow B', conversation: { id: 'c-b' } }))]);
    expect(timeline.slice(0, 2).every((t) => t.startsWith('start'))).toBe(true);
  });

  it('saves the conversation reference for proactive posts', async () => {
    const a = activity({ text: 'status x', conversation: { id: 'conv-ref', tenantId: 't' } });
    await post(a);
    expect(await store.conversations.get('conv-ref')).toMatchObject({ conversation: { id: 'conv-ref' }, serviceUrl: connectorUrl, bot: { id: '28:bot' } });
  });

  it('refuses malformed JSON (400) and an oversized body (413) without running a turn', async () => {
    const before = replies.length;
    expect((await post(undefined, '{"type": "message", ')).status).toBe(400);
    const big = activity({ text: `status ${'x'.repeat(70 * 1024)}` });
    expect((await post(big)).status).toBe(413);
    await sleep(50);
    expect(replies.length).toBe(before);
  });

  it('refuses a compressed body (415) before reading it: a gzip body inflating to 40 MiB costs < 20 MB', async () => {
    const bomb = await gzipBomb(40 * MiB);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const before = replies.length;
    const rssBefore = process.memoryUsage().rss;
    const res = await fetch(`${botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expect(res.status).toBe(415);
    expect(await res.json()).toEqual({ error: 'Expected an uncompressed body (Content-Encoding: identity).' });
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(20 * MiB);
    for (const encoding of ['deflate', 'br', 'gzip, identity', 'x-gzip']) {
      const other = await fetch(`${botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: bomb });
      expect(other.status).toBe(415);
    }
    expect(replies.length).toBe(before);
    // `identity` is no encoding at all: the activity is served.
    const a = activity({ text: 'status plain' });
    const plain = await fetch(`${botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, body: JSON.stringify(a) });
    expect(plain.status).toBe(200);
    expect(repliesTo(a.id).map((r) => r.body.text)).toEqual(['status:plain']);
  });

  it.each([['webchat'], ['directline'], ['emulator'], ['slack'], [undefined], [42]])(
    'refuses an activity from channel %p with 403 before any handler runs, and sends nothing',
    async (channelId) => {
      const before = { replies: replies.length, calls: calls.length };
      const res = await post(activity({ text: 'status x', channelId }));
      expect(res.status).toBe(403);
      const invoke = await post(activity({ type: 'invoke', name: 'adaptiveCard/action', channelId, value: { action: { type: 'Action.Execute', verb: 'test.go', data: { n: 1 } } } }));
      expect(invoke.status).toBe(403);
      expect(JSON.stringify(await invoke.json())).not.toContain('done test.go');
      expect({ replies: replies.length, calls: calls.length }).toEqual(before);
    },
  );

  it('on stop: refuses new connections but lets the turn in flight finish', async () => {
    const inFlight = post(activity({ text: 'slow last' }));
    await sleep(50);
    expect(server.inFlight()).toBe(1);
    const stopped = server.stop(5000);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await stopped).toBe(true);
    expect(replies.some((r) => r.body.text === 'slow:last')).toBe(true);
    await expect(fetch(`${botUrl}/healthz`)).rejects.toThrow();
    await store.close();
    expect(store.isOpen()).toBe(false);
  });
});
