// End to end: an operator onboards a customer in the local Teams client (Agents Playground),
// through the real server (restify, CloudAdapter, CspBot, SQLite store) and the real cloud clients
// against the simulated cloud: onboard → filled cards → a submitted request id.
import { startBot, type BotDriver } from '../support/botDriver';
import { testConfig } from '../support/testConfig';
import { MCA_ATTESTED } from '../support/people';
import type { RequestId } from '../../src/onboarding/model';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { adaptiveCardOf, PLAYGROUND_TENANT_ID, PLAYGROUND_USERS, startTestPlayground, type Playground } from '../support/playground';
import { findAction, inputValues, texts, title, type Card } from './teamsTestClient';
import pino from 'pino';

describe('onboarding in the local Teams client', () => {
  let sandbox: Sandbox;
  let bot: BotDriver;
  let pg: Playground;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, delays: { latencyMs: 0 } });
    const config = testConfig({ ...sandbox.env, ...sandbox.stampEnv, CLOUD: 'sandbox', STORE_PATH: ':memory:', ALLOWED_TENANT_IDS: PLAYGROUND_TENANT_ID });
    bot = await startBot(config, { logger: pino({ level: 'silent' }) });
    pg = await startTestPlayground(bot.url);
  });

  afterAll(async () => {
    await pg?.close();
    await bot?.close();
    await sandbox?.close();
  });

  /** Clicks a button of the card shown in message `messageId`: the card the bot returns replaces it. */
  async function click(conversationId: string, messageId: string, card: Card, buttonTitle: string, typed: Record<string, string> = {}): Promise<Card> {
    const action = findAction(card, buttonTitle);
    const inputs = action.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed };
    const data = { ...(action.data as Record<string, unknown>), ...inputs };
    const response = await pg.client.invoke(conversationId, messageId, { verb: String(action.verb), data, title: buttonTitle });
    expect(response.type).toBe('application/vnd.microsoft.card.adaptive');
    return response.value as Card;
  }

  it('onboard → customer, company, billing, subscription, registration, Azure Stack Hub, review → Request ONB-… submitted', async () => {
    const chat = pg.conversations.personalChat;
    const sent = await pg.client.sendText(chat, 'onboard');
    const message = await pg.client.waitForMessage((m) => JSON.stringify(adaptiveCardOf(m) ?? {}).includes('Onboard a customer: customer'), { after: sent });
    const customer = adaptiveCardOf(message) as Card;
    expect(texts(customer)).toContain(`Step 1 of 5 · draft of ${PLAYGROUND_USERS[0].name}`);

    const company = await click(chat, message.messageId, customer, 'New customer');
    const checked = await click(chat, message.messageId, company, 'Check availability', { companyName: 'Proseware', domainPrefix: 'proseware' });
    expect(texts(checked)).toContain('proseware.onmicrosoft.com is available.');
    const billing = await click(chat, message.messageId, checked, 'Next');
    const subscription = await click(chat, message.messageId, billing, 'Next', {
      country: 'GB',
      region: '',
      city: 'London',
      postalCode: 'SW1A 1AA',
      addressLine1: '1 Parliament Street',
      firstName: 'Pat',
      lastName: 'Reed',
      email: 'pat@proseware.co.uk',
      phoneNumber: '+44 20 7946 0000',
      culture: 'en-GB',
      language: 'en',
    });
    expect(title(subscription)).toBe('Onboard a customer: subscription for Proseware');
    const registration = await click(chat, message.messageId, subscription, 'Next', { ...MCA_ATTESTED });
    const stampCard = await click(chat, message.messageId, registration, 'Use azurestack-payg-east');
    expect(title(stampCard)).toBe('Onboard a customer: Azure Stack Hub subscription');
    const review = await click(chat, message.messageId, stampCard, 'Next', { managedBy: 'customer-automatic', adminEmail: 'it@proseware.co.uk', adminName: 'Proseware IT' });
    expect(texts(review)).toEqual(expect.arrayContaining(['Customer: Proseware (new)', 'Address: 1 Parliament Street, London, SW1A 1AA, United Kingdom', 'Offer: CSP Standard'])); 

    const submitted = await click(chat, message.messageId, review, 'Submit');
    const id = /^Request (ONB-[0-9A-HJ-NP-Z]{4,8}) submitted — waiting for approval$/.exec(title(submitted))?.[1] as RequestId;
    expect(id).toBeDefined();
    const stored = (await bot.app.store.requests.get(id))?.value;
    expect(stored).toMatchObject({
      status: 'pending_approval',
      requester: { teamsUserId: PLAYGROUND_USERS[0].id, aadObjectId: PLAYGROUND_USERS[0].aadObjectId.toLowerCase() },
      customer: { kind: 'new', companyName: 'Proseware', domain: 'proseware.onmicrosoft.com', address: { country: 'GB' } },
      registration: { resourceId: sandbox.registrations.payAsYouUse },
      access: { kind: 'none' },
      stamp: { registration: 'azurestack-payg-east', offerName: 'CSP Standard', managedBy: 'customer', owner: 'it@proseware.co.uk', guestMode: 'automatic', cspAccount: sandbox.stampEnv.CSP_GUEST_ACCOUNT },
    });
    // Nothing was created in Partner Center: approval comes first.
    expect(sandbox.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/partnercenter/v1/customers'))).toHaveLength(0);
  });

  it('in a channel, @mention onboard starts a draft in the thread; another member clicking it gets "this is X\'s draft"', async () => {
    const [alex, megan] = PLAYGROUND_USERS;
    const sent = await pg.client.sendText(pg.conversations.channel, `<at>${pg.bot.name}</at> onboard`, { mentions: [{ id: pg.bot.id, name: pg.bot.name }] });
    const thread = sent.postConversationId as string;
    expect(thread).toBeTruthy();
    const message = await pg.client.waitForMessage(
      (m) => m.conversationId === thread && JSON.stringify(adaptiveCardOf(m) ?? {}).includes('Onboard a customer: customer'),
      { after: sent },
    );
    const customer = adaptiveCardOf(message) as Card;
    expect(texts(customer)).toContain(`Step 1 of 5 · draft of ${alex.name}`);

    const action = findAction(customer, 'New customer');
    const refused = await pg.client.invoke(thread, message.messageId, { verb: String(action.verb), data: action.data as Record<string, unknown> }, megan);
    expect(title(refused.value as Card)).toBe(`This is ${alex.name}'s onboarding draft`);

    const company = await click(thread, message.messageId, customer, 'New customer');
    expect(title(company)).toBe('Onboard a customer: new customer');
  });
});
