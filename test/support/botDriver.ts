// The bot under test, built by the composition root (`createApp`, as production builds it) and
// driven over real HTTP on loopback: restify + CloudAdapter (local mode, no token) + the bot, with
// what it sends to Teams recorded by a loopback Bot Connector. A person in a conversation types and
// clicks through `driver.as(user, conversation)`; an invoke's answer is the HTTP response's body.
// Transcript tests that need no HTTP drive the same app in process through botbuilder's TestAdapter
// (`startInProcessBot`).
import { TestAdapter, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import { createApp, type App, type AppOptions } from '../../src/app';
import type { Config } from '../../src/config';
import { cardAction, cardSubmit, message, personalChat, type Conversation } from './activities';
import { findAction, inputValues, lastCard, type Card } from './cardQueries';
import { startLoopbackConnector, type LoopbackConnector, type SentActivity } from './loopbackConnector';
import type { TeamsUser } from './people';

export interface PostResult {
  status: number;
  body: Record<string, unknown> | undefined;
  text: string;
  ms: number;
}

/** POSTs an activity to a bot's /api/messages as Teams would; the answer's body parsed when it is JSON. */
export async function postActivity(messagesUrl: string, activity: unknown): Promise<PostResult> {
  const started = performance.now();
  const res = await fetch(messagesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
  const text = await res.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text, ms: performance.now() - started };
}

export interface BotDriver {
  readonly app: App;
  readonly connector: LoopbackConnector;
  /** http://127.0.0.1:port/api/messages */
  readonly url: string;
  post(activity: unknown): Promise<PostResult>;
  /** A person in one conversation (default: their 1:1 chat with the bot). */
  as(user: TeamsUser, conversation?: Conversation | string, options?: { tenantId?: string }): TeamsChat;
  /** Waits for the runs in flight, closes the app (and the connector if the driver started it). */
  close(): Promise<void>;
}

export interface DriverOptions extends AppOptions {
  /** A connector shared with other bots or started by the test; default: one of the driver's own. */
  connector?: LoopbackConnector;
}

export async function startBot(config: Config, options: DriverOptions = {}): Promise<BotDriver> {
  const { connector: given, ...appOptions } = options;
  const connector = given ?? (await startLoopbackConnector());
  const app = await createApp(config, appOptions);
  const url = `http://127.0.0.1:${await app.listen(0)}/api/messages`;
  const driver: BotDriver = {
    app,
    connector,
    url,
    post: (activity) => postActivity(url, activity),
    as: (user, conversation = personalChat(user), chatOptions = {}) => new TeamsChat(driver, user, conversation, chatOptions.tenantId),
    async close() {
      await app.approvals.idle();
      await app.close();
      if (!given) await connector.close();
    },
  };
  return driver;
}

const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

/** One person in one conversation: types, clicks, and reads what the bot answered. */
export class TeamsChat {
  constructor(
    private readonly driver: BotDriver,
    readonly user: TeamsUser,
    readonly conversation: Conversation | string,
    private readonly tenantId?: string,
  ) {}

  private get envelope() {
    return { from: this.user, conversation: this.conversation, serviceUrl: this.driver.connector.serviceUrl, tenantId: this.tenantId };
  }

  /** Types a message; returns what the bot sent in reply to it (typing indicators left out). */
  async say(text: string): Promise<SentActivity[]> {
    return this.send(message(text, this.envelope));
  }

  /** Types a message and returns the bot's first reply to it. */
  async reply(text: string): Promise<SentActivity> {
    const [first] = await this.say(text);
    if (!first) throw new Error(`No reply to "${text}"`);
    return first;
  }

  /** Types a command and returns the last card the bot sent in reply. */
  async card(text: string): Promise<Card> {
    const replies = await this.say(text);
    const card = lastCard(replies.map((r) => r.activity as Partial<Activity>));
    if (!card) throw new Error(`No card in the replies to "${text}": ${JSON.stringify(replies.map((r) => r.activity.text))}`);
    return card;
  }

  /** Sends an invoke with any verb and data (what a button, or a crafted client, sends); returns the HTTP answer. */
  async invoke(verb: string, data: unknown, options: { replyToId?: string } = {}): Promise<PostResult> {
    return this.driver.post(cardAction(verb, data, { ...this.envelope, ...options }));
  }

  /** Clicks an Action.Execute button by title, with the card's inputs (and `typed`); returns the invoke answer. */
  async clickForAnswer(card: Card, title: string, typed: Record<string, string> = {}): Promise<PostResult> {
    const action = findAction(card, title);
    const inputs = action.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed };
    return this.driver.post(cardAction(String(action.verb), { ...(action.data as Record<string, unknown>), ...inputs }, { ...this.envelope, title }));
  }

  /** Clicks an Action.Execute button; returns the card that replaces the clicked one. */
  async click(card: Card, title: string, typed: Record<string, string> = {}): Promise<Card> {
    const answer = await this.clickForAnswer(card, title, typed);
    if (answer.body?.type !== ADAPTIVE_CARD) throw new Error(`Click on "${title}" got no card: ${answer.status} ${answer.text}`);
    return answer.body.value as Card;
  }

  /** Clicks the same button as an old client would (Action.Submit): a message with the data in `value`. */
  async clickFallback(card: Card, title: string, typed: Record<string, string> = {}): Promise<SentActivity[]> {
    const action = findAction(card, title);
    const fallback = action.fallback as Record<string, unknown>;
    const value = { ...(fallback.data as Record<string, unknown>), ...(fallback.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed }) };
    return this.send(cardSubmit(value, this.envelope));
  }

  /** Posts an activity; every reply of its turn has reached the connector when the POST returns. */
  private async send(activity: Partial<Activity> & { id: string }): Promise<SentActivity[]> {
    const answer = await this.driver.post(activity);
    if (answer.status >= 400) throw new Error(`The bot answered ${answer.status}: ${answer.text}`);
    return this.driver.connector.sent.filter((s) => s.activity.replyToId === activity.id && s.activity.type !== 'typing');
  }
}

/** The app from createApp, its turns driven in process through botbuilder's TestAdapter (no HTTP, no connector). */
export interface InProcessBot {
  readonly app: App;
  readonly adapter: TestAdapter;
  /** Runs one turn; returns every activity the bot sent in it (an invoke's answer as an `invokeResponse`). */
  send(activity: Partial<Activity>): Promise<Partial<Activity>[]>;
  /** Replies the bot sent outside a turn the test drove (proactive ones). */
  drain(): Partial<Activity>[];
  /** A proactive turn (TestAdapter has no continueConversation): an event activity run with the logic. */
  continueConversation(reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>): Promise<void>;
}

export async function startInProcessBot(config: Config, options: AppOptions = {}): Promise<InProcessBot> {
  const app = await createApp(config, options);
  const adapter = new TestAdapter(async (context) => app.bot.run(context));
  const drain = () => {
    const replies: Partial<Activity>[] = [];
    for (let reply = adapter.getNextReply(); reply; reply = adapter.getNextReply()) replies.push(reply);
    return replies;
  };
  return {
    app,
    adapter,
    async send(activity) {
      await adapter.processActivity(activity);
      return drain();
    },
    drain,
    async continueConversation(reference, logic) {
      await adapter.processActivity(
        { type: 'event', name: 'proactive', channelId: reference.channelId, serviceUrl: reference.serviceUrl, conversation: reference.conversation, recipient: reference.user },
        logic,
      );
    },
  };
}
