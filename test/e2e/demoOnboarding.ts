// The demo as a user clicks it in the local Teams client of `npm start`: onboard a new customer
// card by card, submit, approve (self-approval is on in the demo), and the cards that follow.
import { MCA_ATTESTED } from '../support/people';
import { adaptiveCardOf, PLAYGROUND_CONVERSATIONS, type PlaygroundClient, type PlaygroundMessage } from '../support/playground';
import { findAction, inputValues, title, type Card } from '../support/cardQueries';

const CHAT = PLAYGROUND_CONVERSATIONS.personalChat;
/** The run's steps take a few seconds in the simulated cloud (order and subscription delays). */
const RUN_TIMEOUT_MS = 60_000;

/** Clicks a button of the card in message `messageId`; the card the bot answers with replaces it. */
export async function click(client: PlaygroundClient, messageId: string, card: Card, buttonTitle: string, typed: Record<string, string> = {}): Promise<Card> {
  const action = findAction(card, buttonTitle);
  const inputs = action.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed };
  const response = await client.invoke(CHAT, messageId, { verb: String(action.verb), data: { ...(action.data as Record<string, unknown>), ...inputs }, title: buttonTitle });
  if (response.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`"${buttonTitle}" answered ${JSON.stringify(response).slice(0, 300)}`);
  return response.value as Card;
}

/**
 * The card of a message as the current user sees it: a shared request card carries no buttons and
 * Teams refreshes it for the approvers (refresh.userIds), as the playground's client does.
 */
export async function asSeenByMe(client: PlaygroundClient, message: PlaygroundMessage): Promise<Card> {
  const card = adaptiveCardOf(message) as Card;
  const refresh = (card as { refresh?: { action: { verb: string; data: Record<string, unknown> } } }).refresh?.action;
  if (!refresh) return card;
  const refreshed = await client.invoke(message.conversationId, message.messageId, { verb: refresh.verb, data: refresh.data, title: 'Refresh' });
  return refreshed.value as Card;
}

export const cardText = (m: PlaygroundMessage) => JSON.stringify(adaptiveCardOf(m) ?? {});

/** A bot message whose card says `words`, arriving after `after`. */
export function cardSaying(client: PlaygroundClient, words: string, after: number, timeoutMs = RUN_TIMEOUT_MS): Promise<PlaygroundMessage> {
  return client.waitForMessage((m) => cardText(m).includes(words), { after, timeoutMs });
}

/** onboard → a new customer with an Azure plan → submit → approve. Returns the request id, the company and where to look next. */
export async function onboardAndApprove(client: PlaygroundClient, suffix: string): Promise<{ requestId: string; company: string; afterApproval: number }> {
  const company = `Demo Traders ${suffix}`;
  const sent = await client.sendText(CHAT, 'onboard');
  const message = await cardSaying(client, 'Onboard a customer: customer', sent.seq, 15_000);
  const id = message.messageId;
  let card = adaptiveCardOf(message) as Card;
  card = await click(client, id, card, 'New customer');
  card = await click(client, id, card, 'Next', { companyName: company, domainPrefix: `demotraders${suffix}` });
  card = await click(client, id, card, 'Next', {
    country: 'US',
    region: 'WA',
    city: 'Redmond',
    postalCode: '98052',
    addressLine1: 'One Microsoft Way',
    firstName: 'Dana',
    lastName: 'Lee',
    email: 'dana@demotraders.example',
    phoneNumber: '+1 425 555 0101',
    culture: 'en-US',
    language: 'en',
  });
  card = await click(client, id, card, 'Next', { ...MCA_ATTESTED });
  card = await click(client, id, card, 'Use azurestack-payg-east');
  // The Azure Stack Hub subscription: the stamp's first public offer, managed by the CSP.
  card = await click(client, id, card, 'Next', { managedBy: 'csp' });
  const before = client.messages.length ? client.messages[client.messages.length - 1].seq : 0;
  card = await click(client, id, card, 'Submit');
  const requestId = /^Request (ONB-[0-9A-Z]+) submitted/.exec(title(card))?.[1];
  if (!requestId) throw new Error(`not submitted: ${title(card)}`);

  const approval = await cardSaying(client, `Approval needed`, before, 15_000);
  if (!cardText(approval).includes(requestId)) throw new Error(`the approval card is not for ${requestId}`);
  const afterApproval = client.messages[client.messages.length - 1].seq;
  const approvalCard = await asSeenByMe(client, approval);
  const action = findAction(approvalCard, 'Approve');
  const answer = await client.invoke(approval.conversationId, approval.messageId, { verb: String(action.verb), data: action.data as Record<string, unknown>, title: 'Approve' });
  if (answer.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`Approve answered ${JSON.stringify(answer).slice(0, 300)}`);
  return { requestId, company, afterApproval };
}

/**
 * The run pauses for the customer's consent on the stamp: what the customer's administrator does on
 * the simulated consent page linked from the card (its Register button), then "The customer has
 * consented" on the card. Returns the seq after which the run's next cards arrive.
 */
export async function consentOnStamp(client: PlaygroundClient, after: number): Promise<number> {
  const paused = await cardSaying(client, 'Paused: the customer must consent', after);
  const card = await asSeenByMe(client, paused);
  const link = new URL(String(findAction(card, 'Open the simulated consent page').url));
  const stamp = /\/stamps\/([^/]+)\/consent/.exec(link.pathname)?.[1];
  const directory = link.searchParams.get('directory');
  if (!stamp || !directory) throw new Error(`not a consent page link: ${link.toString()}`);
  const page = await fetch(link);
  if (!(await page.text()).includes('Register')) throw new Error('the simulated consent page did not load');
  const registered = await fetch(`${link.origin}/_sandbox/stamps/${stamp}/consent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ directory }),
  });
  if (!registered.ok) throw new Error(`the consent page's Register answered ${registered.status}`);
  const before = client.messages[client.messages.length - 1].seq;
  const action = findAction(card, 'The customer has consented');
  const answer = await client.invoke(paused.conversationId, paused.messageId, { verb: String(action.verb), data: action.data as Record<string, unknown>, title: 'The customer has consented' });
  if (answer.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`"The customer has consented" answered ${JSON.stringify(answer).slice(0, 300)}`);
  return before;
}
