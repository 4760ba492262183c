// The real app (createApp: CspBot routing, state, the tenant feature as the only feature, a real
// SQLite store, real clients on the simulated cloud) driven through botbuilder's TestAdapter with
// Teams-shaped activities: typed commands and Action.Execute invokes, whose answer is the card that
// replaces the clicked one. Approval is recorded here (its own tests cover the approval cards).
import type { Activity } from 'botbuilder';
import pino from 'pino';
import { createTenantFeature, type TenantFeature } from '../../src/features/tenants/tenantFeature';
import type { ServiceRequest } from '../../src/onboarding/model';
import { createIntake } from '../../src/onboarding/requests/intake';
import type { Cloud } from '../../src/onboarding/ports';
import type { BotStore } from '../../src/store/types';
import { cardAction, personalChat, teamsActivity } from '../support/activities';
import { startInProcessBot, type InProcessBot } from '../support/botDriver';
import { testConfig } from '../support/testConfig';
import { findAction, inputValues, lastCard, type Card } from '../support/cardQueries';
import type { TeamsUser } from '../support/people';

export { buttonTitles as buttons, cardBytes, findAction, texts, type Card } from '../support/cardQueries';

export type Person = TeamsUser;

export interface TenantBot {
  bot: InProcessBot;
  feature: TenantFeature;
  /** Requests handed to the approval feature, in order. */
  submitted: ServiceRequest[];
}

export async function buildTenantBot(store: BotStore, cloud: Cloud, options: { invokeWaitMs?: number } = {}): Promise<TenantBot> {
  const submitted: ServiceRequest[] = [];
  let feature: TenantFeature | undefined;
  const bot = await startInProcessBot(testConfig({ STORE_PATH: ':memory:' }), {
    store,
    cloud,
    logger: pino({ level: 'silent' }),
    features: () => {
      const intake = createIntake({ store, approvals: { requestApproval: async (r) => void submitted.push(r) } });
      feature = createTenantFeature({ cloud, store, logger: { warn: () => undefined }, intake, ...options });
      return { commands: feature.commands, cardActions: feature.cardActions, services: [] };
    },
  });
  return { bot, feature: feature!, submitted };
}

export class Chat {
  private next = 1;
  constructor(
    private readonly bot: TenantBot,
    readonly user: Person,
  ) {}

  async say(text: string): Promise<Partial<Activity>[]> {
    return this.process({ type: 'message', text });
  }

  /** The last card of the replies to a typed command. */
  async card(text: string): Promise<Card> {
    const replies = await this.say(text);
    const card = lastCard(replies);
    if (!card) throw new Error(`No card in the replies to "${text}": ${JSON.stringify(replies.map((r) => r.text))}`);
    return card;
  }

  /** The text replies to a typed command. */
  async text(text: string): Promise<string> {
    return (await this.say(text))
      .map((r) => r.text)
      .filter(Boolean)
      .join('\n');
  }

  /** Clicks an Action.Execute button by title, with the card's inputs (and `typed`) sent along; returns the replacing card. */
  async click(card: Card, title: string, typed: Record<string, string> = {}): Promise<Card> {
    const action = findAction(card, title);
    const inputs = action.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed };
    return this.invoke(String(action.verb), { ...(action.data as Record<string, unknown>), ...inputs });
  }

  /** Sends an invoke with any verb and data (what a crafted client could send). */
  async invoke(verb: string, data: Record<string, unknown>): Promise<Card> {
    const replies = await this.bot.bot.send(cardAction(verb, data, this.envelope()));
    const response = replies.find((r) => r.type === 'invokeResponse')?.value as { body?: { type: string; value: Card } } | undefined;
    if (response?.body?.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`"${verb}" got no card: ${JSON.stringify(response)}`);
    return response.body.value;
  }

  private envelope() {
    return { from: this.user, conversation: personalChat(this.user), id: `${this.user.id}-${this.next++}` };
  }

  private async process(fields: Partial<Activity>): Promise<Partial<Activity>[]> {
    return this.bot.bot.send(teamsActivity(fields, this.envelope()));
  }
}
