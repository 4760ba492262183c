// The core's RunNotifier at the Teams edge: posts the approval card where approvers are, keeps the
// shared card in step with the stored request (updated in place, coalesced, one update at a time
// per request) and posts the result in the approval thread, mentioning the requester. A post or
// update that fails once the connector's retries are spent is logged and left for the approval
// feature's sweep, which posts missing cards and re-sends failed updates.
import { type Activity, MessageFactory } from 'botbuilder';
import { markdown } from '../cards/markdown';
import { cardAttachment } from '../cards/render';
import { renderResultCard, resultCardModel } from '../cards/resultCard';
import { renderTenantChangeResultCard, tenantChangeResultModel } from '../cards/tenantChangeCards';
import type { Logger } from '../logger';
import type { ApprovalPolicy } from '../onboarding/requests/approvalPolicy';
import type { BulkRequest, CardRef, RemapRequest, RemovalRequest, ServiceRequest } from '../onboarding/model';
import type { ApprovalPosting, BulkRowResult, FactStore, ResultLinks, RunNotifier } from '../onboarding/ports';
import { bulkResultsCsv, bulkSummaryText, csvBlock } from '../cards/bulkSummary';
import { unapprovedRegistration } from '../onboarding/rules/unapprovedRegistration';
import type { ConversationReferenceStore } from '../store/types';
import type { Proactive } from './proactive';
import { createApproverRoster, type ApproverRoster } from './approverRoster';
import { type CardSettings, requestCard } from '../cards/requestCards';

export interface TeamsRunNotifierOptions {
  proactive: Proactive;
  conversations: ConversationReferenceStore;
  facts: FactStore;
  policy: ApprovalPolicy;
  approverIds: readonly string[];
  /** APPROVAL_CHANNEL_ID; empty = where the request was made (or each approver's 1:1 chat). */
  approvalChannelId?: string;
  cardSettings: Omit<CardSettings, 'warnings'>;
  logger: Logger;
  /** Which members of a conversation are approvers; by default resolved from the roster and the policy. */
  approverRoster?: ApproverRoster;
}

export interface TeamsRunNotifier extends RunNotifier {
  /** The shared card as it should look now (used by the card actions for the refresh answer too). */
  sharedCard(request: ServiceRequest, card: CardRef): Promise<ReturnType<typeof requestCard>>;
  /** Sends again the newest state of every card whose update failed; returns how many it tried. */
  retryFailedUpdates(): Promise<number>;
  /** Resolves when every queued card update has been sent (tests, shutdown). */
  idle(): Promise<void>;
  /** Starts finding the approvers of a conversation the bot is installed in, so its first card does not wait. */
  warmApprovers(conversationId: string): Promise<void>;
}

/** refresh.userIds takes at most 60 ids (Teams). */
const MAX_REFRESH_USERS = 60;
/** Bounds the in-memory bookkeeping of failed updates and told requesters (a restart forgets both). */
const MAX_REMEMBERED = 1000;

