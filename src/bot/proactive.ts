// Proactive posts and in-place updates through the CloudAdapter, from the conversation references
// the bot stores on install and on every turn. Retries are the connector pipeline's alone
// (teamsSafeRetryPolicy in adapter.ts: posts on 429 only, updates also on 412/502/504); a failure
// that outlasts them comes back to the caller, which logs it and tries again later. It never reaches
// the turn error handler, whose apology would land in the approvers' channel as a crash.
import { type Activity, type CloudAdapter, type ConversationReference, TeamsInfo, type TurnContext } from 'botbuilder';
import type { Logger } from '../logger';
import type { ConversationReferenceStore } from '../store/types';

export interface ProactiveOptions {
  adapter: CloudAdapter;
  /** MicrosoftAppId ('' in local mode). */
  appId: string;
  conversations: ConversationReferenceStore;
  logger: Logger;
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
  /** Posts a new message; returns its activity id. Throws what the connector answered once its retries are spent. */
  post(conversationId: string, activity: Partial<Activity>): Promise<string | undefined>;
  /** Replaces a posted message in place for everyone. Throws like `post`. */
  update(conversationId: string, activityId: string, activity: Partial<Activity>): Promise<void>;
  /** Members of the conversation (paged, cached briefly); undefined when Teams would not tell. */
  roster(conversationId: string): Promise<RosterMember[] | undefined>;
}

const MAX_CACHED_REFERENCES = 1000;

export function createProactive(options: ProactiveOptions): Proactive {
  const { adapter, appId, conversations, logger } = options;
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

  /**
   * Runs `logic` in a proactive turn. A failure inside it is carried out of the turn and thrown
   * here: left in the turn, botbuilder would hand it to the turn error handler, which would post
   * "Something went wrong" into the conversation and leave the caller believing the send worked.
   */
  async function within<T>(conversationId: string, logic: (context: TurnContext) => Promise<T>): Promise<T> {
    const ref = await reference(conversationId);
    if (!ref) throw new Error(`No conversation reference for ${conversationId}: the bot must be installed there first.`);
    let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    await adapter.continueConversationAsync(appId, ref, async (context) => {
      try {
        outcome = { ok: true, value: await logic(context) };
      } catch (error) {
        outcome = { ok: false, error };
      }
    });
    if (!outcome) throw new Error(`The proactive turn in ${conversationId} ended without running.`);
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  return {
    reference,
    async post(conversationId, activity) {
      return within(conversationId, async (context) => (await context.sendActivity({ type: 'message', ...activity }))?.id);
    },
    async update(conversationId, activityId, activity) {
      await within(conversationId, async (context) => {
        await context.updateActivity({ type: 'message', ...activity, id: activityId });
      });
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
