// The HTTP edge and the bot's routing, over real HTTP: the app from createApp (restify +
// CloudAdapter in local mode + CspBot) on SQLite, replies received by a loopback Bot Connector.
// Its handlers here are small test handlers that record what they were given.
import type { AdaptiveCardInvokeResponse, TurnContext } from 'botbuilder';
import type { CardActionHandler, CommandHandler } from '../../src/bot/handlers';
import { testConfig } from '../support/testConfig';
import type { Cloud } from '../../src/onboarding/ports';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { gzipBomb, MiB } from '../support/gzipBomb';
import { teamsActivity } from '../support/activities';
import { startBot, type BotDriver } from '../support/botDriver';
import { captureLogs, type LogCapture } from '../support/logCapture';
import { ALEX } from '../support/people';
import { waitFor } from '../support/waitFor';

describe('the bot server', () => {
  let store: BotStore;
  let bot: BotDriver;
  let botUrl: string;
  let logs: LogCapture;
  const calls: Array<{ command: string; args: string }> = [];
  const timeline: string[] = [];
  /** The `slow` command holds each turn until the test lets it go: `release(args)`. */
  const gates = new Map<string, () => void>();
  const release = (args: string) => waitFor(() => gates.get(args)).then((open) => open());

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
    logs = captureLogs('info');
    store = await openSqliteStore(':memory:');
    bot = await startBot(testConfig({ STORE_PATH: ':memory:' }), {
      store,
      cloud: { simulated: false } as Cloud,
      logger: logs.logger,
      features: () => ({
        commands: [
          command('status'),
          command('remove'),
          command('remove tenant'),
          command('boom', async () => {
            throw new Error('database password=hunter2 exploded');
          }),
          command('slow', async (context, args) => {
            timeline.push(`start ${args}`);
            await new Promise<void>((resolve) => gates.set(args, resolve));
            timeline.push(`end ${args}`);
            await context.sendActivity(`slow:${args}`);
          }),
        ],
        cardActions: [echoAction],
        services: [],
      }),
    });
    botUrl = bot.url.replace(/\/api\/messages$/, '');
  });

  afterAll(async () => {
    await bot?.close();
    if (store?.isOpen()) await store.close();
  });

  let seq = 0;
  /** A message (or any activity) from Alex, by default in a conversation of its own. */
  function activity(fields: Record<string, unknown> = {}, conversation = `conv-${++seq}`) {
    const made = teamsActivity({ type: 'message', ...fields }, { from: ALEX, conversation, serviceUrl: bot.connector.serviceUrl });
    // The factory speaks for Teams; a test that names another channel means it.
    return 'channelId' in fields ? { ...made, channelId: fields.channelId } : made;
  }

  const post = (body: unknown, raw?: string) =>
    fetch(`${botUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body) });

  const replies = () => bot.connector.sent;
  const repliesTo = (id: string) => bot.connector.sent.filter((r) => r.activity.replyToId === id);

  it('GET /healthz says alive and GET /readyz says ready while the store is open', async () => {
    expect((await fetch(`${botUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${botUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('routes to the longest matching command, case-insensitively, with the rest as args', async () => {
    const a = activity({ text: 'Remove   Tenant 1234-abcd' });
    expect((await post(a)).status).toBe(200);
    expect(repliesTo(a.id).map((r) => r.activity.text)).toEqual(['remove tenant:1234-abcd']);
    const b = activity({ text: 'STATUS onb-7f3k' });
    await post(b);
    expect(repliesTo(b.id).map((r) => r.activity.text)).toEqual(['status:onb-7f3k']);
    // A word that merely starts with a command is not that command.
    const c = activity({ text: 'statuses' });
    await post(c);
    expect(JSON.stringify(repliesTo(c.id)[0].activity)).toContain('did not understand');
  });

  it('lists the registered commands on the help card', async () => {
    const a = activity({ text: 'help' });
    await post(a);
    const card = repliesTo(a.id)[0].activity.attachments?.[0].content;
    const titles = JSON.stringify(card);
    // Placeholders shown as ‹x›: renderers would drop an HTML-looking <x>.
    for (const usage of ['status ‹x›', 'remove tenant ‹x›', 'help']) expect(titles).toContain(usage);
  });

  it('a failing turn tells the user a reference id, logs the error under it, and shows no internals', async () => {
    const a = activity({ text: 'boom' });
    expect((await post(a)).status).toBe(200);
    const [reply] = repliesTo(a.id);
    const ref = /reference ([A-Z2-9]{8})\./.exec(reply.activity.text ?? '')?.[1];
    expect(ref).toBeDefined();
    expect(reply.activity.text).not.toMatch(/exploded|hunter2|at .*\.ts|Error/);
    const logged = logs.records().find((r) => r.referenceId === ref);
    expect(logged).toMatchObject({ level: 'error', msg: 'turn failed', activityId: a.id, conversationId: a.conversation!.id });
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
    expect(JSON.stringify(reply.activity.attachments?.[0].content)).toContain('done test.go 9');
  });

  it('runs turns of one conversation one at a time, and of different conversations side by side', async () => {
    timeline.length = 0;
    const serial = Promise.all([post(activity({ text: 'slow 1' }, 'conv-serial')), post(activity({ text: 'slow 2' }, 'conv-serial'))]);
    // Both requests are at the server and one turn has started: the other waits behind it.
    await waitFor(() => bot.app.server.inFlight() === 2 && timeline.length > 0);
    const first = timeline[0].replace('start ', '');
    const second = first === '1' ? '2' : '1';
    expect(timeline).toEqual([`start ${first}`]);
    await release(first);
    await waitFor(() => timeline.length === 3);
    await release(second);
    await serial;
    expect(timeline).toEqual(expect.arrayContaining(['start 1', 'end 1', 'start 2', 'end 2']));
    // No overlap: every start is followed by its own end.
    expect(timeline[1].replace('end', 'start')).toBe(timeline[0]);
    expect(timeline[3].replace('end', 'start')).toBe(timeline[2]);

    timeline.length = 0;
    const sideBySide = Promise.all([post(activity({ text: 'slow A' }, 'c-a')), post(activity({ text: 'slow B' }, 'c-b'))]);
    // Both turns start while neither may end yet.
    await waitFor(() => timeline.length === 2);
    expect(timeline.slice(0, 2).every((t) => t.startsWith('start'))).toBe(true);
    await Promise.all([release('A'), release('B')]);
    await sideBySide;
  });

  it('saves the conversation reference for proactive posts', async () => {
    const a = activity({ text: 'status x' }, 'conv-ref');
    await post(a);
    expect(await store.conversations.get('conv-ref')).toMatchObject({ conversation: { id: 'conv-ref' }, serviceUrl: bot.connector.serviceUrl, bot: { id: '28:bot' } });
  });

  it('refuses malformed JSON (400) and an oversized body (413) without running a turn', async () => {
    const before = replies().length;
    expect((await post(undefined, '{"type": "message", ')).status).toBe(400);
    const big = activity({ text: `status ${'x'.repeat(300 * 1024)}` });
    expect((await post(big)).status).toBe(413);
    // A turn's replies reach the connector before its HTTP answer: none came.
    expect(replies().length).toBe(before);
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
    expect(repliesTo(a.id).map((r) => r.activity.text)).toEqual(['status:plain']);
  });

  // This bot runs in local mode, where the Emulator is allowed; test/bot/config.test.ts refuses it with an app id.
  it.each([['webchat'], ['directline'], ['slack'], [undefined], [42]])(
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
    await waitFor(() => timeline.includes('start last'));
    expect(bot.app.server.inFlight()).toBe(1);
    const stopped = bot.app.server.stop(5000);
    await release('last');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await stopped).toBe(true);
    expect(replies().some((r) => r.activity.text === 'slow:last')).toBe(true);
    await expect(fetch(`${botUrl}/healthz`)).rejects.toThrow();
    await store.close();
    expect(store.isOpen()).toBe(false);
  });
});
