// Simulated Microsoft Graph v1.0 under /graph. Every call acts on the directory of the tenant the
// token was issued for (its `tid`), as real Graph does: a customer's guests need a customer token.
import { ensureDirectory, newGuid, type Directory, type DirectoryUser, type SandboxState } from './state';
import { BadJson, graphError, json, jsonBody, route, type ApiRequest, type Reply, type Route } from './http';

export interface GraphContext {
  origin: string;
  state: SandboxState;
}

const DEFAULT_USER_FIELDS = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function graphRoutes(ctx: GraphContext): Route[] {
  return [
    route('GET', /^\/v1\.0\/users$/i, (req) => listUsers(ctx, req)),
    route('GET', /^\/v1\.0\/users\/([^/]+)$/i, (req, [id]) => getUser(ctx, req, id)),
    route('POST', /^\/v1\.0\/invitations$/i, (req) => invite(ctx, req)),
    route('POST', /^\/v1\.0\/users\/([^/]+)\/checkMemberGroups$/i, (req, [id]) => checkMemberGroups(ctx, req, id)),
  ];
}

function directoryOf(ctx: GraphContext, req: ApiRequest): Directory {
  return ensureDirectory(ctx.state, req.token!.tid);
}

function userView(user: DirectoryUser, select: string[] | undefined): Record<string, unknown> {
  const full: Record<string, unknown> = {
    businessPhones: [],
    displayName: user.displayName,
    givenName: null,
    jobTitle: null,
    mail: user.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: null,
    userPrincipalName: user.userPrincipalName,
    id: user.id,
    userType: user.userType,
    externalUserState: user.externalUserState ?? null,
  };
  const fields = select ?? DEFAULT_USER_FIELDS;
  return Object.fromEntries(fields.filter((f) => f in full).map((f) => [f, full[f]]));
}

