// Walks an operator through the onboarding cards over HTTP (each click an Action.Execute invoke, the
// answer the next card), new customer, Azure plan, guest with Owner, up to the review card. Each
// click may go to a different bot instance.
import type { LoopbackConnector } from '../support/loopbackConnector';
import { findAction, inputValues, type Card } from '../dialogs/teamsTestClient';
import { cardAction, message } from '../support/activities';
import { postActivity, type PostResult } from '../support/botDriver';
import { MCA_ATTESTED, type TeamsUser } from '../support/people';

export interface FlowOptions {
  connector: LoopbackConnector;
  operator: TeamsUser;
  chat: string;
  /** The instance each click goes to (called once per click, in order). */
  urlFor: (step: number) => string;
  /** Every invoke answer, as text (e.g. for a secrets scan). */
  answers?: string[];
}

export async function clickButton(options: FlowOptions, url: string, card: Card, buttonTitle: string, typed: Record<string, string> = {}): Promise<PostResult> {
  const action = findAction(card, buttonTitle);
  const inputs = action.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed };
  const data = { ...(action.data as Record<string, unknown>), ...inputs };
  const result = await postActivity(url, cardAction(String(action.verb), data, { from: options.operator, conversation: options.chat, serviceUrl: options.connector.serviceUrl }));
  options.answers?.push(result.text);
  return result;
}

/** `onboard` and every card up to the review card, which it returns. */
export async function fillOnboardingDraft(options: FlowOptions, companyName: string): Promise<Card> {
  const { connector, operator, chat } = options;
  let step = 0;
  const next = async (card: Card, buttonTitle: string, typed: Record<string, string> = {}) => {
    const result = await clickButton(options, options.urlFor(step++), card, buttonTitle, typed);
    if (result.body?.type !== 'application/vnd.microsoft.card.adaptive') throw new Error(`"${buttonTitle}" answered ${result.status} ${result.text.slice(0, 300)}`);
    return result.body.value as Card;
  };
  const before = connector.sent.length;
  await postActivity(options.urlFor(step++), message('onboard', { from: operator, conversation: chat, serviceUrl: connector.serviceUrl }));
  await connector.waitFor((sent) => sent.slice(before).some((s) => s.conversationId === chat && s.activity.attachments));
  const customer = connector.sent.slice(before).find((s) => s.conversationId === chat && s.activity.attachments)!.activity.attachments![0].content as Card;
  const prefix = `${companyName.toLowerCase().replace(/[^a-z0-9]/g, '')}${Math.floor(Math.random() * 1e6)}`;
  const company = await next(customer, 'New customer');
  const checked = await next(company, 'Check availability', { companyName, domainPrefix: prefix });
  const billing = await next(checked, 'Next');
  const subscription = await next(billing, 'Next', {
    country: 'GB',
    region: '',
    city: 'London',
    postalCode: 'SW1A 1AA',
    addressLine1: '1 Parliament Street',
    firstName: 'Pat',
    lastName: 'Reed',
    email: `pat@${prefix}.example`,
    phoneNumber: '+44 20 7946 0000',
    culture: 'en-GB',
    language: 'en',
  });
  const registration = await next(subscription, 'Next', { ...MCA_ATTESTED });
  // No stamp configured in the scale runs: billing only, the registration leads to the review.
  return next(registration, 'Use azurestack-payg-east');
}
