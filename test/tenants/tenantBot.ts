// The real bot (CspBot routing, the tenant feature, real SQLite store, real clients on the simulated
// cloud) driven through botbuilder's TestAdapter with Teams-shaped activities: typed commands and
// Action.Execute invokes, whose answer is the card that replaces the clicked one.
import { ConversationState, TestAdapter, UserState, type Activity } from 'botbuilder';
import pino from 'pino';
import { CspBot } from '../../src/bot/cspBot';
import { createTenantFeature, type TenantFeature } from '../../src/features/tenants/tenantFeature';
import type { ServiceRequest } from '../../src/onboarding/model';
import { createIntake } from '../../src/onboarding/requests/intake';
import type { Cloud } from '../../src/onboarding/ports';
import type { BotStore } from '../../src/store/types';

import { findAction, inputValues, lastCard, type Card } from '../support/cardQueries';

export { buttonTitles as buttons, cardBytes, findAction, texts, type Card } from '../support/cardQueries';

export const TENANT_ID = '11111111-2222-4333-8444-555555555555';

export interface Person {
  id: string;
  name: string;
  aadObjectId: string;
}

export interface TenantBot {
  adapter: TestAdapter;
  feature: TenantFeature;
  /** Requests handed to the approval feature, in order. */
  submitted: ServiceRequest[];
}

export function buildTenantBot(store: BotStore, cloud: Cloud, options: { invokeWaitMs?: number } = {}): TenantBot {
  const submitted: ServiceRequest[] = [];
  const intake = createIntake({ store, approvals: { requestApproval: async (r) => void submitted.push(r) } });
  const feature = createTenantFeature({ cloud, store, logger: { warn: () => undefined }, intake, ...options });
  const conversationState = new ConversationState(store.state);
  const bot = new CspBot({
    commands: feature.commands,
    cardActions: feature.cardActions,
    store,
    conversationState,
    userState: new UserState(store.state),
    logger: pino({ level: 'silent' }),
    config: { ALLOWED_TENANT_IDS: [] },
    cloud,
  });
  return { adapter: new TestAdapter(async (context) => bot.run(context)), feature, submitted };
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
    const replies = await this.process({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data } } });
    const response = replies.find((r) => r.type === 'invokeResponse')?.value as { body?: { type: string; value: Card } } | undefined;
    if (response?.body?.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`"${verb}" got no card: ${JSON.stringify(response)}`);
    return response.body.value;
  }

  private async process(fields: Partial<Activity>): Promise<Partial<Activity>[]> {
    await this.bot.adapter.processActivity({
      ...fields,
      id: `${this.user.id}-${this.next++}`,
      channelId: 'msteams',
      serviceUrl: 'https://smba.example.test/teams/',
      from: { id: this.user.id, name: this.user.name, aadObjectId: this.user.aadObjectId },
      recipient: { id: '28:bot', name: 'CSP Bot' },
      conversation: { id: `a:1on1-${this.user.id}`, name: '', conversationType: 'personal', tenantId: TENANT_ID, isGroup: false },
      channelData: { tenant: { id: TENANT_ID } },
    });
    const replies: Partial<Activity>[] = [];
    for (let reply = this.bot.adapter.getNextReply(); reply; reply = this.bot.adapter.getNextReply()) replies.push(reply);
    return replies;
  }
}
