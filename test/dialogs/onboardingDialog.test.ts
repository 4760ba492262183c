// The onboarding conversation as transcripts: an operator types `onboard` in Teams and clicks
// through the cards; the real bot, the real SQLite store and the real cloud clients against the
// simulated cloud answer.
import type { OnboardingRequest, ServiceRequest } from '../../src/onboarding/model';
import { REQUEST_ID_PATTERN } from '../../src/onboarding/model';
import { MCA_ATTESTED, US_BILLING } from '../support/people';
import { recordUnapprovedRegistration } from '../../src/onboarding/rules/unapprovedRegistration';
import {
  ALEX,
  MEGAN,
  CHANNEL_THREAD,
  Operator,
  buildBot,
  buttonTitles,
  errorBeside,
  inputValues,
  lastCard,
  startWorld,
  texts,
  title,
  drainReplies,
  type BotUnderTest,
  type Card,
} from './teamsTestClient';

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
beforeEach(async () => {
  bot = await buildBot({ store: world.store, cloud: world.cloud });
  alex = new Operator(bot, ALEX, { id: `a:1on1-${Math.random()}`, conversationType: 'personal' });
});

const NEW_COMPANY = { companyName: 'Tailspin Toys', domainPrefix: 'tailspintoys' };

async function requestsNow(): Promise<ServiceRequest[]> {
  return (await world.store.requests.list()).map((v) => v.value);
}

/** onboard → New customer → company → billing: the subscription card. */
async function newCustomerUpToSubscription(operator: Operator, company = NEW_COMPANY): Promise<Card> {
  const customer = await operator.sayForCard('onboard');
  const companyCard = await operator.click(customer, 'New customer');
  const billing = await operator.click(companyCard, 'Next', company);
  return operator.click(billing, 'Next', US_BILLING);
}

/** onboard → search → pick: the subscription card for an existing customer. */
async function existingCustomerUpToSubscription(operator: Operator, companyName: string): Promise<Card> {
  const customer = await operator.sayForCard('onboard');
  const matches = await operator.click(customer, 'Search', { searchField: 'CompanyName', customerQuery: companyName.slice(0, 4) });
  return operator.click(matches, `Choose ${companyName}`);
}