function selectOf(req: ApiRequest): string[] | undefined {
  const select = req.query.get('$select');
  return select ? select.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

function listUsers(ctx: GraphContext, req: ApiRequest): Reply {
  const filter = req.query.get('$filter');
  let users = Object.values(directoryOf(ctx, req).users);
  if (filter) {
    const m = /^\s*(mail|userPrincipalName|id)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(filter);
    if (!m) return graphError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${filter.split(/\s/)[0]}' of resource 'User'.`);
    const property = m[1].toLowerCase() as 'mail' | 'userprincipalname' | 'id';
    const value = m[2].replace(/''/g, "'").toLowerCase();
    const pick = { mail: (u: DirectoryUser) => u.mail, userprincipalname: (u: DirectoryUser) => u.userPrincipalName, id: (u: DirectoryUser) => u.id };
    users = users.filter((u) => pick[property](u).toLowerCase() === value);
  }
  const select = selectOf(req);
  return json(200, {
    '@odata.context': `${ctx.origin}/graph/v1.0/$metadata#users${select ? `(${select.join(',')})` : ''}`,
    value: users.map((u) => userView(u, select)),
  });
}

function getUser(ctx: GraphContext, req: ApiRequest, id: string): Reply {
  const directory = directoryOf(ctx, req);
  const user = directory.users[id.toLowerCase()] ?? Object.values(directory.users).find((u) => u.userPrincipalName.toLowerCase() === id.toLowerCase());
  if (!user) return graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  return json(200, { '@odata.context': `${ctx.origin}/graph/v1.0/$metadata#users/$entity`, ...userView(user, selectOf(req)) });
}

function primaryDomain(ctx: GraphContext, tenantId: string): string {
  return ctx.state.customers[tenantId]?.domain ?? 'partner.onmicrosoft.com';
}

function invite(ctx: GraphContext, req: ApiRequest): Reply {
  let body: Record<string, unknown> | undefined;
  try {
    body = jsonBody(req) as Record<string, unknown> | undefined;
  } catch (e) {
    if (e instanceof BadJson) return graphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    throw e;
  }
  const email = typeof body?.invitedUserEmailAddress === 'string' ? body.invitedUserEmailAddress.trim() : '';
  const redirect = typeof body?.inviteRedirectUrl === 'string' ? body.inviteRedirectUrl.trim() : '';
  if (!email || !redirect) return graphError(400, 'BadRequest', 'invitedUserEmailAddress and inviteRedirectUrl are required.');
  if (!EMAIL_RE.test(email)) return graphError(400, 'BadRequest', 'The specified email address is invalid.');
  if (!/^https?:\/\//i.test(redirect)) return graphError(400, 'BadRequest', 'The inviteRedirectUrl is not a valid absolute URL.');
  const tenantId = req.token!.tid;
  const directory = directoryOf(ctx, req);
  const displayName = typeof body?.invitedUserDisplayName === 'string' ? body.invitedUserDisplayName : null;
  const sendInvitationMessage = body?.sendInvitationMessage === true;
  // Re-inviting an existing guest returns a new invitation for the same user object.
  let guest = Object.values(directory.users).find((u) => u.mail.toLowerCase() === email.toLowerCase());
  if (!guest) {
    guest = {
      id: newGuid(),
      displayName: displayName ?? email.split('@')[0],
      mail: email,
      userPrincipalName: `${email.replace('@', '_')}#EXT#@${primaryDomain(ctx, tenantId)}`,
      userType: 'Guest',
      externalUserState: 'PendingAcceptance',
    };
    directory.users[guest.id] = guest;
    ctx.state.counters.guestUsersCreated += 1;
  }
  const invitationId = newGuid();
  directory.invitations[invitationId] = {
    id: invitationId,
    invitedUserEmailAddress: email,
    invitedUserDisplayName: displayName,
    inviteRedirectUrl: redirect,
    sendInvitationMessage,
    invitedUserId: guest.id,
    status: 'PendingAcceptance',
  };
  ctx.state.counters.invitations += 1;
  const messageInfo = body?.invitedUserMessageInfo as { customizedMessageBody?: unknown; messageLanguage?: unknown } | undefined;
  const redeem = `https://invitations.microsoft.com/redeem/?tenant=${tenantId}&user=${guest.id}&ticket=${newGuid()}&ver=2.0`;
  return json(201, {
    '@odata.context': `${ctx.origin}/graph/v1.0/$metadata#invitations/$entity`,
    id: invitationId,
    inviteRedeemUrl: `${ctx.origin}/redeem?rd=${encodeURIComponent(redeem)}`,
    invitedUserDisplayName: displayName,
    invitedUserType: 'Guest',
    invitedUserEmailAddress: email,
    sendInvitationMessage,
    resetRedemption: body?.resetRedemption === true,
    inviteRedirectUrl: redirect,
    status: 'PendingAcceptance',
    invitedUserMessageInfo: {
      messageLanguage: typeof messageInfo?.messageLanguage === 'string' ? messageInfo.messageLanguage : null,
      customizedMessageBody: typeof messageInfo?.customizedMessageBody === 'string' ? messageInfo.customizedMessageBody : null,
      ccRecipients: [{ emailAddress: { name: null, address: null } }],
    },
    invitedUser: { id: guest.id },
  });
}

/** Groups containing the object, directly or through nested groups. */
function transitiveGroups(directory: Directory, objectId: string): Set<string> {
  const found = new Set<string>();
  const queue = [objectId];
  while (queue.length > 0) {
    const member = queue.shift()!;
    for (const group of Object.values(directory.groups)) {
      if (group.members.includes(member) && !found.has(group.id)) {
        found.add(group.id);
        queue.push(group.id);
      }
    }
  }
  return found;
}

function checkMemberGroups(ctx: GraphContext, req: ApiRequest, id: string): Reply {
  const directory = directoryOf(ctx, req);
  if (!directory.users[id.toLowerCase()]) {
    return graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  }
  let body: { groupIds?: unknown } | undefined;
  try {
    body = jsonBody(req) as typeof body;
  } catch {
    return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
  }
  const groupIds = body?.groupIds;
  if (!Array.isArray(groupIds) || groupIds.some((g) => typeof g !== 'string') || groupIds.length > 20) {
    return graphError(400, 'Request_BadRequest', 'groupIds must be a list of at most 20 group ids.');
  }
  const memberOf = transitiveGroups(directory, id.toLowerCase());
  return json(200, {
    '@odata.context': `${ctx.origin}/graph/v1.0/$metadata#Collection(Edm.String)`,
    value: (groupIds as string[]).filter((g) => memberOf.has(g.toLowerCase())),
  });
}
