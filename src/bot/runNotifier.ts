// The core's RunNotifier at the Teams edge: posts the approval card where approvers are, keeps the
// shared card in step with the stored request (updated in place, coalesced, one update at a time
// per request) and posts the result in the approval thread, mentioning the requester.
import { type Activity, MessageFactory } from 'botbuilder';
import { markdown } from '../cards/markdown';
import { cardAttachment } from '../cards/render';
import { renderResultCard, resultCardModel } from '../cards/resultCard';
import { renderTenantChangeResultCard, tenantChangeResultModel } from '../cards/tenantChangeCards';
import type { Logger } from '../logger';
import type { ApprovalPolicy } from '../onboarding/requests/approvalPolicy';
import type { CardRef, OnboardingRequest } from '../onboarding/model';
import type { ApprovalPosting, FactStore, ResultLinks, RunNotifier } from '../onboarding/ports';
import { unapprovedRegistrationKey, type UnapprovedRegistrationFact } from '../onboarding/run/steps/checkRegistration';
import type { ConversationReferenceStore } from '../store/types';
import type { Proactive } from './proactive';
import { type CardSettings, requestCard } from '../cards/requestCards';

export interface TeamsRunNotifierOptions {
  proactive: Proactive;
  conversations: ConversationReferenceStore;
  facts: FactStore;
  policy: ApprovalPolicy;
  approverIds: readonly string[];
  /** APPROVAL_CHANNEL_ID; empty = where the request was made (or each approver's 1:1 chat). */
  approvalChannelId?: string;
  allowSelfApproval: boolean;
  cardSettings: Omit<CardSettings, 'warnings'>;
  logger: Logger;
}

export interface TeamsRunNotifier extends RunNotifier {
  /** The shared card as it should look now (used by the card actions for the refresh answer too). */
  sharedCard(request: OnboardingRequest, card: CardRef): Promise<ReturnType<typeof requestCard>>;
  /** Resolves when every queued card update has been sent (tests, shutdown). */
  idle(): Promise<void>;
}

/** refresh.userIds takes at most 60 ids (Teams). */
const MAX_REFRESH_USERS = 60;

export function createTeamsRunNotifier(options: TeamsRunNotifierOptions): TeamsRunNotifier {
  const { proactive, logger, policy } = options;
  const chains = new Map<string, Promise<void>>();
  const latest = new Map<string, OnboardingRequest>();

  async function cardSettings(request: OnboardingRequest): Promise<CardSettings> {
    const refused = await options.facts.get<UnapprovedRegistrationFact>(unapprovedRegistrationKey(request.registration.resourceId));
    const warnings = refused
      ? `Azure refused registration ${request.registration.name} as not approved for multi-tenant billing on ${refused.date.slice(0, 10)}; the mapping step may fail again.`
      : undefined;
    return { ...options.cardSettings, warnings };
  }

  /** The approvers' Teams ids in the card's conversation, or undefined when they cannot all be known. */
  async function approverTeamsIds(card: CardRef, request: OnboardingRequest): Promise<string[] | undefined> {
    const ref = await proactive.reference(card.conversationId);
    if (ref?.conversation?.conversationType === 'personal') {
      return ref.user?.id ? [ref.user.id] : undefined;
    }
    const roster = await proactive.roster(card.conversationId);
    if (!roster) return undefined;
    const ids: string[] = [];
    const seen = new Set<string>();
    for (const member of roster) {
      if (!member.aadObjectId) continue;
      seen.add(member.aadObjectId.toLowerCase());
      const selfOnly = !options.allowSelfApproval && member.aadObjectId.toLowerCase() === request.requester.aadObjectId.toLowerCase();
      if (!selfOnly && (await policy.isApprover(member.aadObjectId))) ids.push(member.teamsUserId);
    }
    const unresolved = options.approverIds.some((id) => !seen.has(id.toLowerCase()));
    if (unresolved || ids.length === 0 || ids.length > MAX_REFRESH_USERS) return undefined;
    return ids;
  }

  async function sharedCard(request: OnboardingRequest, card: CardRef) {
    const settings = await cardSettings(request);
    const userIds = policy.configured ? await approverTeamsIds(card, request) : [];
    return requestCard(request, settings, { showButtons: userIds === undefined, refreshUserIds: userIds });
  }

  async function updateCards(request: OnboardingRequest) {
    const cards = [request.approvalCard, ...(request.approvalCopies ?? [])].filter((c): c is CardRef => Boolean(c));
    for (const card of cards) {
      const content = await sharedCard(request, card);
      await proactive.update(card.conversationId, card.activityId, { attachments: [cardAttachment(content)] });
    }
  }

  /** Where approval cards go (PRODUCT.md clarifications). */
  async function approvalTargets(request: OnboardingRequest): Promise<string[]> {
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
      if (!user || (!options.allowSelfApproval && user === request.requester.aadObjectId.toLowerCase())) continue;
      if (await policy.isApprover(user)) targets.push(conversationId);
    }
    return targets;
  }

  async function tellRequester(request: OnboardingRequest, text: string) {
    try {
      await proactive.post(request.conversationId, { text });
    } catch (e) {
      logger.warn({ requestId: request.id, err: (e as Error).message }, 'could not tell the requester');
    }
  }

  return {
    sharedCard,

    async approvalRequested(request) {
      const targets = await approvalTargets(request);
      const posted: CardRef[] = [];
      for (const conversationId of targets) {
        try {
          // The card is rendered before it exists, so it has no activity id yet.
          const notYetPosted = { conversationId, activityId: '' };
          const content = await sharedCard(request, notYetPosted);
          const activityId = await proactive.post(conversationId, { attachments: [cardAttachment(content)] });
          if (activityId) posted.push({ conversationId, activityId });
        } catch (e) {
          logger.warn({ requestId: request.id, conversationId, err: (e as Error).message }, 'could not post the approval card');
        }
      }
      if (posted.length === 0) {
        await tellRequester(
          request,
          `I stored request ${request.id}, but I could not reach any approver: ${
            options.approvalChannelId ? 'I am not installed in the approvals channel' : 'no approver has a chat with me'
          }. Ask an approver to install me (or an administrator to set APPROVAL_CHANNEL_ID), then type \`status ${request.id}\`.`,
        );
        return undefined;
      }
      const posting: ApprovalPosting = { card: posted[0], copies: posted.slice(1) };
      return posting;
    },

    requestChanged(request) {
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
        } catch (e) {
          logger.warn({ requestId: request.id, err: (e as Error).message }, 'could not update the request card');
        }
      });
      chains.set(request.id, next);
      void next.then(() => {
        if (chains.get(request.id) === next) chains.delete(request.id);
      });
      return next;
    },

    async resultReady(request, links: ResultLinks) {
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
      return proactive.post(conversationId, activity);
    },

    async idle() {
      while (chains.size > 0) await Promise.allSettled([...chains.values()]);
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
function tenantChangeResultMessage(request: OnboardingRequest, links: ResultLinks, mention: string, simulated: boolean): Partial<Activity> {
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
