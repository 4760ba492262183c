// Teams-shaped activities, one factory for every test: a typed message, an Action.Execute click
// (an `adaptiveCard/action` invoke), the Action.Submit fallback of an old client, and the install.
// Each is in a channel thread, a 1:1 (personal) chat or a group chat of the partner's tenant
// (people.ts), as Teams posts them to /api/messages.
import type { Activity } from 'botbuilder';
import { TEAMS_TENANT, type TeamsUser } from './people';

/** The bot as Teams addresses it. */
export const BOT = { id: '28:bot', name: 'CSP Onboarding' };
/** Where tests without a connector of their own say replies go (never reached). */
export const NO_CONNECTOR = 'https://smba.example.test/teams/';

export const APPROVALS_CHANNEL = '19:approvals@thread.tacv2';
export const ONBOARDING_CHANNEL = '19:onboarding@thread.tacv2';

export type ConversationType = 'channel' | 'personal' | 'groupChat';

export interface Conversation {
  id: string;
  /** Default: a channel for `19:…@thread.tacv2` ids, a group chat for other `19:` ids, else personal. */
  conversationType?: ConversationType;
}

/** A user's 1:1 chat with the bot. */
export const personalChat = (user: TeamsUser, suffix = ''): Conversation => ({ id: `a:1on1-${user.id}${suffix}`, conversationType: 'personal' });
/** A channel thread. */
export const channel = (id: string = ONBOARDING_CHANNEL): Conversation => ({ id, conversationType: 'channel' });
/** A group chat. */
export const groupChat = (id = '19:group-chat@unq.gbl.spaces'): Conversation => ({ id, conversationType: 'groupChat' });

export interface ActivityOptions {
  from: TeamsUser;
  /** A conversation, or just its id (the type then follows from the id). */
  conversation: Conversation | string;
  /** Where the bot sends replies: a loopback connector, or nowhere (TestAdapter). */
  serviceUrl?: string;
  /** The sender's tenant; default the partner's. */
  tenantId?: string;
  id?: string;
  replyToId?: string;
  recipient?: { id: string; name: string };
}

let sequence = 0;

function conversationOf(conversation: Conversation | string): Required<Conversation> {
  const c = typeof conversation === 'string' ? { id: conversation } : conversation;
  const inferred: ConversationType = c.id.startsWith('19:') ? (c.id.includes('@thread.') ? 'channel' : 'groupChat') : 'personal';
  return { id: c.id, conversationType: c.conversationType ?? inferred };
}

/** Any activity, with the envelope Teams puts around it (channel, tenant, sender, bot, conversation). */
export function teamsActivity(fields: Partial<Activity>, options: ActivityOptions): Partial<Activity> & { id: string } {
  const tenantId = options.tenantId ?? TEAMS_TENANT;
  const conversation = conversationOf(options.conversation);
  return {
    ...fields,
    id: options.id ?? `act-${process.pid}-${++sequence}`,
    channelId: 'msteams',
    serviceUrl: options.serviceUrl ?? NO_CONNECTOR,
    from: { id: options.from.id, name: options.from.name, aadObjectId: options.from.aadObjectId },
    recipient: options.recipient ?? BOT,
    conversation: { id: conversation.id, name: '', conversationType: conversation.conversationType, tenantId, isGroup: conversation.conversationType !== 'personal' },
    channelData: { tenant: { id: tenantId } },
    ...(options.replyToId ? { replyToId: options.replyToId } : {}),
    timestamp: new Date(),
  };
}

/** A typed message. In a channel or group chat the bot is @mentioned, as Teams requires. */
export function message(text: string, options: ActivityOptions & { mention?: boolean }) {
  const mention = options.mention ?? conversationOf(options.conversation).conversationType !== 'personal';
  const recipient = options.recipient ?? BOT;
  const at = `<at>${recipient.name}</at>`;
  return teamsActivity(
    mention
      ? { type: 'message', text: `${at} ${text}`, entities: [{ type: 'mention', text: at, mentioned: { id: recipient.id, name: recipient.name } }] }
      : { type: 'message', text },
    options,
  );
}

/** A click on an Action.Execute button: an `adaptiveCard/action` invoke with the verb and the data (button data plus inputs). */
export function cardAction(verb: string, data: Record<string, unknown> | unknown, options: ActivityOptions & { title?: string }) {
  const action = { type: 'Action.Execute', ...(options.title ? { title: options.title } : {}), verb, data };
  return teamsActivity({ type: 'invoke', name: 'adaptiveCard/action', value: { action, trigger: 'manual' } }, options);
}

/** An old client's Action.Submit: a message whose `value` is the button's data plus the inputs. */
export function cardSubmit(value: Record<string, unknown>, options: ActivityOptions) {
  return teamsActivity({ type: 'message', value }, options);
}

/** The bot installed in a conversation: Teams sends installationUpdate (add) and conversationUpdate (bot added). */
export function installation(options: ActivityOptions): Array<Partial<Activity> & { id: string }> {
  const recipient = options.recipient ?? BOT;
  return [
    teamsActivity({ type: 'installationUpdate', action: 'add' }, options),
    teamsActivity({ type: 'conversationUpdate', membersAdded: [{ id: recipient.id, name: recipient.name }] }, options),
  ];
}

/** The conversation reference the bot saves on install (for proactive posts), as a test stores it beforehand. */
export function conversationReference(conversation: Conversation | string, options: { serviceUrl: string; user?: TeamsUser; tenantId?: string }) {
  const c = conversationOf(conversation);
  return {
    channelId: 'msteams',
    serviceUrl: options.serviceUrl,
    bot: BOT,
    conversation: { id: c.id, conversationType: c.conversationType, tenantId: options.tenantId ?? TEAMS_TENANT, isGroup: c.conversationType !== 'personal' },
    ...(options.user ? { user: { id: options.user.id, name: options.user.name, aadObjectId: options.user.aadObjectId } } : {}),
  };
}
