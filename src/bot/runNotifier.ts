// The core's RunNotifier at the Teams edge: posts the approval card where approvers are, keeps the
// shared card in step with the stored request (updated in place, coalesced, one update at a time
// per request) and posts the result in the approval thread, mentioning the requester. A post or
// update that fails once the connector's retries are spent is logged and left for the approval
// feature's sweep, which posts missing cards and re-sends failed updates.
import { setImmediate as nextTurn, setTimeout as delay } from 'timers/promises';
import { type Activity, MessageFactory } from 'botbuilder';
import { markdown } from '../cards/markdown';
import { cardAttachment } from '../cards/render';
import { renderResultCard, resultCardModel } from '../cards/resultCard';
import { offboardResultText } from '../cards/offboardCards';
import { renderTenantChangeResultCard, tenantChangeResultModel } from '../cards/tenantChangeCards';
import type { Logger } from '../logger';
import type { ApprovalPolicy } from '../onboarding/requests/approvalPolicy';
import type { BulkRequest, CardRef, RemapRequest, RemovalRequest, ServiceRequest } from '../onboarding/model';
import type { ApprovalPosting, AttentionReason, BulkRowResult, FactStore, ResultLinks, RunNotifier } from '../onboarding/ports';
import { bulkResultsCsv, bulkSummaryText, csvBlock } from '../cards/bulkSummary';
import { unapprovedRegistration } from '../onboarding/rules/unapprovedRegistration';
import type { ConversationReferenceStore } from '../store/types';
import type { Proactive } from './proactive';
import { createApproverRoster, type ApproverRoster } from './approverRoster';
import { type CardSettings, requestCard } from '../cards/requestCards';
import { mentionsOf, type MentionedPerson, type Mentions } from './mentions';

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
/** At most one update of a request's card per this many ms (see spaceUpdates). */
const UPDATE_SPACING_MS = 1000;

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
    // An offboarding spans every registration the tenant is on: nothing to warn about.
    const registration = request.kind === 'offboard' ? undefined : request.registration;
    const refused = registration ? await unapprovedRegistration(options.facts, registration) : undefined;
    const warnings = refused && registration
      ? `Azure refused registration ${registration.name} as not approved for multi-tenant billing on ${refused.date.slice(0, 10)}; the mapping step may fail again.`
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
    for (const card of cardsOf(request)) {
      const content = await sharedCard(request, card);
      await proactive.update(card.conversationId, card.activityId, { attachments: [cardAttachment(content)] });
    }
  }

  /**
   * The approvers who may still approve this request among the members of a channel or group chat,
   * to mention. None in a 1:1 chat (the approver is the chat) or when the roster is not known.
   */
  async function approversToMention(request: ServiceRequest, conversationId: string): Promise<MentionedPerson[]> {
    const ref = await proactive.reference(conversationId);
    const type = ref?.conversation?.conversationType;
    if (type !== 'channel' && type !== 'groupChat') return [];
    const resolved = await approverRoster.approvers(conversationId.split(';')[0]);
    if (!resolved) return [];
    const voted = new Set((request.approvals ?? []).map((a) => a.by.aadObjectId.toLowerCase()));
    const candidates = resolved.approvers.filter((a) => !voted.has(a.aadObjectId));
    const allowed = await Promise.all(candidates.map((a) => policy.mayApprove(request, a.aadObjectId)));
    return candidates.filter((_, i) => allowed[i]).map((a) => ({ teamsUserId: a.teamsUserId, name: a.name ?? 'approver' }));
  }

  /**
   * The approvers mentioned right under a new approval card (the first reply in its thread), so it
   * reaches their activity feed. A reply of its own rather than text on the card's message: an
   * update of the card replaces the whole message, and the local Teams client shows a message's
   * text and card as two posts.
   */
  async function mentionApprovers(request: ServiceRequest, card: CardRef): Promise<void> {
    try {
      const approvers = mentionsOf(await approversToMention(request, card.conversationId), 'more approvers');
      if (!approvers.text) return;
      await postMentioning(request, await threadOf(card), approvers, markdown`request ${request.id} from ${request.requester.name} waits for your approval.`);
    } catch (e) {
      logger.warn({ requestId: request.id, err: (e as Error).message }, 'could not mention the approvers under the approval card');
    }
  }

  /** A reply in the card's thread (and in the requester's chat when the card is elsewhere) mentioning whom it concerns. */
  async function attentionNeeded(request: ServiceRequest, reason: AttentionReason): Promise<void> {
    const requester: MentionedPerson = { teamsUserId: request.requester.teamsUserId, name: request.requester.name };
    const tellsRequester = reason === 'failed' || reason === 'paused' || reason === 'expired';
    const needsApprover = reason !== 'expired';
    const cards = cardsOf(request);
    const places = cards.length ? cards : [{ conversationId: request.conversationId, activityId: '' }];
    const posted = new Set<string>();
    for (const card of places) {
      const approvers = needsApprover ? await approversToMention(request, card.conversationId) : [];
      const people = tellsRequester ? [requester, ...approvers] : approvers;
      const conversationId = card.activityId ? await threadOf(card) : card.conversationId;
      await postMentioning(request, conversationId, mentionsOf(people, needsApprover ? 'more approvers' : 'more'), attentionLine(request, reason));
      posted.add(card.conversationId.split(';')[0]);
    }
    if (tellsRequester && !posted.has(request.conversationId.split(';')[0])) {
      await postMentioning(request, request.conversationId, mentionsOf([requester]), attentionLine(request, reason));
    }
  }

  async function postMentioning(request: ServiceRequest, conversationId: string, mentions: Mentions, line: string) {
    try {
      await proactive.post(conversationId, { text: mentions.text ? `${mentions.text}: ${line}` : line, entities: mentions.entities, textFormat: 'markdown' });
    } catch (e) {
      logger.warn({ requestId: request.id, conversationId, err: (e as Error).message }, 'could not post the reply that mentions people');
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

  /**
   * When each request's card was last updated. A run changes its request several times a second
   * (each step starts and ends); Teams takes a few updates a second per thread (TP-4), and with a
   * hundred runs in flight rendering every state took the CPU the clicks wait for (issue 17). So a
   * card is updated at most once per UPDATE_SPACING_MS: the first change goes at once, the ones
   * that follow within the spacing wait and only the newest of them is sent.
   */
  const lastUpdated = new Map<string, number>();

  async function spaceUpdates(requestId: string): Promise<void> {
    const wait = (lastUpdated.get(requestId) ?? -Infinity) + UPDATE_SPACING_MS - Date.now();
    if (wait > 0) await delay(wait);
    await renderTurn();
    if (lastUpdated.size >= MAX_REMEMBERED) {
      const before = Date.now() - UPDATE_SPACING_MS;
      for (const [id, at] of lastUpdated) if (at < before) lastUpdated.delete(id);
    }
    lastUpdated.set(requestId, Date.now());
  }

  /**
   * One card update rendered per turn of the event loop, the requests' updates in turn. Runs that
   * started together come due together: rendered in one go, fifty cards held the event loop (and
   * the clicks waiting on it) for a few hundred milliseconds; between two turns, Node takes the
   * clicks that arrived (issue 17).
   */
  let renderSlot: Promise<void> = Promise.resolve();
  function renderTurn(): Promise<void> {
    const mine = renderSlot.then(() => nextTurn());
    renderSlot = mine;
    return mine;
  }

  function requestChanged(request: ServiceRequest): Promise<void> {
    // Coalesce: only the newest state of a request matters; updates of one card never overlap.
    const known = latest.get(request.id);
    if (!known || known.updatedAt <= request.updatedAt) latest.set(request.id, request);
    const previous = chains.get(request.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (!latest.has(request.id)) return;
      await spaceUpdates(request.id);
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
          if (activityId) {
            posted.push({ conversationId, activityId });
            await mentionApprovers(request, { conversationId, activityId });
          }
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

    attentionNeeded(request, reason) {
      // Tracked like the card updates, so idle() waits for it.
      const key = `attention:${request.id}:${reason}:${request.updatedAt}`;
      const posting = attentionNeeded(request, reason).finally(() => chains.get(key) === posting && chains.delete(key));
      chains.set(key, posting);
      return posting;
    },

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
          : request.kind === 'offboard'
            ? MessageFactory.text(`${mention} ${markdown`request ${request.id} is done: ${offboardResultText(request)}`}`)
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

function cardsOf(request: ServiceRequest): CardRef[] {
  return [request.approvalCard, ...(request.approvalCopies ?? [])].filter((c): c is CardRef => Boolean(c));
}

/** What the attention reply says, after the mentions. */
function attentionLine(request: ServiceRequest, reason: AttentionReason): string {
  switch (reason) {
    case 'failed': {
      const step = request.steps.find((s) => s.status === 'failed');
      return markdown`request ${request.id} failed${step?.error ? `: ${step.error.message} ${step.error.nextStep}` : '.'}` + ' An approver can **Retry** or **Abandon** it on the card.';
    }
    case 'paused':
      return markdown`request ${request.id} is paused: ${request.steps.find((s) => s.name === 'customer-agreement')?.detail ?? 'it waits for a person.'}` + ' An approver clicks **Continue** on the card once it is done.';
    case 'reminder':
      return markdown`request ${request.id} from ${request.requester.name} still waits for your approval (since ${(request.waitingSince ?? request.createdAt).slice(0, 16).replace('T', ' ')} UTC).`;
    case 'resubmitted':
      return markdown`request ${request.id} was submitted again by ${request.requester.name} and waits for your approval.`;
    case 'expired':
      return markdown`request ${request.id} expired: nobody decided in time, so nothing was run.` + ' You can submit it again with **Submit again** on its card.';
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