describe('onboarding a new customer with an Azure plan', () => {
  it('goes customer → company → billing → subscription → registration → Azure Stack Hub → review → submitted, pending approval', async () => {
    const before = (await requestsNow()).length;
    const customer = await alex.sayForCard('onboard');
    expect(title(customer)).toBe('Onboard a customer: customer');
    expect(texts(customer)).toContain('Step 1 of 5 · draft of Alex Wilber');

    const company = await alex.click(customer, 'New customer');
    expect(title(company)).toBe('Onboard a customer: new customer');

    // "Check availability" answers on the same card, beside the domain, with the values kept.
    const checked = await alex.click(company, 'Check availability', NEW_COMPANY);
    expect(title(checked)).toBe('Onboard a customer: new customer');
    expect(texts(checked)).toContain('tailspintoys.onmicrosoft.com is available.');
    expect(inputValues(checked)).toMatchObject(NEW_COMPANY);

    const billing = await alex.click(checked, 'Next');
    expect(title(billing)).toBe('Onboard a customer: billing profile of Tailspin Toys');
    expect(inputValues(billing)).toMatchObject({ culture: 'en-US', language: 'en' });

    const subscription = await alex.click(billing, 'Next', US_BILLING);
    expect(title(subscription)).toBe('Onboard a customer: subscription for Tailspin Toys');
    expect(texts(subscription)).toContain('A new customer has no Azure subscription yet: the run buys an Azure plan for it.');
    // Who accepted the Microsoft Customer Agreement starts as the billing contact; the tick and the date are the operator's.
    expect(inputValues(subscription)).toMatchObject({ agreementAccepted: 'false', agreementFirstName: 'Dana', agreementLastName: 'Lee', agreementEmail: 'dana@tailspintoys.com', agreementDate: '' });
    const unticked = await alex.click(subscription, 'Next');
    expect(title(unticked)).toBe('Onboard a customer: subscription for Tailspin Toys');
    expect(errorBeside(unticked, 'agreementAccepted')).toBe('Tick this only when the customer has accepted the Microsoft Customer Agreement: a new Azure plan needs it');
    expect(errorBeside(unticked, 'agreementDate')).toBe('Date accepted: the day the customer accepted, not in the future (YYYY-MM-DD)');
    const future = await alex.click(unticked, 'Next', { agreementAccepted: 'true', agreementDate: '2999-01-01' });
    expect(errorBeside(future, 'agreementDate')).toBe('Date accepted: the day the customer accepted, not in the future (YYYY-MM-DD)');
    expect(errorBeside(future, 'agreementAccepted')).toBe('');

    const registration = await alex.click(future, 'Next', { ...MCA_ATTESTED });
    expect(title(registration)).toBe('Onboard a customer: Azure Stack Hub registration');
    const registrationTexts = texts(registration).join('\n');
    expect(registrationTexts).toContain('azurestack-payg-east');
    expect(registrationTexts).toContain('azurestack-capacity-north uses the Capacity billing model, which cannot bill usage to customer tenants: only a PayAsYouUse registration can.');
    // A Capacity registration offers no button; the others do.
    expect(buttonTitles(registration)).toEqual(
      expect.arrayContaining(['Use azurestack-payg-east', 'Use azurestack-payg-west', 'Use azurestack-payg-south']),
    );
    expect(buttonTitles(registration)).not.toContain('Use azurestack-capacity-north');

    const access = await alex.click(registration, 'Use azurestack-payg-east');
    expect(title(access)).toBe('Onboard a customer: Azure Stack Hub subscription');
    // The stamp's public offers only, listed from the stamp; the CSP's account named in the choices.
    const offerChoices = ((access.body ?? []).find((e) => e.id === 'stampOffer') as { choices?: Array<{ title: string }> }).choices!.map((c) => c.title);
    expect(offerChoices).toEqual([expect.stringMatching(/^CSP Standard: /), expect.stringMatching(/^CSP Large: /)]);
    expect(JSON.stringify(access)).toContain('azs-operations@csp-partner.onmicrosoft.com');
    const review = await alex.click(access, 'Next', { managedBy: 'customer-instructions', adminEmail: 'admin@tailspintoys.com', adminName: 'Ari Admin' });
    expect(title(review)).toBe('Onboard a customer: review');
    expect(texts(review)).toEqual(
      expect.arrayContaining([
        'Customer: Tailspin Toys (new)',
        'Domain: tailspintoys.onmicrosoft.com',
        'Address: One Microsoft Way, Redmond, WA, 98052, United States',
        'Contact: Dana Lee (dana@tailspintoys.com)',
        'Azure subscription: Buy an Azure plan: a new Azure subscription',
        'Customer agreement: Accepted by Cora Signer (cora@customer.example) on 2026-11-27, as attested by Alex Wilber',
        'Registration: azurestack-payg-east (resource group azurestack)',
        'Billing model: PayAsYouUse',
        'Offer: CSP Standard',
        'Managed by: The customer (owner Ari Admin, admin@tailspintoys.com)',
      ]),
    );
    expect(buttonTitles(review)).toEqual(['Edit Customer', 'Edit Billing profile', 'Edit Subscription', 'Edit Registration', 'Edit Azure Stack Hub', 'Submit', 'Cancel']);
    expect(await requestsNow()).toHaveLength(before);

    const note = await alex.click(review, 'Submit');
    const id = /Request (\S+) submitted — waiting for approval/.exec(title(note))?.[1];
    expect(id).toMatch(new RegExp(REQUEST_ID_PATTERN));
    expect(id).toMatch(/^ONB-/);

    const stored = (await world.store.requests.get(id as OnboardingRequest['id']))?.value;
    expect(stored).toMatchObject({
      kind: 'onboard',
      status: 'pending_approval',
      teamsTenantId: '11111111-2222-4333-8444-555555555555',
      requester: { aadObjectId: ALEX.aadObjectId, teamsUserId: ALEX.id, name: 'Alex Wilber' },
      customer: {
        kind: 'new',
        companyName: 'Tailspin Toys',
        domain: 'tailspintoys.onmicrosoft.com',
        address: { country: 'US', region: 'WA', city: 'Redmond', postalCode: '98052', addressLine1: 'One Microsoft Way' },
        contact: { firstName: 'Dana', lastName: 'Lee', email: 'dana@tailspintoys.com', phoneNumber: '+1 425 555 0101' },
        culture: 'en-US',
        language: 'en',
      },
      subscription: { kind: 'azure-plan' },
      // The customer's acceptance as attested: not the billing contact, not today.
      agreement: { acceptedBy: { firstName: 'Cora', lastName: 'Signer', email: 'cora@customer.example' }, dateAccepted: '2026-11-27' },
      registration: { name: 'azurestack-payg-east', resourceGroup: 'azurestack' },
      access: { kind: 'none' },
      stamp: {
        registration: 'azurestack-payg-east',
        offerId: expect.stringMatching(/\/offers\/csp-standard$/),
        offerName: 'CSP Standard',
        managedBy: 'customer',
        owner: 'admin@tailspintoys.com',
        ownerName: 'Ari Admin',
        guestMode: 'instructions',
        cspAccount: 'azs-operations@csp-partner.onmicrosoft.com',
      },
      steps: [],
      results: {},
    });
    const audit = await world.store.audit.list(id as OnboardingRequest['id']);
    expect(audit.map((a) => a.action)).toEqual(['submitted']);
    expect(audit[0].actor).toBe(ALEX.aadObjectId);
    expect(bot.submitted).toEqual([id]);

    // The draft is gone: its old card no longer changes anything.
    const stale = await alex.click(review, 'Submit');
    expect(title(stale)).toBe('This onboarding draft is no longer open');
    expect(await requestsNow()).toHaveLength(before + 1);
  });

  it('keeps the request when posting it for approval fails, and says so', async () => {
    const failing = await buildBot({
      store: world.store,
      cloud: world.cloud,
      onSubmitted: async () => {
        throw new Error('approvers channel unreachable');
      },
    });
    const operator = new Operator(failing, ALEX, { id: `a:1on1-hook-${Math.random()}`, conversationType: 'personal' });
    const subscription = await newCustomerUpToSubscription(operator, { companyName: 'Hooky', domainPrefix: 'hooky' });
    const registration = await operator.click(subscription, 'Next', { ...MCA_ATTESTED });
    const access = await operator.click(registration, 'Use azurestack-payg-east');
    const review = await operator.click(access, 'Next', { managedBy: 'csp' });
    const note = await operator.click(review, 'Submit');
    const id = /^Request (\S+) submitted — waiting for approval$/.exec(title(note))?.[1] as OnboardingRequest['id'];
    expect(texts(note).join(' ')).toContain(`The request is stored, but posting it for approval failed; type status ${id} and tell an administrator.`);
    expect((await world.store.requests.get(id))?.value.status).toBe('pending_approval');
  });
});

