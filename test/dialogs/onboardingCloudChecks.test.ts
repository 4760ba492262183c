// The onboarding cards that ask Partner Center or Azure on a click: a new customer's address is
// validated (PC-11) with suggested corrections on the card, and every such click answers within
// Teams' invoke time, saying "still checking" while a slow call goes on. The real bot, SQLite and
// the real clients against the simulated cloud; a slow service is a held request (no timing).
import { MCA_ATTESTED, US_BILLING } from '../support/people';
import { ALEX, Operator, buildBot, buttonTitles, errorBeside, inputValues, texts, title, type BotUnderTest, type Card } from './teamsTestClient';
import { startWorld } from './teamsTestClient';

type World = Awaited<ReturnType<typeof startWorld>>;

let world: World;
let bot: BotUnderTest;
let alex: Operator;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.close();
});
/** The bot as configured (the default budget), or with a budget short enough for a held request to be "slow". */
async function operator(checkBudgetMs?: number): Promise<void> {
  bot = await buildBot({ store: world.store, cloud: world.cloud, checkBudgetMs });
  alex = new Operator(bot, ALEX, { id: `a:1on1-${Math.random()}`, conversationType: 'personal' });
}
/** Under the clients' 3 s timeout (a held call must still be running), well over a quick call's time. */
const SHORT_BUDGET_MS = 1_500;

let n = 0;
const company = () => ({ companyName: `Address Test ${++n}`, domainPrefix: `addresstest${n}${Math.floor(Math.random() * 1e6)}` });

async function billingCard(): Promise<Card> {
  const customer = await alex.sayForCard('onboard');
  const companyCard = await alex.click(customer, 'New customer');
  return alex.click(companyCard, 'Next', company());
}

const validations = () => world.sandbox.requests.filter((r) => r.method === 'POST' && r.path === '/partnercenter/v1/validations/address');

/** Waits until every held-then-released request has its answer recorded. */
async function answered(path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (world.sandbox.requests.some((r) => r.path === path && r.status === 0)) {
    if (Date.now() > deadline) throw new Error(`${path} never answered`);
    await new Promise((r) => setImmediate(r));
  }
}

describe("a new customer's address is validated with Partner Center when the billing card is submitted", () => {
  beforeEach(() => operator());
  it('a verified address goes on as entered, after one validation call', async () => {
    const before = validations().length;
    const subscription = await alex.click(await billingCard(), 'Next', US_BILLING);
    expect(title(subscription)).toMatch(/^Onboard a customer: subscription for/);
    expect(validations().length - before).toBe(1);
  });

  it('a loosely written postal code gets the suggested correction on the card; "Use this address" takes it', async () => {
    const amsterdam = { ...US_BILLING, country: 'NL', region: '', city: 'Amsterdam', postalCode: '1015ba', addressLine1: 'Herengracht 1', culture: 'nl-NL', language: 'nl' };
    const suggested = await alex.click(await billingCard(), 'Next', amsterdam);
    expect(title(suggested)).toMatch(/^Onboard a customer: billing profile of/);
    expect(texts(suggested)).toEqual(
      expect.arrayContaining([
        "Partner Center could only partly verify this address (Address field invalid for property: 'PostalCode') and suggests a correction: use one, or keep the address as entered.",
        'Herengracht 1, Amsterdam, 1015 BA, NL',
      ]),
    );
    expect(buttonTitles(suggested)).toEqual(expect.arrayContaining(['Use this address', 'Keep the address as entered']));
    // What the operator typed is kept on the card meanwhile.
    expect(inputValues(suggested)).toMatchObject({ postalCode: '1015ba', city: 'Amsterdam' });

    const subscription = await alex.click(suggested, 'Use this address');
    expect(title(subscription)).toMatch(/^Onboard a customer: subscription for/);
    const registration = await alex.click(subscription, 'Next', { ...MCA_ATTESTED });
    const stamp = await alex.click(registration, 'Use azurestack-payg-east');
    const review = await alex.click(stamp, 'Next', { managedBy: 'csp' });
    expect(texts(review)).toContain('Address: Herengracht 1, Amsterdam, 1015 BA, Netherlands');
  });

  it('"Keep the address as entered" goes on with what the operator typed', async () => {
    const amsterdam = { ...US_BILLING, country: 'NL', region: '', city: 'Amsterdam', postalCode: '1015 ba', addressLine1: 'Herengracht 1', culture: 'nl-NL', language: 'nl' };
    const suggested = await alex.click(await billingCard(), 'Next', amsterdam);
    const subscription = await alex.click(suggested, 'Keep the address as entered');
    expect(title(subscription)).toMatch(/^Onboard a customer: subscription for/);
    const registration = await alex.click(subscription, 'Next', { ...MCA_ATTESTED });
    const stamp = await alex.click(registration, 'Use azurestack-payg-east');
    const review = await alex.click(stamp, 'Next', { managedBy: 'csp' });
    expect(texts(review)).toContain('Address: Herengracht 1, Amsterdam, 1015 ba, Netherlands');
  });

  it('an address Partner Center calls incorrect stays on the card with the reason, values kept, nothing saved', async () => {
    const wrong = { ...US_BILLING, postalCode: '9805' };
    const card = await alex.click(await billingCard(), 'Next', wrong);
    expect(title(card)).toMatch(/^Onboard a customer: billing profile of/);
    expect(texts(card)).toContain("Partner Center says this address is incorrect (Address field invalid for property: 'PostalCode'). Correct it, then click Next.");
    expect(buttonTitles(card)).not.toContain('Use this address');
    expect(inputValues(card)).toMatchObject({ postalCode: '9805' });
    // Corrected, it goes on.
    const subscription = await alex.click(card, 'Next', US_BILLING);
    expect(title(subscription)).toMatch(/^Onboard a customer: subscription for/);
  });

  it('a country the service does not validate goes on as entered (NotValidated is not "incorrect")', async () => {
    const tokyo = { ...US_BILLING, country: 'JP', region: 'Tokyo', city: 'Chiyoda', postalCode: '100-0001', addressLine1: '1-1 Chiyoda', culture: 'ja-JP', language: 'ja' };
    const subscription = await alex.click(await billingCard(), 'Next', tokyo);
    expect(title(subscription)).toMatch(/^Onboard a customer: subscription for/);
  });

  it('a throttled validation says so on the card, never "Something went wrong"', async () => {
    world.sandbox.faults.add({ method: 'POST', path: '/partnercenter/v1/validations/address', kind: 'status', status: 503, times: 2 });
    const card = await alex.click(await billingCard(), 'Next', US_BILLING);
    expect(title(card)).toMatch(/^Onboard a customer: billing profile of/);
    const words = texts(card).join('\n');
    expect(words).toContain('Could not validate the address with Partner Center');
    expect(words).not.toMatch(/something went wrong/i);
    expect(inputValues(card)).toMatchObject({ postalCode: '98052' });
  });
});

