// Who acts, from which tenant and in which conversation: the one way to read them from a Teams
// activity. Everything else (the card's data above all) is untrusted; these fields are set by the
// Bot Connector and checked with the token. Dialogs and features read the activity only through here.
import type { Activity } from 'botbuilder';
import { isGuid, type Guid, type Person } from '../onboarding/model';
import type { Actor } from '../onboarding/requests/approvalPolicy';

/** The parts of an activity these readers look at (a TurnContext's activity, or a test's plain object). */
export type ActivityFields = Partial<Pick<Activity, 'from' | 'conversation' | 'channelData'>>;

/** The name shown for someone Teams sent no name for. */
const NO_NAME = 'someone';

/**
 * The person behind the activity and where they act. `aadObjectId` is their Entra object id in
 * lower case, or undefined when Teams sent none or something that is not a GUID (then nothing
 * that needs an identity, such as approving or submitting, is allowed).
 */
export function actorFrom(activity: ActivityFields): Actor & { aadObjectId?: Guid } {
  const from = activity.from;
  return {
    aadObjectId: isGuid(from?.aadObjectId) ? (from.aadObjectId.toLowerCase() as Guid) : undefined,
    teamsUserId: from?.id ?? '',
    name: from?.name?.trim() || NO_NAME,
    tenantId: tenantIdOf(activity),
    conversationId: conversationIdOf(activity),
  };
}

/** The actor as a requester: undefined without an Entra object id (approvals need one). */
export function requesterFrom(activity: ActivityFields): Person | undefined {
  const { aadObjectId, teamsUserId, name } = actorFrom(activity);
  return aadObjectId ? { aadObjectId, teamsUserId, name } : undefined;
}

/**
 * The Teams tenant of the activity: `channelData.tenant.id`, which Teams always sends, else
 * `conversation.tenantId`. One rule for the allow-list, the stored request and every tenant-scoped
 * read, so a request is stored under the tenant that was checked.
 */
export function tenantIdOf(activity: ActivityFields): string | undefined {
  const fromChannelData = (activity.channelData as { tenant?: { id?: unknown } } | undefined)?.tenant?.id;
  if (typeof fromChannelData === 'string' && fromChannelData) return fromChannelData;
  const fromConversation = activity.conversation?.tenantId;
  return typeof fromConversation === 'string' && fromConversation ? fromConversation : undefined;
}

/** The conversation id ('' when absent); a channel thread keeps its `;messageid=` suffix. */
export function conversationIdOf(activity: ActivityFields): string {
  return activity.conversation?.id ?? '';
}