/** The titles offered by the subscription card's "Azure subscription" choice. */
function subscriptionKinds(card: Card): string[] {
  const choiceSet = (card.body ?? []).find((e) => e.id === 'subscriptionKind') as { choices?: Array<{ title: string }> } | undefined;
  return (choiceSet?.choices ?? []).map((c) => c.title);
}

describe.each(['AzureChinaCloud', 'AzureUSGovernment'])('onboarding in %s (no Azure plan purchase there)', (cloudName) => {
  let national: BotUnderTest;
  let nina: Operator;
  beforeEach(async () => {
    // The simulated cloud's clients under the national cloud's name: what the rule reads.
    national = await buildBot({ store: world.store, cloud: { ...world.cloud, name: cloudName } });
    nina = new Operator(national, ALEX, { id: `a:1on1-${Math.random()}`, conversationType: 'personal' });
  });
  const why = `In ${cloudName} (`;

  it('offers an existing customer only an existing subscription, says why, and refuses a forged "buy an Azure plan"', async () => {
    const lucerne = world.sandbox.seedCustomer({ companyName: `Lucerne ${cloudName}`, domain: `lucerne${cloudName.toLowerCase()}.onmicrosoft.com`, azurePlan: 'active' });
    const subscription = await existingCustomerUpToSubscription(nina, `Lucerne ${cloudName}`);
    expect(subscriptionKinds(subscription)).toEqual(['Use an existing Azure subscription']);
    expect(buttonTitles(subscription)).not.toContain('Buy an Azure plan');
    const note = texts(subscription).find((t) => t.startsWith(why));
    expect(note).toContain('the Microsoft Customer Agreement and Azure plan purchase APIs do not apply: the bot can only map an Azure subscription the customer already has.');

    const forged = await nina.click(subscription, 'Next', { subscriptionKind: 'azure-plan' });
    expect(title(forged)).toBe(`Onboard a customer: subscription for Lucerne ${cloudName}`);
    expect(errorBeside(forged, 'subscriptionKind')).toContain(why);

    const registration = await nina.click(forged, 'Next', { subscriptionKind: 'existing', azureSubscriptionId: lucerne.azureSubscriptionId! });
    expect(title(registration)).toBe('Onboard a customer: Azure Stack Hub registration');
  });

  it('tells a new customer why it cannot be onboarded here, and offers no purchase', async () => {
    const subscription = await newCustomerUpToSubscription(nina, { companyName: 'Nat Co', domainPrefix: `natco${cloudName.length}${Date.now()}` });
    expect(subscriptionKinds(subscription)).not.toContain('Buy an Azure plan');
    expect(texts(subscription).join(' ')).toContain('A new customer has no Azure subscription yet, so the bot cannot onboard it here');
    const next = await nina.click(subscription, 'Next', { subscriptionKind: 'existing', azureSubscriptionId: '3f15978e-005c-4763-bb78-2a8fab289c58' });
    expect(errorBeside(next, 'subscriptionKind')).toContain('create the customer and its Azure subscription in Partner Center first');
  });
});

