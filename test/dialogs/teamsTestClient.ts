// Drives the real bot (CspBot with the onboarding feature, real SQLite store, real cloud clients on
// the simulated cloud) through botbuilder's TestAdapter with Teams-shaped activities: typed text,
// Action.Execute invokes (whose answer is the card that replaces the clicked one) and Action.Submit
// fallbacks. A click works like the Teams client: the button's data plus the card's inputs.
import { TestAdapter, type Activity, type ConversationState } from 'botbuilder';
import { ConcurrentConversationState, ConcurrentUserState } from '../../src/bot/concurrentState';
import pino from 'pino';
import { CspBot } from '../../src/bot/cspBot';
import { testConfig } from '../support/testConfig';
import { createOnboardingFeature, type CancelRequest } from '../../src/features/onboarding/onboardingFeature';
import type { DraftExpirySweep } from '../../src/dialogs/draftExpirySweep';
import type { OnboardingRequest, ServiceRequest } from '../../src/onboarding/model';
import type { Cloud } from '../../src/onboarding/ports';
import { createIntake } from '../../src/onboarding/requests/intake';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { createCloud } from '../../src/services';

import { findAction, inputValues, lastCard, type Card } from '../support/cardQueries';

export { buttonTitles, errorBeside, findAction, inputValues, lastCard, texts, title, type Card } from '../support/cardQueries';

export const TENANT_ID = '11111111-2222-4333-8444-555555555555';
export const CHANNEL_THREAD = '19:onboarding@thread.tacv2;messageid=1700000000000';

export interface TeamsUser {
  id: string;
  name: string;
  aadObjectId: string;
}

export const ALEX: TeamsUser = { id: '29:alex', name: 'Alex Wilber', aadObjectId: '6f1c1c2e-2b1a-4c59-9d0e-0d5b2f3a8a11' };
export const MEGAN: TeamsUser = { id: '29:megan', name: 'Megan Bowen', aadObjectId: '7a2d2d3f-3c2b-4d6a-8e1f-1e6c3a4b9b22' };

export interface BotUnderTest {
  adapter: TestAdapter;
  store: BotStore;
  cloud: Cloud;
  conversationState: ConversationState;
  submitted: string[];
  sweep: DraftExpirySweep;
}

export interface BotOptions {
  store: BotStore;
  cloud: Cloud;
  draftTtlHours?: number;
  /** What posting a submitted request for approval does (default: remember its id in `submitted`). */
  onSubmitted?: (request: OnboardingRequest) => Promise<void>;
  cancelRequest?: CancelRequest;
}

export function buildBot(options: BotOptions): BotUnderTest {
  const { store, cloud } = options;
  // As in the app (src/app.ts): state saved under the eTag it was read with.
  const conversationState = new ConcurrentConversationState(store.state);
  const userState = new ConcurrentUserState(store.state);
  const submitted: string[] = [];
  const feature = createOnboardingFeature({
    cloud,
    store,
    conversationState,
    draftTtlHours: options.draftTtlHours ?? 168,
    intake: createIntake({
      store,
      approvals: { requestApproval: async (request: ServiceRequest) => (options.onSubmitted ? options.onSubmitted(request as OnboardingRequest) : void submitted.push(request.id)) },
    }),
    cancelRequest: options.cancelRequest,
    // TestAdapter has no continueConversation: a proactive turn is an event activity run with the logic.
    continueConversation: async (reference, logic) => {
      await adapter.processActivity(
        { type: 'event', name: 'proactive', channelId: reference.channelId, serviceUrl: reference.serviceUrl, conversation: reference.conversation, recipient: reference.user },
        logic,
      );
    },
  });
  const bot = new CspBot({
    commands: feature.commands,
    cardActions: feature.cardActions,
    store,
    conversationState,
    userState,
    logger: pino({ level: 'silent' }),
    config: { ALLOWED_TENANT_IDS: [] },
    cloud,
  });
  // Declared last: the feature's proactive turns (above) only run once a test drives the sweep.
  const adapter = new TestAdapter(async (context) => bot.run(context));
  return { adapter, store, cloud, conversationState, submitted, sweep: feature.services[0] };
}

/** Replies the bot sent outside a turn the test drove (proactive ones). */
export function drainReplies(bot: BotUnderTest): Partial<Activity>[] {
  const replies: Partial<Activity>[] = [];
  for (let reply = bot.adapter.getNextReply(); reply; reply = bot.adapter.getNextReply()) replies.push(reply);
  return replies;
}

