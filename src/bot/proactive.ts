// Proactive posts and in-place updates through the CloudAdapter, from the conversation references
// the bot stores on install and on every turn. Posts are retried only on 429 (the connector did not
// take them, so a replay cannot duplicate); updates (idempotent PUTs) also on 412/502/504.
import { type Activity, type CloudAdapter, type ConversationReference, TeamsInfo, type TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import type { ConversationReferenceStore } from '../store/types';

export interface ProactiveOptions {
  adapter: CloudAdapter;
  /** MicrosoftAppId ('' in local mode). */
  appId: string;
  conversations: ConversationReferenceStore;
  logger: Logger;
  /** First backoff; doubles per attempt (with jitter). */
  retryBaseMs?: number;
  maxAttempts?: number;
  /** How long a conversation's roster is reused. */
  rosterCacheMs?: number;
  /** How long a stored conversation reference is reused before it is read again. */
  referenceCacheMs?: number;
}

export interface RosterMember {
  teamsUserId: string;
  aadObjectId?: string;
  name?: string;
}

export interface Proactive {
  /** The stored reference for a conversation; a channel (or channel thread) falls back to a reference of its team. */
  reference(conversationId: string): Promise<Partial<ConversationReference> | undefined>;
  /** Posts a new message; returns its activity id. */
  post(conversationId: string, activity: Partial<Activity>): Promise<string | undefined>;
  /** Replaces a posted message in place for everyone. */
  update(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<void>;
  /** Members of the conversation (paged, cached briefly); undefined when Teams would not tell. */
  roster(conversationId: string): Promise<RosterMember[] | undefined>;
}

/** Teams' rate-limit guidance: 429 always; 412/502/504 only for idempotent calls. */
const RETRY_POST = new Set([429]);
const MAX_CACHED_REFERENCES = 1000;
const RETRY_UPDATE = new Set([429, 412, 502, 504]);

export function createProactive(options: ProactiveOptions): Proactive {
  const { adapter, appId, conversations, logger } = options;
  const baseMs = options.retryBaseMs ?? 500;
  const maxAttempts = options.maxAttempts ?? 5;
  const rosterCacheMs = options.rosterCacheMs ?? 10 * 60_000;
  const rosters = new Map<string, { members: RosterMember[]; until: number }>();
  const referenceCacheMs = options.referenceCacheMs ?? 30_000;
  const references = new Map<string, { reference: Partial<ConversationReference>; until: number }>();

  /**
   * Each card update read the reference twice (roster check, then the update) and every card render
   * once more: the most frequent store read of a busy bot. A reference names the conversation and
   * its service URL, which do not change while the bot is installed, so a found one is reused
   * briefly; a missing one is looked up every time (the bot may just have been installed).
   */
  async function reference(conversationId: string): Promise<Partial<ConversationReference> | undefined> {
    const cached = references.get(conversationId);
    if (cached && cached.until > Date.now()) return structuredClone(cached.reference);
    const found = await lookUpReference(conversationId);
    if (found && referenceCacheMs > 0) {
      if (references.size >= MAX_CACHED_REFERENCES) references.clear();
      references.set(conversationId, { reference: structuredClone(found), until: Date.now() + referenceCacheMs });
    }
    return found;
  }

  async function lookUpReference(conversationId: string): Promise<Partial<ConversationReference> | undefined> {
    const exact = await conversations.get(conversationId);
    if (exact) return exact as Partial<ConversationReference>;
    // A channel id or a thread of it: any stored reference of that channel, else of a channel of the
    // same service (the bot is installed in the team) with the conversation id swapped in.
    const base = conversationId.split(';')[0];
    const all = await conversations.list();
    const sameChannel = all.find((r) => r.conversationId.split(';')[0] === base);
    const anyChannel = all.find((r) => (r.reference as Partial<ConversationReference>).conversation?.conversationType === 'channel');
    const found = (sameChannel ?? anyChannel)?.reference as Partial<ConversationReference> | undefined;
    if (!found?.conversation) return undefined;
    return { ...found, conversation: { ...found.conversation, id: conversationId } };
  }

  async function within<T>(conversationId: string, logic: (context: TurnContext) => Promise<T>): Promise<T> {
    const ref = await reference(conversationId);
    if (!ref) throw new Error(`No conversation reference for ${conversationId}: the bot must be installed there first.`);
    let result: T | undefined;
    await adapter.continueConversationAsync(appId, ref, async (context) => {
      result = await logic(context);
    });
    return result as T;
  }

  async function withRetry<T>(what: string, retryOn: Set<number>, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (e) {
        const status = statusOf(e);
        if (status === undefined || !retryOn.has(status) || attempt >= maxAttempts) throw e;
        const delay = retryAfterMs(e) ?? baseMs * 2 ** (attempt - 1) * (0.5 + Math.random());
        logger.warn({ what, status, attempt, delay }, 'Teams asked us to slow down; trying again');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  return {
    reference,
    async post(conversationId, activity) {
      return withRetry('post', RETRY_POST, () =>
        within(conversationId, async (context) => (await context.sendActivity({ type: 'message', ...activity }))?.id),
      );
    },
    async update(conversationId, activityId, activity) {
      await withRetry('update', RETRY_UPDATE, () =>
        within(conversationId, async (context) => {
          await context.updateActivity({ type: 'message', ...activity, id: activityId });
        }),
      );
    },
    async roster(conversationId) {
      const cached = rosters.get(conversationId);
      if (cached && cached.until > Date.now()) return cached.members;
      try {
        const members = await within(conversationId, async (context) => {
          const all: RosterMember[] = [];
          let token: string | undefined;
          do {
            const page = await TeamsInfo.getPagedMembers(context, 100, token);
            for (const m of page.members ?? []) all.push({ teamsUserId: m.id, aadObjectId: m.aadObjectId, name: m.name });
            token = page.continuationToken || undefined;
          } while (token);
          return all;
        });
        rosters.set(conversationId, { members, until: Date.now() + rosterCacheMs });
        return members;
      } catch (e) {
        logger.warn({ conversationId, err: (e as Error).message }, 'could not read the roster; approval buttons are shown to everyone');
        return undefined;
      }
    },
  };
}

function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown })?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function retryAfterMs(e: unknown): number | undefined {
  const headers = (e as { response?: { headers?: { get?(name: string): string | undefined } } })?.response?.headers;
  const value = headers?.get?.('retry-after');
  const seconds = value ? Number(value) : NaN;
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}
