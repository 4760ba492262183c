// Who may operate the bot and who may decide a request: the one place that answers either. Pure
// policy: configuration plus a group-membership lookup (Graph, cached briefly). The bot layer turns
// an activity into an Actor; this module never trusts card data.
import type { Guid, ServiceRequest } from '../model';
import { isGuid } from '../model';
import type { Directory } from '../ports';

export interface ApproverSettings {
  approverIds: readonly string[];
  approverGroupId?: string;
  allowSelfApproval: boolean;
  /** OPERATOR_IDS. With neither this nor operatorGroupId set, everyone may operate (the local demo). */
  operatorIds?: readonly string[];
  /** OPERATOR_GROUP_ID: its (transitive) members are operators. */
  operatorGroupId?: string;
  /** APPROVALS_REQUIRED (default 1): distinct approvers a request needs. */
  approvalsRequired?: number;
  /** APPROVALS_REQUIRED_FOR_BILLING_CHANGES (default 1): for the kinds in BILLING_CHANGE_KINDS. */
  approvalsRequiredForBillingChanges?: number;
}

/**
 * Requests that change whose tenant is billed for usage already flowing: a re-map overwrites a
 * mapping, a removal deletes one, an offboarding removes them all. Any other kind
 * (an onboarding, a bulk onboarding) needs APPROVALS_REQUIRED.
 */
export const BILLING_CHANGE_KINDS: ReadonlySet<string> = new Set(['remap', 'remove', 'offboard']);

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
  | 'wrong-state'
  | 'not-operator'
  | 'already-approved'
  | 'not-requester';

/**
 * Where a decision was clicked: on the request's own card (only from the conversations it was posted
 * to), or in the clicker's `pending` inbox, a card the bot made for that approver alone.
 */
export type DecisionOrigin = 'card' | 'inbox';

export type Authorization = { allowed: true } | { allowed: false; reason: RefusalReason; message: string };

export interface ApprovalPolicy {
  /** False when neither APPROVER_IDS nor APPROVER_GROUP_ID is set: nobody can approve. */
  readonly configured: boolean;
  isApprover(aadObjectId: string | undefined): Promise<boolean>;
  /** May this person approve this request (an approver, and not its requester unless ALLOW_SELF_APPROVAL)? For cards and where they go. */
  mayApprove(request: ServiceRequest, aadObjectId: string | undefined): Promise<boolean>;
  /** May this actor decide (approve, reject, continue) on this request, from where they clicked? */
  authorizeDecision(request: ServiceRequest, actor: Actor, origin?: DecisionOrigin): Promise<Authorization>;
  /**
   * May this actor's Approve count? A decision, and with more than one approval required: never the
   * requester (whatever ALLOW_SELF_APPROVAL says) and never the same person twice.
   */
  authorizeApproval(request: ServiceRequest, actor: Actor, origin?: DecisionOrigin): Promise<Authorization>;
  /** How many distinct approvers this request needs (APPROVALS_REQUIRED, or the billing-change setting for its kind). */
  approvalsRequired(request: Pick<ServiceRequest, 'kind'>): number;
  /** Retry or abandon a failed run from its card: as a decision, except that the requester may act on their own approved run. */
  authorizeRunControl(request: ServiceRequest, actor: Actor): Promise<Authorization>;
  /** True once OPERATOR_IDS or OPERATOR_GROUP_ID is set: then only operators and approvers may operate. */
  readonly operatorsRestricted: boolean;
  /** May this person onboard, list and inspect tenants, re-map, remove and reconcile? Approvers are operators too. */
  authorizeOperation(aadObjectId: string | undefined): Promise<Authorization>;
}

export const NO_APPROVERS_MESSAGE =
  'No approvers are configured (APPROVER_IDS / APPROVER_GROUP_ID), so nobody can approve requests. Ask an administrator to set them.';

/** The polite refusal for everyone who is not an operator: whom to ask, and nothing else. */
export const NOT_OPERATOR_MESSAGE =
  'Sorry, only the CSP operators can use this command. Type help to see what everyone can do; to become an operator, ask your bot administrator to add you to OPERATOR_IDS or the operators group (OPERATOR_GROUP_ID), or ask an approver to do it for you.';

/** Group membership answers are kept this long: a removed approver loses the right within a minute. */
const DEFAULT_GROUP_CACHE_MS = 60_000;

