// Which members of a conversation are approvers, for the approval card's refresh.userIds. Asking
// means one membership check per member (Graph, for an approver group), so it is never done member
// by member inside a click: members are checked in batches at once, the answer is kept per
// conversation, and an old answer is used while a new one is resolved in the background. Only the
// very first card of a conversation waits for it, and not longer than `waitMs`.
import type { ApprovalPolicy } from '../onboarding/requests/approvalPolicy';
import type { Proactive } from './proactive';
import { within } from './within';

export interface ApproverRosterOptions {
  proactive: Pick<Proactive, 'roster'>;
  policy: Pick<ApprovalPolicy, 'isApprover'>;
  logger: { warn(obj: object, msg: string): void };
  /** An answer is used this long, then resolved again in the background (default 1 minute, as the approval group cache). */
  ttlMs?: number;
  /** Members checked at once (default 10). */
  batchSize?: number;
  /** How long a card waits for a conversation never resolved before (default 2 s); then it is posted without. */
  waitMs?: number;
  now?: () => number;
}

export interface ConversationApprovers {
  /** The approvers among the members. */
  approvers: Array<{ teamsUserId: string; aadObjectId: string; name?: string }>;
  /** Every member's Entra object id (lower case), to tell whether a configured approver is missing. */
  members: Set<string>;
}

export interface ApproverRoster {
  /** The approvers among the conversation's members; undefined when not known (yet). */
  approvers(conversationId: string): Promise<ConversationApprovers | undefined>;
  /** Starts resolving a conversation in the background. */
  warm(conversationId: string): void;
  /** Resolves when no resolution is running (tests, shutdown). */
  idle(): Promise<void>;
}

const DEFAULT_TTL_MS = 60_000;
const DEFAULT_BATCH_SIZE = 10;
const DEFAULT_WAIT_MS = 2_000;
const MAX_CONVERSATIONS = 1_000;

interface Entry {
  known?: { value: ConversationApprovers; until: number };
  resolving?: Promise<ConversationApprovers | undefined>;
}

export function createApproverRoster(options: ApproverRosterOptions): ApproverRoster {
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  async function resolve(conversationId: string): Promise<ConversationApprovers | undefined> {
    const roster = await options.proactive.roster(conversationId);
    if (!roster) return undefined;
    const members = new Set<string>();
    const approvers: ConversationApprovers['approvers'] = [];
    const identified = roster.filter((m): m is typeof m & { aadObjectId: string } => Boolean(m.aadObjectId));
    for (let start = 0; start < identified.length; start += batchSize) {
      const batch = identified.slice(start, start + batchSize);
      const answers = await Promise.all(batch.map((m) => options.policy.isApprover(m.aadObjectId)));
      batch.forEach((m, i) => {
        members.add(m.aadObjectId.toLowerCase());
        if (answers[i]) approvers.push({ teamsUserId: m.teamsUserId, aadObjectId: m.aadObjectId.toLowerCase(), name: m.name });
      });
    }
    return { approvers, members };
  }

  /** One resolution per conversation at a time; a failure keeps the old answer and is logged. */
  function start(conversationId: string): Promise<ConversationApprovers | undefined> {
    const entry = entries.get(conversationId) ?? {};
    if (entry.resolving) return entry.resolving;
    if (!entries.has(conversationId) && entries.size >= MAX_CONVERSATIONS) entries.clear();
    entries.set(conversationId, entry);
    entry.resolving = resolve(conversationId)
      .then((value) => {
        if (value) entry.known = { value, until: now() + ttlMs };
        return value;
      })
      .catch((err: unknown) => {
        options.logger.warn({ conversationId, err: (err as Error).message }, 'could not tell which members are approvers; approval buttons are shown to everyone');
        return undefined;
      })
      .finally(() => {
        entry.resolving = undefined;
      });
    return entry.resolving;
  }

  return {
    async approvers(conversationId) {
      const known = entries.get(conversationId)?.known;
      if (known) {
        if (known.until <= now()) void start(conversationId);
        return known.value;
      }
      return within(start(conversationId), waitMs);
    },
    warm(conversationId) {
      void start(conversationId);
    },
    async idle() {
      await Promise.all([...entries.values()].map((e) => e.resolving));
    },
  };
}
