// End-to-end harness: the Microsoft 365 Agents Playground (a local Teams client) driven as a user
// through its own HTTP + WebSocket API — the calls its web UI makes (docs/reference/local-teams-client.md §LTC-5).
//
// One playground per test file:
//
//   let app: App; let pg: Playground;
//   beforeAll(async () => {
//     app = await createApp(config, { store, cloud });       // in-process bot on a free port
//     const port = await app.listen(0);
//     pg = await startTestPlayground(`http://127.0.0.1:${port}/api/messages`);
//   });
//   afterAll(async () => { await pg.close(); await app.close(); });
//
//   it('answers help', async () => {
//     const sent = await pg.client.sendText(pg.conversations.personalChat, 'help');
//     const reply = await pg.client.waitForMessage((m) => hasCard(m), { after: sent });
//   });
//
// Users: `pg.users[0]` is the current user (Alex); each has an Entra `aadObjectId`. Conversations:
// personalChat (1:1 with the bot), groupChat, and a team channel (`pg.conversations.channel`);
// posting in the channel starts a thread whose id is returned as `postConversationId`, and the
// bot's replies arrive in that thread. The playground keeps state in memory per process.
import WebSocket from 'ws';
import {
  PLAYGROUND_BOT,
  PLAYGROUND_CONVERSATIONS,
  PLAYGROUND_TENANT_ID,
  PLAYGROUND_USERS,
  startPlayground,
  type PlaygroundUser,
  type StartedPlayground,
} from '../../scripts/playground';

export { PLAYGROUND_BOT, PLAYGROUND_CONVERSATIONS, PLAYGROUND_TENANT_ID, PLAYGROUND_USERS };
export type { PlaygroundUser };

export interface PlaygroundAttachment {
  contentType: string;
  content?: unknown;
}

/** A message as the playground shows it in a conversation (from its WebSocket stream). */
export interface PlaygroundMessage {
  action: 'createMessage' | 'updateMessage';
  conversationId: string;
  messageId: string;
  fromId: string;
  text?: string;
  attachments: PlaygroundAttachment[];
  /** Order of arrival, for `after`. */
  seq: number;
  raw: Record<string, unknown>;
}

export interface SendResult {
  messageId: string;
  /** Set when the message started a channel post: the thread the bot replies in. */
  postConversationId?: string;
  /** Sequence number of the last message seen before sending, for `waitForMessage({ after })`. */
  seq: number;
}

export interface Mention {
  /** The mentioned account's id (the bot: PLAYGROUND_BOT.id). */
  id: string;
  name: string;
}

export class PlaygroundClient {
  readonly messages: PlaygroundMessage[] = [];
  private socket?: WebSocket;
  private seq = 0;
  private waiters: Array<() => void> = [];

  constructor(
    readonly baseUrl: string,
    readonly currentUser: PlaygroundUser = PLAYGROUND_USERS[0],
  ) {}

