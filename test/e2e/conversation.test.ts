// A user talks to the bot in the local Teams client (Agents Playground) over real HTTP: the bot runs
// in-process on a free port with the real CloudAdapter, restify, SQLite store and cloud clients.
import { startBot, type BotDriver } from '../support/botDriver';
import { testConfig } from '../support/testConfig';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { adaptiveCardOf, startTestPlayground, type Playground, type PlaygroundMessage } from '../support/playground';
import { captureLogs, type LogCapture } from '../support/logCapture';
import { PLAYGROUND_TENANT_ID } from '../support/playground';
import { FOREIGN_TENANT } from '../support/people';


function helpFacts(message: PlaygroundMessage): string[] {
  const card = adaptiveCardOf(message);
  const body = (card?.body ?? []) as Array<{ type: string; facts?: Array<{ title: string }> }>;
  return body.filter((e) => e.type === 'FactSet').flatMap((e) => (e.facts ?? []).map((f) => f.title));
}

function cardText(message: PlaygroundMessage): string {
  return JSON.stringify(adaptiveCardOf(message) ?? {});
}

const isHelpCard = (m: PlaygroundMessage) => helpFacts(m).includes('help');

describe('the bot in the local Teams client', () => {
  let bot: BotDriver;
  let pg: Playground;
  let logs: LogCapture;
  let sandbox: Sandbox;

  beforeAll(async () => {
    logs = captureLogs('info');
    sandbox = await startSandbox({ seed: false });
    const config = testConfig({ ...sandbox.env, CLOUD: 'sandbox', STORE_PATH: ':memory:', ALLOWED_TENANT_IDS: PLAYGROUND_TENANT_ID });
    bot = await startBot(config, { logger: logs.logger });
    pg = await startTestPlayground(bot.url);
  });

  afterAll(async () => {
    await pg?.close();
    await bot?.close();
    await sandbox?.close();
  });

  it('answers "help" in the personal chat with the help card', async () => {
    const sent = await pg.client.sendText(pg.conversations.personalChat, 'help');
    const reply = await pg.client.waitForMessage(isHelpCard, { after: sent });
    expect(reply.conversationId).toBe(pg.conversations.personalChat);
    expect(cardText(reply)).toContain('Here is what I can do');
    // The commands the features registered, each listed once with its usage.
    const commandWords = helpFacts(reply).map((title) => title.split(' ')[0]);
    expect(commandWords).toEqual(expect.arrayContaining(['onboard', 'status', 'tenants', 'help', 'cancel']));
    expect(new Set(helpFacts(reply)).size).toBe(helpFacts(reply).length);
    // The simulated-cloud banner shows, because no Azure credentials are configured.
    expect(cardText(reply)).toContain('Simulated cloud');
  });

  it('answers "@CSP Onboarding Bot help" in a channel, in the thread, with the mention removed', async () => {
    const sent = await pg.client.sendText(pg.conversations.channel, `<at>${pg.bot.name}</at> help`, {
      mentions: [{ id: pg.bot.id, name: pg.bot.name }],
    });
    expect(sent.postConversationId).toBeTruthy();
    const reply = await pg.client.waitForMessage((m) => isHelpCard(m) && m.conversationId === sent.postConversationId, { after: sent });
    // "I did not understand" would mean the @mention was left in the command text.
    expect(cardText(reply)).not.toContain('did not understand');
    expect(cardText(reply)).toContain('Here is what I can do');
  });

  it('answers text it does not understand with the help card, saying so', async () => {
    const sent = await pg.client.sendText(pg.conversations.personalChat, 'make me a sandwich');
    const reply = await pg.client.waitForMessage(isHelpCard, { after: sent });
    expect(cardText(reply)).toContain('I did not understand \\"make me a sandwich\\"');
  });

  it('greets with the help card when installed, and remembers the conversation for proactive posts', async () => {
    const seq = await pg.client.install(pg.conversations.groupChat);
    const greeting = await pg.client.waitForMessage((m) => isHelpCard(m) && m.conversationId === pg.conversations.groupChat, { after: seq });
    expect(cardText(greeting)).toContain('Hello!');
    // Exactly one greeting although Teams sends installationUpdate and conversationUpdate: a message
    // sent after both is answered after both (one turn at a time per conversation), so by its reply
    // a second greeting would be there.
    const probe = await pg.client.sendText(pg.conversations.groupChat, `<at>${pg.bot.name}</at> help`, { mentions: [{ id: pg.bot.id, name: pg.bot.name }] });
    const isGreeting = (m: PlaygroundMessage) => isHelpCard(m) && cardText(m).includes('Hello!');
    const answer = await pg.client.waitForMessage((m) => isHelpCard(m) && !isGreeting(m) && m.conversationId === pg.conversations.groupChat, { after: probe });
    const greetings = pg.client.botMessagesAfter(seq).filter((m) => m.conversationId === pg.conversations.groupChat && m.seq <= answer.seq && isGreeting(m));
    expect(greetings).toHaveLength(1);
    const reference = await bot.app.store.conversations.get(pg.conversations.groupChat);
    expect(reference).toMatchObject({ conversation: { id: pg.conversations.groupChat }, channelId: 'msteams' });
    expect(String(reference?.serviceUrl)).toContain(`:${pg.port}`);
  });

  it('does not answer a message from a tenant outside ALLOWED_TENANT_IDS, and logs it', async () => {
    const activity = await pg.client.activityTemplate(pg.conversations.personalChat);
    const foreign = {
      ...activity,
      type: 'message',
      text: 'help',
      channelData: { ...((activity.channelData as object) ?? {}), tenant: { id: FOREIGN_TENANT } },
      conversation: { ...((activity.conversation as object) ?? {}), tenantId: FOREIGN_TENANT },
    };
    const seq = await pg.client.customActivity(foreign);
    // Prove the bot is still answering: an allowed message sent after the foreign one gets its reply…
    const probe = await pg.client.sendText(pg.conversations.personalChat, 'help');
    await pg.client.waitForMessage(isHelpCard, { after: probe });
    // …and the foreign one got none.
    expect(pg.client.botMessagesAfter(seq).filter((m) => m.seq <= probe.seq)).toEqual([]);
    expect(pg.client.botMessagesAfter(probe.seq)).toHaveLength(1);
    const ignored = logs.records().find((r) => r.tenantId === FOREIGN_TENANT);
    expect(ignored).toMatchObject({ level: 'warn', msg: expect.stringContaining('ALLOWED_TENANT_IDS') });
  });
});