/** One simulated cloud, the real clients on it, and an in-memory SQLite store. */
export async function startWorld(): Promise<{ sandbox: Sandbox; cloud: Cloud; store: BotStore; close(): Promise<void> }> {
  const sandbox = await startSandbox({ port: 0, delays: { orderCompleteMs: 30, entitlementActiveMs: 30, latencyMs: 0 } });
  const cloud = createCloud(testConfig({ ...sandbox.env, CLOUD: 'sandbox' }), {
    retry: { maxRetries: 1, retryDelayInMs: 5, maxRetryDelayInMs: 20 },
    timeoutInMs: 3000,
  });
  const store = await openSqliteStore(':memory:');
  return {
    sandbox,
    cloud,
    store,
    async close() {
      await store.close();
      await sandbox.close();
    },
  };
}

/** The body of an invoke answer: a card (the replacement) or an error with a message. */
export interface InvokeAnswer {
  statusCode: number;
  type: string;
  value: unknown;
}

/** An operator in one conversation: a 1:1 chat by default, or a channel thread. */
export class Operator {
  private nextId = 1;

  constructor(
    private readonly bot: BotUnderTest,
    readonly user: TeamsUser,
    private readonly conversation: { id: string; conversationType: 'personal' | 'channel' } = { id: `a:1on1-${user.id}`, conversationType: 'personal' },
  ) {}

  /** Types a message (in a channel, @mentioning the bot); returns the bot's replies. */
  async say(text: string): Promise<Partial<Activity>[]> {
    const mention = this.conversation.conversationType === 'channel';
    const activity = this.activity({
      type: 'message',
      text: mention ? `<at>CSP Bot</at> ${text}` : text,
      entities: mention ? [{ type: 'mention', text: '<at>CSP Bot</at>', mentioned: { id: '28:bot', name: 'CSP Bot' } }] : [],
    });
    return this.process(activity);
  }

  /** Types a command and returns the last card the bot sent. */
  async sayForCard(text: string): Promise<Card> {
    const replies = await this.say(text);
    const card = lastCard(replies);
    if (!card) throw new Error(`No card in the replies to "${text}": ${JSON.stringify(replies.map((r) => r.text))}`);
    return card;
  }

  /** Clicks an Action.Execute button (by title) with the given inputs typed; returns the card that replaces it. */
  async click(card: Card, title: string, typed: Record<string, string> = {}): Promise<Card> {
    const body = await this.clickForAnswer(card, title, typed);
    if (!body || body.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`Click on "${title}" got no card: ${JSON.stringify(body)}`);
    return body.value as Card;
  }

  /** Clicks an Action.Execute button and returns the invoke answer's body, whatever it is (a card, an error). */
  async clickForAnswer(card: Card, title: string, typed: Record<string, string> = {}): Promise<InvokeAnswer | undefined> {
    const action = findAction(card, title);
    const data = { ...(action.data as Record<string, unknown>), ...(action.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed }) };
    const replies = await this.process(
      this.activity({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', title, verb: action.verb, data } } }),
    );
    // The last one, as CloudAdapter answers the invoke with the last invokeResponse of the turn.
    const invokeResponse = replies.filter((r) => r.type === 'invokeResponse').pop();
    return (invokeResponse?.value as { status: number; body: InvokeAnswer } | undefined)?.body;
  }

  /** Clicks the same button as an old client would: Action.Submit, a message with the data in `value`. */
  async clickFallback(card: Card, title: string, typed: Record<string, string> = {}): Promise<Partial<Activity>[]> {
    const action = findAction(card, title);
    const fallback = action.fallback as Record<string, unknown>;
    const value = { ...(fallback.data as Record<string, unknown>), ...(fallback.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed }) };
    return this.process(this.activity({ type: 'message', value }));
  }

  private activity(fields: Partial<Activity>): Partial<Activity> {
    return {
      ...fields,
      id: `${this.user.id}-${this.nextId++}`,
      channelId: 'msteams',
      serviceUrl: 'https://smba.example.test/teams/',
      from: { id: this.user.id, name: this.user.name, aadObjectId: this.user.aadObjectId },
      recipient: { id: '28:bot', name: 'CSP Bot' },
      conversation: { id: this.conversation.id, name: '', conversationType: this.conversation.conversationType, tenantId: TENANT_ID, isGroup: this.conversation.conversationType !== 'personal' },
      channelData: { tenant: { id: TENANT_ID } },
    };
  }

  private async process(activity: Partial<Activity>): Promise<Partial<Activity>[]> {
    await this.bot.adapter.processActivity(activity);
    const replies: Partial<Activity>[] = [];
    for (let reply = this.bot.adapter.getNextReply(); reply; reply = this.bot.adapter.getNextReply()) replies.push(reply);
    return replies;
  }
}