export function createApprovalPolicy(
  settings: ApproverSettings,
  directory: Pick<Directory, 'isMemberOfGroup'>,
  options: { groupCacheMs?: number; now?: () => number } = {},
): ApprovalPolicy {
  const approverIds = new Set(settings.approverIds.map((id) => id.toLowerCase()));
  const groupId = settings.approverGroupId?.toLowerCase() as Guid | undefined;
  const operatorIds = new Set((settings.operatorIds ?? []).map((id) => id.toLowerCase()));
  const operatorGroupId = settings.operatorGroupId?.toLowerCase() as Guid | undefined;
  const operatorsRestricted = operatorIds.size > 0 || operatorGroupId !== undefined;
  const cacheMs = options.groupCacheMs ?? DEFAULT_GROUP_CACHE_MS;
  const now = options.now ?? Date.now;
  const membership = new Map<string, { member: boolean; until: number }>();
  const configured = approverIds.size > 0 || groupId !== undefined;

  async function isGroupMember(objectId: Guid, group: Guid | undefined): Promise<boolean> {
    if (!group) return false;
    const key = `${group}:${objectId}`;
    const cached = membership.get(key);
    if (cached && cached.until > now()) return cached.member;
    const member = await directory.isMemberOfGroup(objectId, group);
    membership.set(key, { member, until: now() + cacheMs });
    return member;
  }

  async function isApprover(aadObjectId: string | undefined): Promise<boolean> {
    if (!aadObjectId || !isGuid(aadObjectId)) return false;
    const id = aadObjectId.toLowerCase() as Guid;
    return approverIds.has(id) || (await isGroupMember(id, groupId));
  }

  const isRequester = (request: ServiceRequest, aadObjectId: string | undefined) => aadObjectId?.toLowerCase() === request.requester.aadObjectId.toLowerCase();

  async function mayApprove(request: ServiceRequest, aadObjectId: string | undefined): Promise<boolean> {
    const selfAllowed = settings.allowSelfApproval && approvalsRequired(request) <= 1;
    if (!selfAllowed && isRequester(request, aadObjectId)) return false;
    return isApprover(aadObjectId);
  }

  async function isOperator(aadObjectId: string | undefined): Promise<boolean> {
    if (!operatorsRestricted) return true;
    if (!aadObjectId || !isGuid(aadObjectId)) return false;
    const id = aadObjectId.toLowerCase() as Guid;
    return operatorIds.has(id) || (await isGroupMember(id, operatorGroupId)) || (await isApprover(id));
  }

  async function authorizeOperation(aadObjectId: string | undefined): Promise<Authorization> {
    return (await isOperator(aadObjectId)) ? { allowed: true } : refuse('not-operator', NOT_OPERATOR_MESSAGE);
  }

  async function authorizeDecision(request: ServiceRequest, actor: Actor, origin: DecisionOrigin = 'card'): Promise<Authorization> {
    if (!configured) return refuse('no-approvers', NO_APPROVERS_MESSAGE);
    if (!actor.tenantId || actor.tenantId.toLowerCase() !== request.teamsTenantId.toLowerCase()) {
      return refuse('wrong-tenant', 'This request belongs to another organisation; clicks from your tenant cannot decide it.');
    }
    if (origin === 'card' && !cardConversations(request).has(baseConversationId(actor.conversationId))) {
      return refuse('wrong-conversation', `Request ${request.id} cannot be decided from this conversation.`);
    }
    if (!(await isApprover(actor.aadObjectId))) {
      return refuse('not-approver', `Only approvers can decide request ${request.id}.`);
    }
    if (!settings.allowSelfApproval && isRequester(request, actor.aadObjectId)) {
      return refuse('self-approval', `You made request ${request.id}; another approver has to decide it.`);
    }
    return { allowed: true };
  }

  function approvalsRequired(request: Pick<ServiceRequest, 'kind'>): number {
    const required = BILLING_CHANGE_KINDS.has(request.kind) ? settings.approvalsRequiredForBillingChanges : settings.approvalsRequired;
    return Math.max(1, required ?? 1);
  }

  async function authorizeApproval(request: ServiceRequest, actor: Actor, origin: DecisionOrigin = 'card'): Promise<Authorization> {
    const decision = await authorizeDecision(request, actor, origin);
    if (!decision.allowed || approvalsRequired(request) <= 1) return decision;
    if (isRequester(request, actor.aadObjectId)) return refuse('self-approval', `You made request ${request.id}; it needs ${approvalsRequired(request)} other approvers.`);
    const id = actor.aadObjectId?.toLowerCase();
    if ((request.approvals ?? []).some((vote) => vote.by.aadObjectId.toLowerCase() === id)) {
      return refuse('already-approved', `You already approved request ${request.id}; it needs another approver.`);
    }
    return { allowed: true };
  }

  async function authorizeRunControl(request: ServiceRequest, actor: Actor): Promise<Authorization> {
    const decision = await authorizeDecision(request, actor);
    return decision.allowed || decision.reason !== 'self-approval' ? decision : { allowed: true };
  }

  return { configured, isApprover, mayApprove, authorizeDecision, authorizeApproval, approvalsRequired, authorizeRunControl, operatorsRestricted, authorizeOperation };
}

function refuse(reason: RefusalReason, message: string): Authorization {
  return { allowed: false, reason, message };
}

/** The conversations a request's cards live in: clicks are only accepted from there. */
function cardConversations(request: ServiceRequest): Set<string> {
  const ids = new Set<string>();
  if (request.approvalCard) ids.add(baseConversationId(request.approvalCard.conversationId));
  for (const copy of request.approvalCopies ?? []) ids.add(baseConversationId(copy.conversationId));
  // A row of a bulk onboarding has no card of its own: its buttons are on the batch's cards.
  if (request.kind === 'onboard') for (const card of request.batch?.cards ?? []) ids.add(baseConversationId(card.conversationId));
  return ids;
}

/** A Teams channel thread id is `<channel id>;messageid=<root id>`; the channel is what we compare. */
export function baseConversationId(conversationId: string): string {
  return conversationId.split(';')[0];
}
