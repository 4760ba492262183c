// Drives the real app (createApp with the onboarding feature as its only feature, real SQLite
// store, real cloud clients on the simulated cloud) through botbuilder's TestAdapter with
// Teams-shaped activities: typed text, Action.Execute invokes (whose answer is the card that
// replaces the clicked one) and Action.Submit fallbacks. A click works like the Teams client: the
// button's data plus the card's inputs.
import type { Activity, ConversationState, TestAdapter } from 'botbuilder';
import pino from 'pino';
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

import { cardAction, cardSubmit, message, personalChat, type Conversation } from '../support/activities';
import { startInProcessBot, type InProcessBot } from '../support/botDriver';
import { findAction, inputValues, lastCard, type Card } from '../support/cardQueries';
import { TEAMS_TENANT, type TeamsUser } from '../support/people';

export { buttonTitles, errorBeside, findAction, inputValues, lastCard, texts, title, type Card } from '../support/cardQueries';
export { ALEX, MEGAN, type TeamsUser } from '../support/people';

export const TENANT_ID = TEAMS_TENANT;
export const CHANNEL_THREAD = '19:onboarding@thread.tacv2;messageid=1700000000000';

export interface BotUnderTest {
  bot: InProcessBot;
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
  /** How long a click waits for the cloud before the card says "still checking" (default: the bot's). */
  checkBudgetMs?: number;
}

export async function buildBot(options: BotOptions): Promise<BotUnderTest> {
  const { store, cloud } = options;
  const submitted: string[] = [];
  let sweep: DraftExpirySweep | undefined;
  // Set below; the feature's proactive turns only run once a test drives the sweep.
  const proactive: { bot?: InProcessBot } = {};
  const bot = await startInProcessBot(testConfig({ STORE_PATH: ':memory:' }), {
    store,
    cloud,
    logger: pino({ level: 'silent' }),
    features: (deps) => {
      const feature = createOnboardingFeature({
        cloud,
        store,
        conversationState: deps.conversationState,
        draftTtlHours: options.draftTtlHours ?? 168,
        intake: createIntake({
          store,
          approvals: { requestApproval: async (request: ServiceRequest) => (options.onSubmitted ? options.onSubmitted(request as OnboardingRequest) : void submitted.push(request.id)) },
        }),
        cancelRequest: options.cancelRequest,
        checkBudgetMs: options.checkBudgetMs,
        continueConversation: (reference, logic) => proactive.bot!.continueConversation(reference, logic),
      });
      sweep = feature.services[0];
      return { commands: feature.commands, cardActions: feature.cardActions, services: feature.services };
    },
  });
  proactive.bot = bot;
  return { bot, adapter: bot.adapter, store, cloud, conversationState: bot.app.conversationState, submitted, sweep: sweep! };
}

/** Replies the bot sent outside a turn the test drove (proactive ones). */
export function drainReplies(bot: BotUnderTest): Partial<Activity>[] {
  return bot.bot.drain();
}

/** One simulated cloud, the real clients on it, and an in-memory SQLite store. */
export async function startWorld(): Promise<{ sandbox: Sandbox; cloud: Cloud; store: BotStore; close(): Promise<void> }> {
  const sandbox = await startSandbox({ port: 0, delays: { orderCompleteMs: 30, entitlementActiveMs: 30, latencyMs: 0 } });
  // One stamp (payg-east's): its onboardings get the Azure Stack Hub card; payg-west's are billing only.
  const stampEnv = { AZURESTACK_STAMPS: sandbox.stampEnv.AZURESTACK_STAMPS.split(',').filter((pair) => pair.startsWith('azurestack-payg-east=')).join(','), CSP_GUEST_ACCOUNT: sandbox.stampEnv.CSP_GUEST_ACCOUNT };
  const cloud = createCloud(testConfig({ ...sandbox.env, ...stampEnv, CLOUD: 'sandbox' }), {
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
    private readonly bot: Pick<BotUnderTest, 'bot'>,
    readonly user: TeamsUser,
    private readonly conversation: Conversation = personalChat(user),
  ) {}

  /** Types a message (in a channel, @mentioning the bot); returns the bot's replies. */
  async say(text: string): Promise<Partial<Activity>[]> {
    return this.bot.bot.send(message(text, this.envelope()));
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
    const replies = await this.bot.bot.send(cardAction(action.verb as string, data, { ...this.envelope(), title }));
    // The last one, as CloudAdapter answers the invoke with the last invokeResponse of the turn.
    const invokeResponse = replies.filter((r) => r.type === 'invokeResponse').pop();
    return (invokeResponse?.value as { status: number; body: InvokeAnswer } | undefined)?.body;
  }

  /** Clicks the same button as an old client would: Action.Submit, a message with the data in `value`. */
  async clickFallback(card: Card, title: string, typed: Record<string, string> = {}): Promise<Partial<Activity>[]> {
    const action = findAction(card, title);
    const fallback = action.fallback as Record<string, unknown>;
    const value = { ...(fallback.data as Record<string, unknown>), ...(fallback.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed }) };
    return this.bot.bot.send(cardSubmit(value, this.envelope()));
  }

  private envelope() {
    return { from: this.user, conversation: this.conversation, id: `${this.user.id}-${this.nextId++}` };
  }
}