  /** Opens the conversation stream; every bot message afterwards is recorded in `messages`. */
  async connect(): Promise<void> {
    const socket = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}/_ws_conversation/v1/conversations/stream`);
    this.socket = socket;
    socket.on('message', (data) => this.record(JSON.parse(data.toString())));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
  }

  private record(event: Record<string, unknown>): void {
    if (event.action !== 'createMessage' && event.action !== 'updateMessage') return;
    const message = (event.message ?? {}) as Record<string, unknown>;
    this.messages.push({
      action: event.action,
      conversationId: String(event.actionConversationId ?? ''),
      messageId: String(message.messageId ?? ''),
      fromId: String((message.from as { id?: unknown } | undefined)?.id ?? ''),
      text: typeof message.text === 'string' ? message.text : undefined,
      attachments: (message.attachments as PlaygroundAttachment[] | undefined) ?? [],
      seq: ++this.seq,
      raw: message,
    });
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Sends a text message as `from` (default the current user), optionally @mentioning someone (the bot). */
  async sendText(conversationId: string, text: string, options: { mentions?: Mention[]; from?: PlaygroundUser } = {}): Promise<SendResult> {
    const seq = this.seq;
    const mentions = options.mentions?.map((m) => ({ mentioned: { id: m.id, name: m.name }, text: `<at>${m.name}</at>` }));
    const body = { type: 'text', text, textFormat: 'plain', from: { id: (options.from ?? this.currentUser).id }, ...(mentions ? { mentions } : {}) };
    const result = (await this.post(`/_conversation/v1/conversations/${encodeURIComponent(conversationId)}/messages`, body)) as {
      messageId: string;
      postConversationId?: string;
    };
    return { ...result, seq };
  }

  /** An Action.Execute click on a card: returns the bot's invoke response `{ type, value }`. */
  async invoke(
    conversationId: string,
    replyToId: string,
    action: { verb: string; data?: Record<string, unknown>; title?: string },
    from: PlaygroundUser = this.currentUser,
  ): Promise<{ type?: string; value?: unknown }> {
    const body = {
      name: 'adaptiveCard/action',
      value: { action: { type: 'Action.Execute', title: action.title ?? action.verb, verb: action.verb, data: action.data ?? {} } },
      from: { id: from.id },
      conversation: { id: conversationId },
      replyToId,
    };
    return (await this.post('/_conversation/v1/invoke', body)) as { type?: string; value?: unknown };
  }

  /** An Action.Submit click (the fallback path): the bot's reply then arrives as a message. */
  async submit(conversationId: string, replyToId: string, value: Record<string, unknown>, from: PlaygroundUser = this.currentUser): Promise<number> {
    const seq = this.seq;
    await this.post('/_conversation/v1/submit', { conversation: { id: conversationId }, replyToId, value, from: { id: from.id } });
    return seq;
  }

  /** The bot gets installationUpdate + conversationUpdate (membersAdded), as when a user adds the app. */
  async install(conversationId: string): Promise<number> {
    const seq = this.seq;
    await this.post(`/_debug/conversation/${encodeURIComponent(conversationId)}/installation`, {});
    return seq;
  }

  /** Forwards any activity to the bot as-is ("Mock an Activity"), e.g. one from another tenant. */
  async customActivity(activity: Record<string, unknown>): Promise<number> {
    const seq = this.seq;
    await this.post('/_internal/v1/customActivities', activity);
    return seq;
  }

  /** The activity skeleton the playground would send in a conversation, to edit for customActivity. */
  async activityTemplate(conversationId: string): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.baseUrl}/_internal/v1/customActivities/template?conversationId=${encodeURIComponent(conversationId)}`);
    if (!res.ok) throw new Error(`template: HTTP ${res.status}`);
    return (await res.json()) as Record<string, unknown>;
  }

  /** Waits for a bot message (not the user's own) matching `predicate` that arrived after `after` (a seq). */
  async waitForMessage(
    predicate: (m: PlaygroundMessage) => boolean,
    options: { after?: number | SendResult; timeoutMs?: number } = {},
  ): Promise<PlaygroundMessage> {
    const after = typeof options.after === 'object' ? options.after.seq : (options.after ?? 0);
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const found = this.botMessagesAfter(after).find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        const seen = this.botMessagesAfter(after).map((m) => `${m.conversationId}: ${m.text ?? m.attachments.map((a) => a.contentType).join(',')}`);
        throw new Error(`No matching bot message within ${options.timeoutMs ?? 10_000} ms; bot messages seen: ${JSON.stringify(seen)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Bot messages that arrived after `after` (a seq), oldest first. */
  botMessagesAfter(after: number): PlaygroundMessage[] {
    return this.messages.filter((m) => m.seq > after && m.fromId === PLAYGROUND_BOT.id);
  }

  private async post(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`Playground ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : undefined;
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  }
}

export interface Playground {
  url: string;
  port: number;
  client: PlaygroundClient;
  users: PlaygroundUser[];
  tenantId: string;
  conversations: typeof PLAYGROUND_CONVERSATIONS;
  bot: typeof PLAYGROUND_BOT;
  process: StartedPlayground;
  close(): Promise<void>;
}

/** Starts a playground (free port) pointed at `botEndpoint`, with a connected client. */
export async function startTestPlayground(botEndpoint: string, options: { tenantId?: string } = {}): Promise<Playground> {
  const started = await startPlayground({ botEndpoint, port: 0, tenantId: options.tenantId });
  const client = new PlaygroundClient(started.url);
  try {
    await client.connect();
  } catch (err) {
    await started.stop();
    throw err;
  }
  return {
    url: started.url,
    port: started.port,
    client,
    users: PLAYGROUND_USERS,
    tenantId: options.tenantId ?? PLAYGROUND_TENANT_ID,
    conversations: PLAYGROUND_CONVERSATIONS,
    bot: PLAYGROUND_BOT,
    process: started,
    close: async () => {
      await client.close();
      await started.stop();
    },
  };
}

/** The Adaptive Card of a message, if it has one. */
export function adaptiveCardOf(message: PlaygroundMessage): Record<string, unknown> | undefined {
  const attachment = message.attachments.find((a) => a.contentType === 'application/vnd.microsoft.card.adaptive');
  return attachment?.content as Record<string, unknown> | undefined;
}
