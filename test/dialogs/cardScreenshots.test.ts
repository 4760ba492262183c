// Screenshots of every onboarding card as the local Teams client (Agents Playground, its real web
// UI in headless Chromium) renders it, for docs/cards.md. The real bot on the simulated cloud is
// driven through the playground's API with Action.Submit clicks, so each next card arrives as a new
// message in the chat the browser shows. Opt-in (about 30 s of CPU):
//   CARD_SCREENSHOTS=1 node scripts/jest.js test/dialogs/cardScreenshots
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pino from 'pino';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startBot, type BotDriver } from '../support/botDriver';
import { testConfig } from '../support/testConfig';
import { MCA_ATTESTED } from '../support/people';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { adaptiveCardOf, PLAYGROUND_TENANT_ID, startTestPlayground, type Playground } from '../support/playground';
import { findAction, inputValues, title, type Card } from './teamsTestClient';

const OUT = path.join(__dirname, '..', '..', 'docs', 'images', 'cards');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];
const enabled = process.env.CARD_SCREENSHOTS === '1';

(enabled ? describe : describe.skip)('onboarding cards in the local Teams client', () => {
  let sandbox: Sandbox;
  let bot: BotDriver;
  let pg: Playground;
  let browser: BrowserContext;
  let page: Page;
  const chat = () => pg.conversations.personalChat;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, delays: { latencyMs: 0 } });
    const config = testConfig({ ...sandbox.env, ...sandbox.stampEnv, CLOUD: 'sandbox', STORE_PATH: ':memory:', ALLOWED_TENANT_IDS: PLAYGROUND_TENANT_ID });
    bot = await startBot(config, { logger: pino({ level: 'silent' }) });
    pg = await startTestPlayground(bot.url);
    browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'cards-chromium-')), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1100, height: 1600 },
      args: CHROMIUM_ARGS,
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    // Only the loopback playground: its fonts and animation CDN are not needed (and not reachable).
    await page.route('**/*', (route) => (['127.0.0.1', 'localhost'].includes(new URL(route.request().url()).hostname) ? route.continue() : route.abort()));
    await page.goto(pg.url);
    await page.getByRole('treeitem', { name: 'Personal Chat' }).first().waitFor({ timeout: 30_000 });
    fs.mkdirSync(OUT, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await pg?.close();
    await bot?.close();
    await sandbox?.close();
  });

  interface Shown {
    card: Card;
    messageId: string;
  }

  /** Waits until the browser shows a card containing `text` (after the ones already there), then saves it. */
  async function shoot(name: string, text: string): Promise<void> {
    const card = page.locator('.ac-adaptiveCard', { hasText: text }).last();
    await card.waitFor({ timeout: 15_000 });
    await page.waitForTimeout(400);
    await card.scrollIntoViewIfNeeded();
    const file = path.join(OUT, `${name}.png`);
    await card.screenshot({ path: file });
    expect(fs.statSync(file).size).toBeGreaterThan(5_000);
  }

  /** Types a command; the card whose text contains `expected` is the answer (the greeting may come first). */
  async function say(text: string, expected: string): Promise<Shown> {
    const sent = await pg.client.sendText(chat(), text);
    const message = await pg.client.waitForMessage((m) => JSON.stringify(adaptiveCardOf(m) ?? {}).includes(expected), { after: sent });
    return { card: adaptiveCardOf(message) as Card, messageId: message.messageId };
  }

  /** Clicks a button the way an older client does (Action.Submit): the next card comes as a new message. */
  async function click(shown: Shown, buttonTitle: string, typed: Record<string, string> = {}): Promise<Shown> {
    const fallback = findAction(shown.card, buttonTitle).fallback as { data: Record<string, unknown>; associatedInputs?: string };
    const value = { ...fallback.data, ...(fallback.associatedInputs === 'none' ? {} : { ...inputValues(shown.card), ...typed }) };
    const seq = await pg.client.submit(chat(), shown.messageId, value);
    const message = await pg.client.waitForMessage((m) => adaptiveCardOf(m) !== undefined, { after: seq });
    return { card: adaptiveCardOf(message) as Card, messageId: message.messageId };
  }

  it('renders each card', async () => {
    const customer = await say('onboard', 'Is this a new customer');
    await shoot('customer', 'Is this a new customer');
    const matches = await click(customer, 'Search', { searchField: 'CompanyName', customerQuery: 'Co' });
    expect(title(matches.card)).toBe('Onboard a customer: pick the customer');
    await shoot('customer-matches', 'Company name starts with "Co"');
    const again = await click(matches, 'Search again');
    const company = await click(again, 'New customer');
    const taken = await click(company, 'Check availability', { companyName: 'Proseware', domainPrefix: 'contoso' });
    await shoot('company-domain-taken', 'already belongs to your customer Contoso');
    const available = await click(taken, 'Check availability', { domainPrefix: 'proseware' });
    await shoot('company', 'proseware.onmicrosoft.com is available.');
    const billing = await click(available, 'Next');
    const billingErrors = await click(billing, 'Next', {
      country: 'HU',
      city: 'Budapest',
      postalCode: '1051',
      addressLine1: 'Nádor utca 12',
      firstName: 'Dóra',
      lastName: 'Kovács',
      email: 'dora@proseware',
      culture: 'hu-HU',
      language: 'hu',
    });
    expect(title(billingErrors.card)).toBe('Onboard a customer: billing profile of Proseware');
    await shoot('billing-errors', 'Partner Center requires it for customers in this country');
    const subscription = await click(billingErrors, 'Next', { email: 'dora@proseware.hu', phoneNumber: '+36 1 555 0101', organizationRegistrationNumber: '01-09-123456' });
    await shoot('subscription-new-customer', 'subscription for Proseware');
    const registration = await click(subscription, 'Next', { ...MCA_ATTESTED });
    await shoot('registration', 'Registrations this bot may change');
    const access = await click(registration, 'Use azurestack-payg-east');
    await shoot('access', 'Onboard a customer: Azure Stack Hub subscription');
    const review = await click(access, 'Next', { managedBy: 'customer-instructions', adminEmail: 'it@proseware.hu', adminName: 'Proseware IT' });
    await shoot('review', 'Onboard a customer: review');
    const submitted = await click(review, 'Submit');
    expect(title(submitted.card)).toMatch(/^Request ONB-\S+ submitted — waiting for approval$/);
    await shoot('submitted', 'submitted — waiting for approval');
  }, 120_000);

  it('renders an existing customer: a subscription that is not theirs, a mapping that would be overwritten', async () => {
    const customer = await say('onboard', 'Is this a new customer');
    const matches = await click(customer, 'Search', { searchField: 'Domain', customerQuery: 'contoso' });
    const subscription = await click(matches, 'Choose Contoso');
    await click(subscription, 'Next', { subscriptionKind: 'existing', azureSubscriptionId: '0f0e0d0c-0b0a-4909-8807-060504030201' });
    await shoot('subscription-error', "is not one of Contoso's Azure subscriptions");
    const registration = await click(subscription, 'Next', { subscriptionKind: 'azure-plan', ...MCA_ATTESTED });
    expect(title(registration.card)).toBe('Onboard a customer: Azure Stack Hub registration');
    await shoot('registration-mapping-warning', 'adding it overwrites that mapping');
    await say('cancel', 'Onboarding draft cancelled');
    await shoot('cancelled', 'Onboarding draft cancelled');
  }, 120_000);
});