export function createTeamsRunNotifier(options: TeamsRunNotifierOptions): TeamsRunNotifier {
  const { proactive, logger, policy } = options;
  const chains = new Map<string, Promise<void>>();
  const latest = new Map<string, ServiceRequest>();
  /** Requests whose card update failed: the newest state, sent again by retryFailedUpdates. */
  const failedUpdates = new Map<string, ServiceRequest>();
  /** Requests whose requester was told that the approval card is not posted yet: told once, not at every sweep. */
  const toldRequesters = new Set<string>();
  const approverRoster = options.approverRoster ?? createApproverRoster({ proactive, policy, logger });

  async function cardSettings(request: ServiceRequest): Promise<CardSettings> {
    if (request.kind === 'bulk') return { ...options.cardSettings };
    const refused = await unapprovedRegistration(options.facts, request.registration);
    const warnings = refused
      ? `Azure refused registration ${request.registration.name} as not approved for multi-tenant billing on ${refused.date.slice(0, 10)}; the mapping step may fail again.`
      : undefined;
    return { ...options.cardSettings, warnings };
  }

  /** The approvers' Teams ids in the card's conversation, or undefined when they cannot all be known. */
  async function approverTeamsIds(card: CardRef, request: ServiceRequest): Promise<string[] | undefined> {
    const ref = await proactive.reference(card.conversationId);
    if (ref?.conversation?.conversationType === 'personal') {
      return ref.user?.id ? [ref.user.id] : undefined;
    }
    // Resolved in the background and kept: a click that posts a card never checks members one by one.
    const resolved = await approverRoster.approvers(card.conversationId);
    if (!resolved) return undefined;
    // The policy decides who may approve this request (not its requester, unless self-approval is allowed).
    const allowed = await Promise.all(resolved.approvers.map((a) => policy.mayApprove(request, a.aadObjectId)));
    const ids = resolved.approvers.filter((_, i) => allowed[i]).map((a) => a.teamsUserId);
    const seen = resolved.members;
    const unresolved = options.approverIds.some((id) => !seen.has(id.toLowerCase()));
    if (unresolved || ids.length === 0 || ids.length > MAX_REFRESH_USERS) return undefined;
    return ids;
  }

  async function sharedCard(request: ServiceRequest, card: CardRef) {
    const settings = await cardSettings(request);
    const userIds = policy.configured ? await approverTeamsIds(card, request) : [];
    return requestCard(request, settings, { showButtons: userIds === undefined, refreshUserIds: userIds });
  }

  async function updateCards(request: ServiceRequest) {
    const cards = [request.approvalCard, ...(request.approvalCopies ?? [])].filter((c): c is CardRef => Boolean(c));
    for (const card of cards) {
      const content = await sharedCard(request, card);
      await proactive.update(card.conversationId, card.activityId, { attachments: [cardAttachment(content)] });
    }
  }

  /** Where approval cards go (PRODUCT.md clarifications). */
  async function approvalTargets(request: ServiceRequest): Promise<string[]> {
    if (options.approvalChannelId) return [options.approvalChannelId];
    const origin = await proactive.reference(request.conversationId);
    const type = origin?.conversation?.conversationType;
    if (type === 'channel' || type === 'groupChat') return [request.conversationId];
    const targets: string[] = [];
    for (const { conversationId, reference } of await options.conversations.list()) {
      const ref = reference as { conversation?: { conversationType?: string; tenantId?: string }; user?: { aadObjectId?: string } };
      if (ref.conversation?.conversationType !== 'personal') continue;
      if (ref.conversation.tenantId && ref.conversation.tenantId.toLowerCase() !== request.teamsTenantId.toLowerCase()) continue;
      const user = ref.user?.aadObjectId?.toLowerCase();
      if (await policy.mayApprove(request, user)) targets.push(conversationId);
    }
    return targets;
  }

  async function tellRequesterOnce(request: ServiceRequest, text: string) {
    if (toldRequesters.has(request.id)) return;
    try {
      await proactive.post(request.conversationId, { text });
      if (toldRequesters.size >= MAX_REMEMBERED) toldRequesters.clear();
      toldRequesters.add(request.id);
    } catch (e) {
      logger.warn({ requestId: request.id, err: (e as Error).message }, 'could not tell the requester');
    }
  }

  function unreachableText(request: ServiceRequest): string {
    return `I stored request ${request.id}, but I could not reach any approver: ${
      options.approvalChannelId ? 'I am not installed in the approvals channel' : 'no approver has a chat with me'
    }. Ask an approver to install me (or an administrator to set APPROVAL_CHANNEL_ID); I post the approval card as soon as I can. Type \`status ${request.id}\` to follow it.`;
  }

  function notPostedYetText(request: ServiceRequest): string {
    return `I stored request ${request.id}, but I could not post its approval card just now (Teams or the directory did not answer). I try again every few minutes; nothing is lost. Type \`status ${request.id}\` to follow it.`;
  }

  function requestChanged(request: ServiceRequest): Promise<void> {
    // Coalesce: only the newest state of a request matters; updates of one card never overlap.
    const known = latest.get(request.id);
    if (!known || known.updatedAt <= request.updatedAt) latest.set(request.id, request);
    const previous = chains.get(request.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      const newest = latest.get(request.id);
      if (!newest) return;
      latest.delete(request.id);
      try {
        await updateCards(newest);
        const failed = failedUpdates.get(request.id);
        if (failed && failed.updatedAt <= newest.updatedAt) failedUpdates.delete(request.id);
      } catch (e) {
        logger.warn({ requestId: request.id, err: (e as Error).message }, 'could not update the request card; the sweep sends it again');
        const failed = failedUpdates.get(request.id);
        if (!failed || failed.updatedAt <= newest.updatedAt) {
          if (failedUpdates.size >= MAX_REMEMBERED && !failed) failedUpdates.delete(failedUpdates.keys().next().value as string);
          failedUpdates.set(request.id, newest);
        }
      }
    });
    chains.set(request.id, next);
    void next.then(() => {
      if (chains.get(request.id) === next) chains.delete(request.id);
    });
    return next;
  }

  return {
    sharedCard,

    async approvalRequested(request) {
      let targets: string[] | undefined;
      try {
        targets = await approvalTargets(request);
      } catch (e) {
        logger.warn({ requestId: request.id, err: (e as Error).message }, 'could not find where to post the approval card; the sweep tries again');
      }
      const posted: CardRef[] = [];
      for (const conversationId of targets ?? []) {
        try {
          // The card is rendered before it exists, so it has no activity id yet.
          const notYetPosted = { conversationId, activityId: '' };
          const content = await sharedCard(request, notYetPosted);
          const activityId = await proactive.post(conversationId, { attachments: [cardAttachment(content)] });
          if (activityId) posted.push({ conversationId, activityId });
        } catch (e) {
          logger.warn({ requestId: request.id, conversationId, err: (e as Error).message }, 'could not post the approval card; the sweep tries again');
        }
      }
      if (posted.length === 0) {
        // "Not installed" only when that is what happened: a failed lookup or post is not it.
        await tellRequesterOnce(request, targets?.length === 0 ? unreachableText(request) : notPostedYetText(request));
        return undefined;
      }
      toldRequesters.delete(request.id);
      const posting: ApprovalPosting = { card: posted[0], copies: posted.slice(1) };
      return posting;
    },

    requestChanged,

    async retryFailedUpdates() {
      const pending = [...failedUpdates.values()];
      await Promise.all(pending.map((request) => requestChanged(request)));
      return pending.length;
    },

    /** Undefined when Teams would not take it: the step records that, and the result stays on the card and in `status`. */
    async resultReady(request, links: ResultLinks) {
      if (request.kind === 'bulk') return undefined; // a bulk onboarding posts its summary (batchFinished)
      const card = request.approvalCard;
      const conversationId = card ? await threadOf(card) : request.conversationId;
      const requester = request.requester;
      const mention = `<at>${escapeAt(requester.name)}</at>`;
      const activity: Partial<Activity> =
        request.kind === 'onboard'
          ? MessageFactory.attachment(
              cardAttachment(renderResultCard(resultCardModel(request, links, options.cardSettings.simulated))),
              `${mention} ${markdown`request ${request.id} is done: ${request.customer.companyName} is onboarded and mapped on ${request.registration.name}.`}`,
            )
          : tenantChangeResultMessage(request, links, mention, options.cardSettings.simulated);
      activity.entities = [{ type: 'mention', mentioned: { id: requester.teamsUserId, name: requester.name }, text: mention }];
      try {
        return await proactive.post(conversationId, activity);
      } catch (e) {
        logger.warn({ requestId: request.id, conversationId, err: (e as Error).message }, 'could not post the result');
        return undefined;
      }
    },

    /** One reply in the approval thread: the summary, mentioning the requester, and the results CSV as text. */
    async batchFinished(request: BulkRequest, rows: BulkRowResult[]) {
      const card = request.approvalCard;
      const conversationId = card ? await threadOf(card) : request.conversationId;
      const requester = request.requester;
      const mention = `<at>${escapeAt(requester.name)}</at>`;
      const { csv, truncated } = bulkResultsCsv(rows);
      const cut = truncated ? `\n\n${truncated} more row(s) did not fit in this message: type \`status ${request.id}\`.` : '';
      const activity: Partial<Activity> = MessageFactory.text(`${mention} ${bulkSummaryText(request, rows)}\n\nResults (CSV):\n\n${csvBlock(csv)}${cut}`);
      activity.textFormat = 'markdown';
      activity.entities = [{ type: 'mention', mentioned: { id: requester.teamsUserId, name: requester.name }, text: mention }];
      try {
        return await proactive.post(conversationId, activity);
      } catch (e) {
        logger.warn({ requestId: request.id, conversationId, err: (e as Error).message }, 'could not post the bulk summary');
        return undefined;
      }
    },

    async idle() {
      while (chains.size > 0) await Promise.allSettled([...chains.values()]);
      await approverRoster.idle();
    },

    async warmApprovers(conversationId) {
      const ref = await proactive.reference(conversationId);
      if (ref && ref.conversation?.conversationType !== 'personal') approverRoster.warm(conversationId);
    },
  };

  /** In a channel, a reply goes to `<channel>;messageid=<root>`; chats have no threads. */
  async function threadOf(card: CardRef): Promise<string> {
    const ref = await proactive.reference(card.conversationId);
    const isChannel = ref?.conversation?.conversationType === 'channel';
    return isChannel && !card.conversationId.includes(';messageid=') ? `${card.conversationId};messageid=${card.activityId}` : card.conversationId;
  }
}

/** The result of a re-map or removal; a removal warns that the tenant's usage is billed to the registration's owner again. */
function tenantChangeResultMessage(request: RemapRequest | RemovalRequest, links: ResultLinks, mention: string, simulated: boolean): Partial<Activity> {
  const model = tenantChangeResultModel(request, links, simulated);
  const text =
    request.kind === 'remove'
      ? `${mention} ${markdown`request ${request.id} is done: ${model.subtitle} ${model.warning}`}`
      : `${mention} ${markdown`request ${request.id} is done: ${model.subtitle}`}`;
  return MessageFactory.attachment(cardAttachment(renderTenantChangeResultCard(model)), text);
}

function escapeAt(name: string): string {
  return name.replace(/[<>]/g, '');
}
