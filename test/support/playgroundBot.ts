// The bot on the simulated cloud behind the local Teams client, as the approval and run stories
// start it: the simulated cloud's environment, the playground's tenant allowed, the delegated
// Partner Center token, no polling delay, the given approvers; `extra` adds or overrides settings.
import type { Sandbox } from '../../src/sandbox';
import { startBot, type BotDriver } from './botDriver';
import { adaptiveCardOf, PLAYGROUND_TENANT_ID, startTestPlayground, type Playground, type PlaygroundMessage, type SendResult } from './playground';
import { testConfig } from './testConfig';
import { startTestSandbox } from '../onboarding/support';

export async function startPlaygroundBot(sandbox: Sandbox, approverIds: string, extra: Record<string, string> = {}): Promise<{ bot: BotDriver; pg: Playground }> {
  const bot = await startBot(
    testConfig({
      ...sandbox.env,
      CLOUD: 'sandbox',
      STORE_PATH: ':memory:',
      LOG_LEVEL: 'silent',
      PARTNER_CENTER_REFRESH_TOKEN: sandbox.delegatedRefreshToken,
      ALLOWED_TENANT_IDS: PLAYGROUND_TENANT_ID,
      APPROVER_IDS: approverIds,
      POLL_INTERVAL_SECONDS: '0',
      POLL_MAX_INTERVAL_SECONDS: '0',
      ...extra,
    }),
  );
  return { bot, pg: await startTestPlayground(bot.url) };
}

/** A message's card as JSON text ('{}' when it has none), for "does the card say …". */
export const cardJson = (m: PlaygroundMessage) => JSON.stringify(adaptiveCardOf(m) ?? {});

/** What a story's test sees: the simulated cloud (one per `describe`), and the bot and playground once started. */
export interface PlaygroundStory {
  readonly sandbox: Sandbox;
  readonly bot: BotDriver;
  readonly pg: Playground;
  /** Starts the bot behind the local Teams client (see startPlaygroundBot); closed after the describe. */
  start(approverIds: string, extra?: Record<string, string>): Promise<{ bot: BotDriver; pg: Playground }>;
  /** The bot hears from the channel (a mention), so it holds the channel's reference; waits for its answer. */
  greetChannel(): Promise<SendResult>;
}

/**
 * The set-up every story shares, registered in the calling `describe`: a simulated cloud before all
 * its tests, and the playground, the bot and the cloud closed after them.
 */
export function playgroundStory(): PlaygroundStory {
  let sandbox: Sandbox | undefined;
  let started: { bot: BotDriver; pg: Playground } | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet`);
    return value;
  };
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await started?.pg.close();
    await started?.bot.close();
    await sandbox?.close();
  });
  const story: PlaygroundStory = {
    get sandbox() {
      return need(sandbox, 'the simulated cloud');
    },
    get bot() {
      return need(started, 'the bot').bot;
    },
    get pg() {
      return need(started, 'the local Teams client').pg;
    },
    async start(approverIds, extra = {}) {
      started = await startPlaygroundBot(story.sandbox, approverIds, extra);
      return started;
    },
    async greetChannel() {
      const pg = story.pg;
      const hello = await pg.client.sendText(pg.conversations.channel, `<at>${pg.bot.name}</at> help`, { mentions: [{ id: pg.bot.id, name: pg.bot.name }] });
      await pg.client.waitForMessage((m) => m.fromId === pg.bot.id, { after: hello });
      return hello;
    },
  };
  return story;
}
