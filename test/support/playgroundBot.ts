// The bot on the simulated cloud behind the local Teams client, as the approval and run stories
// start it: the simulated cloud's environment, the playground's tenant allowed, the delegated
// Partner Center token, no polling delay, the given approvers; `extra` adds or overrides settings.
import type { Sandbox } from '../../src/sandbox';
import { startBot, type BotDriver } from './botDriver';
import { adaptiveCardOf, PLAYGROUND_TENANT_ID, startTestPlayground, type Playground, type PlaygroundMessage } from './playground';
import { testConfig } from './testConfig';

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