describe('onboarding an existing customer with an existing Azure subscription', () => {
  it('pages long search results (5 a page), never cutting them off', async () => {
    for (let i = 1; i <= 7; i++) world.sandbox.seedCustomer({ companyName: `Pager Co ${i}`, domain: `pagerco${i}.onmicrosoft.com` });
    const customer = await alex.sayForCard('onboard');
    const first = await alex.click(customer, 'Search', { searchField: 'CompanyName', customerQuery: 'Pager' });
    expect(texts(first)).toContain('Company name starts with "Pager": showing 1–5 of 7.');
    expect(buttonTitles(first).filter((t) => t.startsWith('Choose'))).toHaveLength(5);
    expect(buttonTitles(first)).not.toContain('Previous page');
    const second = await alex.click(first, 'Next page');
    expect(texts(second)).toContain('Company name starts with "Pager": showing 6–7 of 7.');
    expect(buttonTitles(second).filter((t) => t.startsWith('Choose'))).toHaveLength(2);
    expect(buttonTitles(second)).not.toContain('Next page');
    const back = await alex.click(second, 'Previous page');
    expect(texts(back)).toContain('Company name starts with "Pager": showing 1–5 of 7.');
    const picked = await alex.click(second, 'Choose Pager Co 7');
    expect(title(picked)).toBe('Onboard a customer: subscription for Pager Co 7');
  });

  it('searches Partner Center, picks the match (tenant id shown), checks the subscription against its entitlements, submits', async () => {
    const litware = world.sandbox.seedCustomer({ companyName: 'Litware', domain: 'litware.onmicrosoft.com', azurePlan: 'active' });
    const customer = await alex.sayForCard('onboard');
    const matches = await alex.click(customer, 'Search', { searchField: 'Domain', customerQuery: 'litware' });
    expect(title(matches)).toBe('Onboard a customer: pick the customer');
    expect(texts(matches)).toEqual(expect.arrayContaining(['Litware', 'Domain: litware.onmicrosoft.com', `Tenant id: ${litware.customerTenantId}`]));

    const subscription = await alex.click(matches, 'Choose Litware');
    expect(title(subscription)).toBe('Onboard a customer: subscription for Litware');
    const registration = await alex.click(subscription, 'Next', { subscriptionKind: 'existing', azureSubscriptionId: ` ${litware.azureSubscriptionId!.toUpperCase()} ` });
    expect(title(registration)).toBe('Onboard a customer: Azure Stack Hub registration');
    // payg-west has no stamp here: billing only, straight to the review.
    const review = await alex.click(registration, 'Use azurestack-payg-west');
    expect(texts(review)).toEqual(
      expect.arrayContaining([
        'Customer: Litware (existing)',
        `Tenant id: ${litware.customerTenantId}`,
        `Azure subscription: Existing: ${litware.azureSubscriptionId}`,
        'Azure Stack Hub: Billing only: no Azure Stack Hub stamp is configured for azurestack-payg-west',
      ]),
    );
    const note = await alex.click(review, 'Submit');
    const id = /Request (\S+) submitted/.exec(title(note))?.[1] as OnboardingRequest['id'];
    const stored = (await world.store.requests.get(id))?.value as OnboardingRequest | undefined;
    expect(stored?.kind).toBe('onboard');
    expect(stored?.customer).toEqual({ kind: 'existing', customerTenantId: litware.customerTenantId, companyName: 'Litware', domain: 'litware.onmicrosoft.com' });
    expect(stored?.subscription).toEqual({ kind: 'existing', azureSubscriptionId: litware.azureSubscriptionId });
    expect(stored?.registration.resourceId).toBe(world.sandbox.registrations.payAsYouUse2);
  });

  it('warns on the registration and the review when the tenant is already mapped there to another subscription', async () => {
    world.sandbox.seedCustomer({ companyName: 'Woodgrove', domain: 'woodgrove.onmicrosoft.com', azurePlan: 'active', mappedOn: [world.sandbox.registrations.payAsYouUse] });
    const subscription = await existingCustomerUpToSubscription(alex, 'Woodgrove');
    const registration = await alex.click(subscription, 'Next', { subscriptionKind: 'azure-plan', ...MCA_ATTESTED });
    const warnings = texts(registration).filter((t) => t.includes('already mapped here'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Woodgrove is already mapped here to subscription [0-9a-f-]{36}: adding it overwrites that mapping\.$/);
    const access = await alex.click(registration, 'Use azurestack-payg-east');
    const review = await alex.click(access, 'Next', { managedBy: 'csp' });
    expect(texts(review).some((t) => t.startsWith('Woodgrove is already mapped here to subscription'))).toBe(true);
  });
});

describe('bad input comes back on the same card, values kept, the error beside the field, nothing changed', () => {
  it('customer search: too short, and no match', async () => {
    const customer = await alex.sayForCard('onboard');
    const short = await alex.click(customer, 'Search', { searchField: 'CompanyName', customerQuery: 'x' });
    expect(title(short)).toBe('Onboard a customer: customer');
    expect(errorBeside(short, 'customerQuery')).toBe('Search: at least 2 characters of the company name or domain');
    expect(inputValues(short)).toMatchObject({ searchField: 'CompanyName', customerQuery: 'x' });

    const none = await alex.click(short, 'Search', { customerQuery: 'Zzyzx' });
    expect(errorBeside(none, 'customerQuery')).toBe(
      'No customer of yours in Partner Center has a company name starting with "Zzyzx". Check the spelling, search by the other field, or choose New customer.',
    );
    expect(inputValues(none)).toMatchObject({ customerQuery: 'Zzyzx' });
  });

  it('customer search: more than 50 matches asks for more letters instead of paging through them all', async () => {
    for (let i = 1; i <= 51; i++) world.sandbox.seedCustomer({ companyName: `Crowd ${i}`, domain: `crowd${i}.onmicrosoft.com` });
    const customer = await alex.sayForCard('onboard');
    const crowd = await alex.click(customer, 'Search', { searchField: 'CompanyName', customerQuery: 'Crowd' });
    expect(title(crowd)).toBe('Onboard a customer: customer');
    expect(errorBeside(crowd, 'customerQuery')).toBe('More than 50 customers start with "Crowd": type more of the name or domain.');
    const narrowed = await alex.click(crowd, 'Search', { customerQuery: 'Crowd 1' });
    expect(texts(narrowed)).toContain('Company name starts with "Crowd 1": showing 1–5 of 11.');
  });

  it('company: a bad prefix, and a domain that belongs to an existing customer (also on Check availability)', async () => {
    const customer = await alex.sayForCard('onboard');
    const company = await alex.click(customer, 'New customer');
    const bad = await alex.click(company, 'Next', { companyName: 'Tailspin', domainPrefix: 'tail.spin' });
    expect(title(bad)).toBe('Onboard a customer: new customer');
    expect(errorBeside(bad, 'domainPrefix')).toBe('Domain prefix: 1–27 letters or digits, no dots (we add .onmicrosoft.com)');
    expect(inputValues(bad)).toEqual({ companyName: 'Tailspin', domainPrefix: 'tail.spin' });

    const missingName = await alex.click(bad, 'Next', { companyName: '  ', domainPrefix: 'tailspin' });
    expect(errorBeside(missingName, 'companyName')).toBe('Company name: required, up to 100 characters');

    const taken = await alex.click(missingName, 'Next', { companyName: 'Contoso Two', domainPrefix: 'contoso' });
    expect(errorBeside(taken, 'domainPrefix')).toBe('contoso.onmicrosoft.com already belongs to your customer Contoso: go Back and choose Existing customer.');
    const check = await alex.click(taken, 'Check availability', { domainPrefix: 'Contoso.onmicrosoft.com' });
    expect(texts(check)).toContain('contoso.onmicrosoft.com already belongs to your customer Contoso: go Back and choose Existing customer.');
    expect(inputValues(check)).toEqual({ companyName: 'Contoso Two', domainPrefix: 'Contoso.onmicrosoft.com' });
  });

  it('billing: the PC-3 rules (registration number and phone for the listed countries, refused elsewhere), phone and email format', async () => {
    const customer = await alex.sayForCard('onboard');
    const company = await alex.click(customer, 'New customer');
    const billing = await alex.click(company, 'Next', { companyName: 'Budapest Bakery', domainPrefix: 'budapestbakery' });

    const hungarian = { ...US_BILLING, country: 'HU', region: '', city: 'Budapest', postalCode: '1051', phoneNumber: '', organizationRegistrationNumber: '' };
    const hu = await alex.click(billing, 'Next', hungarian);
    expect(title(hu)).toBe('Onboard a customer: billing profile of Budapest Bakery');
    expect(errorBeside(hu, 'organizationRegistrationNumber')).toBe('Organisation registration number: Partner Center requires it for customers in this country');
    expect(errorBeside(hu, 'phoneNumber')).toBe('Phone: Partner Center requires a phone number for customers in this country');
    expect(inputValues(hu)).toMatchObject({ ...hungarian, addressLine2: '' });

    const us = await alex.click(hu, 'Next', { ...US_BILLING, organizationRegistrationNumber: '12-345-678' });
    expect(errorBeside(us, 'organizationRegistrationNumber')).toMatch(/^Organisation registration number: Partner Center accepts it only for AM, AZ/);

    const formats = await alex.click(us, 'Next', { ...US_BILLING, phoneNumber: '12ab', email: 'dana@', region: '' });
    expect(errorBeside(formats, 'phoneNumber')).toBe('Phone: 6–15 digits, optionally starting with + (spaces, dots, dashes and brackets are fine)');
    expect(errorBeside(formats, 'email')).toBe('Email: an address like it@contoso.com');
    expect(errorBeside(formats, 'region')).toBe('State or region: required for addresses in this country');
    expect(inputValues(formats)).toMatchObject({ phoneNumber: '12ab', email: 'dana@', city: 'Redmond' });

    // Fixed: on to the subscription.
    const subscription = await alex.click(formats, 'Next', { ...hungarian, phoneNumber: '+36 1 555 0101', organizationRegistrationNumber: '01-09-123456' });
    expect(title(subscription)).toBe('Onboard a customer: subscription for Budapest Bakery');
  });

  it('subscription: not a GUID, not among the customer entitlements, and an existing one for a new customer', async () => {
    const subscription = await existingCustomerUpToSubscription(alex, 'Fabrikam');
    const notGuid = await alex.click(subscription, 'Next', { subscriptionKind: 'existing', azureSubscriptionId: 'not-a-guid' });
    expect(errorBeside(notGuid, 'azureSubscriptionId')).toBe('Azure subscription id: a GUID like 3f15978e-005c-b763-bb78-2a8fab289c58');

    const stranger = '0f0e0d0c-0b0a-4909-8807-060504030201';
    const unknown = await alex.click(notGuid, 'Next', { subscriptionKind: 'existing', azureSubscriptionId: stranger });
    expect(title(unknown)).toBe('Onboard a customer: subscription for Fabrikam');
    expect(errorBeside(unknown, 'azureSubscriptionId')).toBe(
      `${stranger} is not one of Fabrikam's Azure subscriptions in Partner Center (checked 1 Azure subscription(s)). Check the id, or choose Buy an Azure plan.`,
    );
    expect(inputValues(unknown)).toMatchObject({ subscriptionKind: 'existing', azureSubscriptionId: stranger });

    // One of theirs, but disabled in Partner Center: refused now (the dialog used to accept any status).
    const tailwind = world.sandbox.seedCustomer({ companyName: 'Tailwind', domain: 'tailwind.onmicrosoft.com', azurePlan: 'active' });
    world.sandbox.state.entitlements[tailwind.azureSubscriptionId!].status = 'disabled';
    await alex.say('cancel');
    const tailwindSubscription = await existingCustomerUpToSubscription(alex, 'Tailwind');
    const disabled = await alex.click(tailwindSubscription, 'Next', { subscriptionKind: 'existing', azureSubscriptionId: tailwind.azureSubscriptionId! });
    expect(errorBeside(disabled, 'azureSubscriptionId')).toBe(
      `${tailwind.azureSubscriptionId} is one of Tailwind's Azure subscriptions, but Partner Center says it is disabled: only an active one can be billed to the customer. Use an active one, or choose Buy an Azure plan.`,
    );

    await alex.say('cancel');
    const fresh = await newCustomerUpToSubscription(alex, { companyName: 'Fresh Co', domainPrefix: 'freshco' });
    const forged = await alex.click(fresh, 'Next', { subscriptionKind: 'existing', azureSubscriptionId: stranger });
    expect(errorBeside(forged, 'subscriptionKind')).toBe('A new customer has no Azure subscription yet: choose Buy an Azure plan.');
  });

  it('registration: a forged pick (not in REGISTRATIONS, or the Capacity one) is refused', async () => {
    const subscription = await newCustomerUpToSubscription(alex);
    const registration = await alex.click(subscription, 'Next', { ...MCA_ATTESTED });
    // Card data is untrusted: a client can send any registration id with the button.
    const forgedCard = JSON.parse(JSON.stringify(registration).replace(/registrations\/azurestack-payg-east"/, 'registrations/not-ours"')) as Card;
    const notOurs = await alex.click(forgedCard, 'Use azurestack-payg-east');
    expect(texts(notOurs)).toContain('That registration is not one this bot may change: choose one of those listed.');
    const capacityCard = JSON.parse(JSON.stringify(registration).replace(/registrations\/azurestack-payg-east"/g, 'registrations/azurestack-capacity-north"')) as Card;
    const capacity = await alex.click(capacityCard, 'Use azurestack-payg-east');
    expect(texts(capacity)).toContain('azurestack-capacity-north uses the Capacity billing model, which cannot bill usage to customer tenants: only a PayAsYouUse registration can.');
    expect(title(capacity)).toBe('Onboard a customer: Azure Stack Hub registration');
  });

  it('registration: a Development (proof of concept) registration offers no button, says why, and a forged pick of it is refused', async () => {
    const west = Object.values(world.sandbox.state.registrations).find((r) => r.id === world.sandbox.registrations.payAsYouUse2)!;
    west.billingModel = 'Development';
    try {
      const subscription = await newCustomerUpToSubscription(alex);
      const registration = await alex.click(subscription, 'Next', { ...MCA_ATTESTED });
      const reason = 'azurestack-payg-west uses the Development billing model, which cannot bill usage to customer tenants: only a PayAsYouUse registration can.';
      expect(texts(registration)).toContain(reason);
      expect(buttonTitles(registration)).toContain('Use azurestack-payg-east');
      expect(buttonTitles(registration)).not.toContain('Use azurestack-payg-west');
      const forged = JSON.parse(JSON.stringify(registration).replace(/registrations\/azurestack-payg-east"/g, 'registrations/azurestack-payg-west"')) as Card;
      const refused = await alex.click(forged, 'Use azurestack-payg-east');
      expect(texts(refused)).toContain(reason);
      expect(title(refused)).toBe('Onboard a customer: Azure Stack Hub registration');
    } finally {
      west.billingModel = 'PayAsYouUse';
    }
  });

  it('registration: one an earlier run saw refused as unapproved shows the reason and date; approval is never claimed otherwise', async () => {
    await recordUnapprovedRegistration(world.store.facts, { resourceId: world.sandbox.registrations.notApproved }, { date: '2026-11-20T10:00:00.000Z', requestId: 'ONB-AAAA' });
    const subscription = await newCustomerUpToSubscription(alex);
    const registration = await alex.click(subscription, 'Next', { ...MCA_ATTESTED });
    const all = texts(registration);
    expect(all).toContain(
      'Not approved for multi-tenant billing when a tenant was last added (2026-11-20, UnauthorizedCspRegistration). Choose it only if Microsoft (azstcsp@microsoft.com) has approved it since.',
    );
    expect(all.filter((t) => /approved/i.test(t))).toHaveLength(2); // that reason, and the summary saying approval shows only later
  });

  it('Azure Stack Hub: the customer managing it needs the admin email and name; an offer that is not a public one is refused', async () => {
    const subscription = await newCustomerUpToSubscription(alex);
    const registration = await alex.click(subscription, 'Next', { ...MCA_ATTESTED });
    const access = await alex.click(registration, 'Use azurestack-payg-east');
    const missing = await alex.click(access, 'Next', { managedBy: 'customer-automatic', adminEmail: 'admin-at-tailspin', adminName: '' });
    expect(title(missing)).toBe('Onboard a customer: Azure Stack Hub subscription');
    expect(errorBeside(missing, 'adminEmail')).toBe("Customer admin's email: an address like admin@contoso.com");
    expect(errorBeside(missing, 'adminName')).toBe("Customer admin's name: required, up to 100 characters");
    expect(inputValues(missing)).toMatchObject({ managedBy: 'customer-automatic', adminEmail: 'admin-at-tailspin', adminName: '' });
    const privateOffer = (await world.cloud.stamps!.listOffers('azurestack-payg-east')).find((o) => o.state === 'Private')!;
    const forged = await alex.click(missing, 'Next', { stampOffer: privateOffer.id, managedBy: 'csp' });
    expect(title(forged)).toBe('Onboard a customer: Azure Stack Hub subscription');
    expect(errorBeside(forged, 'stampOffer')).toBe('That offer is not one of the public offers on the Azure Stack Hub now: choose one of those listed.');
  });
});

describe('editing from the review', () => {
  it('opens the section with its values, and Next returns straight to the review with the change', async () => {
    const subscription = await existingCustomerUpToSubscription(alex, 'Fabrikam');
    const registration = await alex.click(subscription, 'Next', { subscriptionKind: 'azure-plan', ...MCA_ATTESTED });
    const access = await alex.click(registration, 'Use azurestack-payg-east');
    const review = await alex.click(access, 'Next', { managedBy: 'customer-automatic', adminEmail: 'it@fabrikam.com', adminName: 'Fab Admin' });

    const editAccess = await alex.click(review, 'Edit Azure Stack Hub');
    expect(title(editAccess)).toBe('Onboard a customer: Azure Stack Hub subscription');
    expect(inputValues(editAccess)).toMatchObject({ managedBy: 'customer-automatic', adminEmail: 'it@fabrikam.com', adminName: 'Fab Admin' });
    const reviewed = await alex.click(editAccess, 'Next', { managedBy: 'csp' });
    expect(title(reviewed)).toBe('Onboard a customer: review');
    expect(texts(reviewed)).toContain('Managed by: The CSP (owner azs-operations@csp-partner.onmicrosoft.com)');

    // Another registration without a stamp: billing only, the Azure Stack Hub choice is dropped.
    const editRegistration = await alex.click(reviewed, 'Edit Registration');
    const again = await alex.click(editRegistration, 'Use azurestack-payg-west');
    expect(title(again)).toBe('Onboard a customer: review');
    expect(texts(again)).toContain('Registration: azurestack-payg-west (resource group azurestack)');
    expect(texts(again)).toContain('Azure Stack Hub: Billing only: no Azure Stack Hub stamp is configured for azurestack-payg-west');
    expect(buttonTitles(again)).not.toContain('Edit Azure Stack Hub');

    // Changing the customer keeps an Azure-plan choice and returns to the review.
    const editCustomer = await alex.click(again, 'Edit Customer');
    const matches = await alex.click(editCustomer, 'Search', { searchField: 'CompanyName', customerQuery: 'Contoso' });
    const back = await alex.click(matches, 'Choose Contoso');
    expect(title(back)).toBe('Onboard a customer: review');
    expect(texts(back)).toContain('Customer: Contoso (existing)');
  });
});

describe('cancel', () => {
  it('typed at any step drops the draft; its cards then change nothing', async () => {
    const before = (await requestsNow()).length;
    const subscription = await newCustomerUpToSubscription(alex);
    const replies = await alex.say('cancel');
    expect(title(lastCard(replies)!)).toBe('Onboarding draft cancelled');
    const stale = await alex.click(subscription, 'Next', { ...MCA_ATTESTED });
    expect(title(stale)).toBe('This onboarding draft is no longer open');
    expect(await requestsNow()).toHaveLength(before);

    const nothing = await alex.say('cancel');
    expect(nothing.map((r) => r.text)).toContain(
      'You have no onboarding draft open, so there is nothing to cancel. To cancel a submitted request, type cancel and its id, e.g. cancel ONB-7F3K.',
    );
  });

  it('the Cancel button ends the draft in place', async () => {
    const customer = await alex.sayForCard('onboard');
    const company = await alex.click(customer, 'New customer');
    const cancelled = await alex.click(company, 'Cancel');
    expect(title(cancelled)).toBe('Onboarding draft cancelled');
    const fresh = await alex.sayForCard('onboard');
    expect(title(fresh)).toBe('Onboard a customer: customer');
  });

  it("an older draft's Cancel button does not cancel the new draft", async () => {
    const oldCustomer = await alex.sayForCard('onboard');
    await alex.say('cancel');
    const fresh = await alex.sayForCard('onboard');
    const company = await alex.click(fresh, 'New customer');
    const stale = await alex.click(oldCustomer, 'Cancel');
    expect(title(stale)).toBe('Onboard a customer: new customer');
    expect(texts(stale)).toContain('That card was out of date, so nothing changed: this is where your draft is now.');
    expect(title(await alex.click(company, 'Next', NEW_COMPANY))).toBe('Onboard a customer: billing profile of Tailspin Toys');
  });

  it('cancel <request id> goes to the injected cancelRequest, or says how to use it when there is none', async () => {
    const withoutHook = await alex.say('cancel ONB-7F3K');
    expect(withoutHook.map((r) => r.text).join(' ')).toMatch(/^"cancel ONB-7F3K" would cancel a submitted request, but this bot has no request cancelling switched on\. Type cancel on its own/);

    const cancelled: string[] = [];
    const wired = await buildBot({ store: world.store, cloud: world.cloud, cancelRequest: async (_context, args) => void cancelled.push(args) });
    await new Operator(wired, ALEX).say('cancel ONB-7F3K');
    expect(cancelled).toEqual(['ONB-7F3K']);
  });
});

describe('resuming, stale cards and the Action.Submit fallback', () => {
  it('onboard again shows the open draft where it was; an older card changes nothing', async () => {
    const customer = await alex.sayForCard('onboard');
    const company = await alex.click(customer, 'New customer');
    await alex.click(company, 'Next', NEW_COMPANY);
    const replies = await alex.say('onboard');
    expect(replies.map((r) => r.text).find(Boolean)).toMatch(/^You already have an onboarding draft open \(started \d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
    const resumed = lastCard(replies)!;
    expect(title(resumed)).toBe('Onboard a customer: billing profile of Tailspin Toys');

    const old = await alex.click(customer, 'New customer');
    expect(title(old)).toBe('Onboard a customer: billing profile of Tailspin Toys');
    expect(texts(old)).toContain('That card was out of date, so nothing changed: this is where your draft is now.');
  });

  it('an Action.Submit click gets the next card as a new message', async () => {
    const customer = await alex.sayForCard('onboard');
    const replies = await alex.clickFallback(customer, 'New customer');
    expect(title(lastCard(replies)!)).toBe('Onboard a customer: new customer');
  });
});

describe('two operators in one channel thread', () => {
  it('each has their own draft; clicking the other one’s card changes nothing', async () => {
    const alexInChannel = new Operator(bot, ALEX, { id: CHANNEL_THREAD, conversationType: 'channel' });
    const megan = new Operator(bot, MEGAN, { id: CHANNEL_THREAD, conversationType: 'channel' });

    const alexCustomer = await alexInChannel.sayForCard('onboard');
    const meganCustomer = await megan.sayForCard('onboard');
    expect(texts(meganCustomer)).toContain('Step 1 of 5 · draft of Megan Bowen');

    const alexCompany = await alexInChannel.click(alexCustomer, 'New customer');
    const meganMatches = await megan.click(meganCustomer, 'Search', { searchField: 'CompanyName', customerQuery: 'Fabrikam' });
    expect(title(meganMatches)).toBe('Onboard a customer: pick the customer');

    // Megan clicks Alex's card: a plain answer, and Alex's draft is untouched.
    const refused = await megan.click(alexCompany, 'Next', NEW_COMPANY);
    expect(title(refused)).toBe("This is Alex Wilber's onboarding draft");
    const alexBilling = await alexInChannel.click(alexCompany, 'Next', NEW_COMPANY);
    expect(title(alexBilling)).toBe('Onboard a customer: billing profile of Tailspin Toys');

    const meganSubscription = await megan.click(meganMatches, 'Choose Fabrikam');
    expect(title(meganSubscription)).toBe('Onboard a customer: subscription for Fabrikam');

    // Alex cancels; Megan's draft lives on.
    await alexInChannel.say('cancel');
    const meganRegistration = await megan.click(meganSubscription, 'Next', { subscriptionKind: 'azure-plan', ...MCA_ATTESTED });
    expect(title(meganRegistration)).toBe('Onboard a customer: Azure Stack Hub registration');
  });
});

describe('draft expiry', () => {
  afterEach(() => jest.useRealTimers());

  it('a draft untouched for DRAFT_TTL_HOURS is discarded on the next turn with a note', async () => {
    // Only the clock is faked: the store and the simulated cloud keep real timers and I/O.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(new Date('2026-11-02T09:30:00Z'));
    const customer = await alex.sayForCard('onboard');
    const company = await alex.click(customer, 'New customer');

    jest.setSystemTime(new Date('2026-11-09T09:29:00Z')); // 167 h 59 min later: still open
    const checked = await alex.click(company, 'Check availability', NEW_COMPANY);
    expect(texts(checked)).toContain('tailspintoys.onmicrosoft.com is available.');

    jest.setSystemTime(new Date('2026-11-16T09:30:00Z')); // 168 h after the last touch
    const expired = await alex.click(checked, 'Next', NEW_COMPANY);
    expect(title(expired)).toBe('Your onboarding draft expired');
    expect(texts(expired)).toContain('Your onboarding draft from 2026-11-02 09:30 UTC expired after 168 hours; type onboard to start again.');
    const gone = await alex.click(checked, 'Next', NEW_COMPANY);
    expect(title(gone)).toBe('This onboarding draft is no longer open');
    const fresh = await alex.sayForCard('onboard');
    expect(title(fresh)).toBe('Onboard a customer: customer');
  });

  it('the sweep tells an operator proactively, in the thread, that their draft expired, and leaves fresher drafts alone', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(new Date('2026-11-02T09:30:00Z'));
    const thread = `${CHANNEL_THREAD}-sweep`;
    const alexInChannel = new Operator(bot, ALEX, { id: thread, conversationType: 'channel' });
    const megan = new Operator(bot, MEGAN, { id: thread, conversationType: 'channel' });
    const alexCard = await alexInChannel.sayForCard('onboard');
    const meganCard = await megan.sayForCard('onboard');

    jest.setSystemTime(new Date('2026-11-06T09:30:00Z'));
    const meganCompany = await megan.click(meganCard, 'New customer');
    expect(await bot.sweep.sweep()).toBe(0);

    jest.setSystemTime(new Date('2026-11-09T09:31:00Z')); // Alex: 168 h 1 min untouched; Megan: 72 h
    expect(await bot.sweep.sweep()).toBe(1);
    const notes = drainReplies(bot).filter((r) => r.type === 'message');
    expect(notes).toHaveLength(1);
    expect(notes[0].conversation?.id).toBe(thread);
    expect(notes[0].text).toBe('<at>Alex Wilber</at> your onboarding draft from 2026-11-02 09:30 UTC expired after 168 hours; type onboard to start again.');
    expect(notes[0].entities).toEqual([{ type: 'mention', text: '<at>Alex Wilber</at>', mentioned: { id: ALEX.id, name: 'Alex Wilber' } }]);

    expect(title(await alexInChannel.click(alexCard, 'New customer'))).toBe('This onboarding draft is no longer open');
    expect(title(await megan.click(meganCompany, 'Next', NEW_COMPANY))).toBe('Onboard a customer: billing profile of Tailspin Toys');
    expect(await bot.sweep.sweep()).toBe(0);
  });
});
