// Who may decide a request. Pure policy: configuration plus a group-membership lookup (Graph, cached
// briefly). The bot layer turns an invoke into an Actor; this module never trusts card data.
import type { Guid, ServiceRequest } from '../model';
import { isGuid } from '../model';
import type { Directory } from '../ports';

export interface ApproverSettings {
  approverIds: readonly string[];
  approverGroupId?: string;
  allowSelfApproval: boolean;
}

/** The person behind a click, as the server sees it (from the activity, never from the card). */
export interface Actor {
  aadObjectId?: string;
  teamsUserId: string;
  name: string;
  /** The tenant the click came from (conversation.tenantId / channelData.tenant.id). */
  tenantId?: string;
  /** The conversation the click came from (a channel thread id keeps its `;messageid=` suffix). */
  conversationId: string;
}

export type RefusalReason =
  | 'no-approvers'
  | 'not-approver'
  | 'self-approval'
  | 'wrong-tenant'
  | 'wrong-conversation'
  | 'unknown-request'
  | 'already-decided'
  | 'wrong-state';

export type Authorization = { allowed: true } | { allowed: false; reason: RefusalReason; message: string };

export interface ApprovalPolicy {
  /** False when neither APPROVER_IDS nor APPROVER_GROUP_ID is set: nobody can approve. */
  readonly configured: boolean;
  isApprover(aadObjectId: string | undefined): Promise<boolean>;
  /** May this actor decide (approve, reject, retry, abandon, continue) on this request, from where they clicked? */
  authorizeDecision(request: ServiceRequest, actor: Actor): Promise<Authorization>;
}

export const NO_APPROVERS_MESSAGE =
  'No approvers are configured (APPROVER_IDS / APPROVER_GROUP_ID), so nobody can approve requests. Ask an administrator to set them.';

/** Group membership answers are kept this long: a removed approver loses the right within a minute. */
const DEFAULT_GROUP_CACHE_MS = 60_000;

export function createApprovalPolicy(
  settings: ApproverSettings,
  directory: Pick<Directory, 'isMemberOfGroup'>,
  options: { groupCacheMs?: number; now?: () => number } = {},
): ApprovalPolicy {
  const approverIds = new Set(settings.approverIds.map((id) => id.toLowerCase()));
  const groupId = settings.approverGroupId?.toLowerCase() as Guid | undefined;
  const cacheMs = options.groupCacheMs ?? DEFAULT_GROUP_CACHE_MS;
  const now = options.now ?? Date.now;
  const membership = new Map<string, { member: boolean; until: number }>();
  const configured = approverIds.size > 0 || groupId !== undefined;

  async function isGroupMember(objectId: Guid): Promise<boolean> {
    if (!groupId) return false;
    const cached = membership.get(objectId);
    if (cached && cached.until > now()) return cached.member;
    const member = await directory.isMemberOfGroup(objectId, groupId);
    membership.set(objectId, { member, until: now() + cacheMs });
    return member;
  }

  async function isApprover(aadObjectId: string | undefined): Promise<boolean> {
    if (!aadObjectId || !isGuid(aadObjectId)) return false;
    const id = aadObjectId.toLowerCase() as Guid;
    return approverIds.has(id) || (await isGroupMember(id));
  }

  async function authorizeDecision(request: ServiceRequest, actor: Actor): Promise<Authorization> {
    if (!configured) return refuse('no-approvers', NO_APPROVERS_MESSAGE);
    if (!actor.tenantId || actor.tenantId.toLowerCase() !== request.teamsTenantId.toLowerCase()) {
      return refuse('wrong-tenant', 'This request belongs to another organisation; clicks from your tenant cannot decide it.');
    }
    if (!cardConversations(request).has(baseConversationId(actor.conversationId))) {
      return refuse('wrong-conversation', `Request ${request.id} cannot be decided from this conversation.`);
    }
    if (!(await isApprover(actor.aadObjectId))) {
      return refuse('not-approver', `Only approvers can decide request ${request.id}.`);
    }
    if (!settings.allowSelfApproval && actor.aadObjectId?.toLowerCase() === request.requester.aadObjectId.toLowerCase()) {
      return refuse('self-approval', `You made request ${request.id}; another approver has to decide it.`);
    }
    return { allowed: true };
  }

  return { configured, isApprover, authorizeDecision };
}

function refuse(reason: RefusalReason, message: string): Authorization {
  return { allowed: false, reason, message };
}

/** The conversations a request's cards live in: clicks are only accepted from there. */
function cardConversations(request: ServiceRequest): Set<string> {
  const ids = new Set<string>();
  if (request.approvalCard) ids.add(baseConversationId(request.approvalCard.conversationId));
  for (const copy of request.approvalCopies ?? []) ids.add(baseConversationId(copy.conversationId));
  return ids;
}

/** A Teams channel thread id is `<channel id>;messageid=<root id>`; the channel is what we compare. */
export function baseConversationId(conversationId: string): string {
  return conversationId.split(';')[0];
}