describe("every card click that asks Partner Center or Azure answers within Teams' invoke time", () => {
  beforeEach(() => operator(SHORT_BUDGET_MS));
  it('a slow domain check answers "still checking"; clicking again once Partner Center answered gives the answer, asked once', async () => {
    const prefix = `slowdomain${Math.floor(Math.random() * 1e6)}`;
    const path = `/partnercenter/v1/domains/${prefix}.onmicrosoft.com`;
    const hold = world.sandbox.holds.add({ method: 'HEAD', path });
    const companyCard = await alex.click(await alex.sayForCard('onboard'), 'New customer');
    const pending = await alex.click(companyCard, 'Check availability', { companyName: 'Slow Domain Ltd', domainPrefix: prefix });
    // The click was answered while Partner Center still holds the question.
    await hold.arrived;
    expect(texts(pending)).toContain(
      `Still checking ${prefix}.onmicrosoft.com with Partner Center: no answer yet. Click Check availability again in a few seconds; what you entered is kept.`,
    );
    expect(inputValues(pending)).toMatchObject({ companyName: 'Slow Domain Ltd', domainPrefix: prefix });
    hold.release();
    await answered(path);
    const checked = await alex.click(pending, 'Check availability');
    expect(texts(checked)).toContain(`${prefix}.onmicrosoft.com is available.`);
    // The second click took the running check's answer: Partner Center was asked once.
    expect(world.sandbox.requests.filter((r) => r.path === path)).toHaveLength(1);
  });

  it('a slow customer search, a slow address validation and a slow registration read each answer "still checking"', async () => {
    // Search.
    const searchHold = world.sandbox.holds.add({ method: 'GET', path: '/partnercenter/v1/customers' });
    const customer = await alex.sayForCard('onboard');
    const searching = await alex.click(customer, 'Search', { searchField: 'CompanyName', customerQuery: 'Conto' });
    expect(errorBeside(searching, 'customerQuery')).toBe('Still searching Partner Center for "Conto": no answer yet. Click Search again in a few seconds; what you entered is kept.');
    searchHold.release();
    await answered('/partnercenter/v1/customers');

    // Address validation.
    const validationHold = world.sandbox.holds.add({ method: 'POST', path: '/partnercenter/v1/validations/address' });
    const billing = await billingCard();
    const validating = await alex.click(billing, 'Next', US_BILLING);
    expect(title(validating)).toMatch(/^Onboard a customer: billing profile of/);
    expect(texts(validating)).toContain('Still validating the address with Partner Center: no answer yet. Click Next again in a few seconds; what you entered is kept.');
    validationHold.release();
    await answered('/partnercenter/v1/validations/address');
    const subscription = await alex.click(validating, 'Next');
    expect(title(subscription)).toMatch(/^Onboard a customer: subscription for/);

    // The registration card reads each registration from Azure.
    const registrationHold = world.sandbox.holds.add({ method: 'GET', path: /azurestack-payg-east$/ });
    const registration = await alex.click(subscription, 'Next', { ...MCA_ATTESTED });
    expect(texts(registration)).toContain('Still checking this registration with Azure: no answer yet. Click Check again in a few seconds.');
    expect(buttonTitles(registration)).not.toContain('Use azurestack-payg-east');
    expect(buttonTitles(registration)).toContain('Check again');
    registrationHold.release();
    const checkedAgain = await waitForRegistration(registration);
    expect(buttonTitles(checkedAgain)).toContain('Use azurestack-payg-east');
  });
});

/** "Check again" until Azure's answer is in (it is, once the held read is released). */
async function waitForRegistration(card: Card): Promise<Card> {
  await new Promise((r) => setImmediate(r));
  const deadline = Date.now() + 10_000;
  let current = card;
  while (!buttonTitles(current).includes('Use azurestack-payg-east')) {
    if (Date.now() > deadline) throw new Error('the registration was never read');
    current = await alex.click(current, 'Check again');
  }
  return current;
}
