// `reconcile` on a simulated cloud seeded with one of each mismatch: a customer with an active Azure
// subscription not mapped on any registration, a mapping whose subscription is no longer active, a mapping whose
// customer is gone, and a tenant mapped on one registration but not on the other. The card counts
// them, lists them, and each item's button submits the matching request for approval.
import { parseRegistrationId } from '../../src/onboarding/model';
import type { Cloud } from '../../src/onboarding/ports';
import { reconcile } from '../../src/onboarding/tenants/reconcile';
import { createTenantDirectory } from '../../src/onboarding/tenants/tenantDirectory';
import type { ReconcileScenario, Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { MAX_CARD_BYTES } from '../../src/cards/render';
import { sandboxCloud, sandboxConfig, startTestSandbox, sandboxPerDescribe } from '../onboarding/support';
import { OLIVIA } from '../support/people';
import { waitFor } from '../support/waitFor';
import { buildTenantBot, buttons, cardBytes, Chat, texts, type Card, type TenantBot } from './tenantBot';


type Element = Record<string, unknown> & { type: string; items?: Element[]; columns?: Element[]; actions?: Element[] };

/** The finding containers of a reconcile card: their words and their one button. */
function findings(card: Card): Array<{ text: string; button: Element }> {
  const containers = (card.body ?? []).filter((e) => e.type === 'Container') as Element[];
  return containers.map((c) => {
    const columns = (c.items?.[0]?.columns ?? []) as Element[];
    const words = (columns[0]?.items ?? []).map((t) => String(t.text)).join(' ');
    const button = (columns[1]?.items?.[0]?.actions ?? [])[0] as Element;
    return { text: words, button };
  });
}

describe('reconcile: Partner Center against the registrations', () => {
  let sandbox: Sandbox;
  let cloud: Cloud;
  let store: BotStore;
  let bot: TenantBot;
  let olivia: Chat;
  let scenario: ReconcileScenario;
  const name = (tenantId: string) => sandbox.state.customers[tenantId]?.companyName;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    scenario = sandbox.seedReconcileScenario();
    cloud = sandboxCloud(sandboxConfig(sandbox));
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    bot = await buildTenantBot(store, cloud);
    olivia = new Chat(bot, OLIVIA);
  });
  afterEach(async () => {
    await store.close();
  });

  it('finds each kind of mismatch the simulator was seeded with, counted and listed with the button that fixes it', async () => {
    const card = await olivia.card('reconcile azurestack-payg-east');
    expect(texts(card)[0]).toBe('Reconcile: azurestack-payg-east');
    expect(cardBytes(card)).toBeLessThan(MAX_CARD_BYTES);
    const all = texts(card);
    expect(all).toContain('Active Azure subscription, not mapped on any registration: 1');
    expect(all).toContain('Mapped, subscription no longer active: 1');
    expect(all).toContain('Mapped, customer gone from Partner Center: 1');
    // Halfway is on east only: missing on west, and on south (pay-as-you-use too); the Capacity registration is not compared.
    expect(all).toContain('Mapped on one registration but not another: 2');
    expect(all.join(' ')).toContain('compared azurestack-payg-east, azurestack-payg-west, azurestack-payg-south');

    const items = findings(card);
    const item = (words: string) => items.filter((i) => i.text.includes(words));

    const [unmapped] = item(`Not mapped: ${name(scenario.unmapped.customerTenantId)}`);
    expect(unmapped.text).toContain(`active Azure subscription (${scenario.unmapped.azureSubscriptionId}) that is not mapped on any registration`);
    // It reads no usage, so it does not claim the customer is billed to the CSP.
    expect(unmapped.text).toContain('this report does not read usage');
    expect(all.join(' ')).not.toMatch(/billed to you[:)]/i);
    expect(all).not.toContain(`Billed to you: ${name(scenario.unmapped.customerTenantId)}`);
    expect(unmapped.button).toMatchObject({ title: 'Onboard on azurestack-payg-east', verb: 'tenants.onboard', data: { azureSubscriptionId: scenario.unmapped.azureSubscriptionId, customerTenantId: scenario.unmapped.customerTenantId } });

    const [lapsed] = item(`Subscription not active: ${name(scenario.inactiveSubscription.customerTenantId)}`);
    expect(lapsed.text).toContain(`Subscription ${scenario.inactiveSubscription.azureSubscriptionId} is mapped on azurestack-payg-east, but in Partner Center it is "disabled"`);
    expect(lapsed.button).toMatchObject({ title: 'Remove from azurestack-payg-east', verb: 'tenants.remove', data: { azureSubscriptionId: scenario.inactiveSubscription.azureSubscriptionId } });

    const [gone] = item(`Customer gone: tenant ${scenario.customerGone.customerTenantId}`);
    expect(gone.text).toContain('Partner Center no longer has that customer');
    expect(gone.button).toMatchObject({ title: 'Remove from azurestack-payg-east', data: { azureSubscriptionId: scenario.customerGone.azureSubscriptionId } });

    const halfway = item(`Missing on a registration: ${name(scenario.partiallyMapped.customerTenantId)}`);
    expect(halfway.map((h) => h.button.title).sort()).toEqual(['Onboard on azurestack-payg-south', 'Onboard on azurestack-payg-west']);
    expect(halfway[0].text).toContain('is mapped on azurestack-payg-east but not on');
    // Nothing was changed by looking.
    expect(await store.requests.list()).toHaveLength(0);
  });

  it('a Development (proof of concept) registration is neither compared nor offered: only PayAsYouUse ones take tenants', async () => {
    const west = Object.values(sandbox.state.registrations).find((r) => r.id === sandbox.registrations.payAsYouUse2)!;
    west.billingModel = 'Development';
    try {
      const card = await olivia.card('reconcile azurestack-payg-east');
      const all = texts(card);
      expect(all.join(' ')).toContain('compared azurestack-payg-east, azurestack-payg-south');
      expect(all.join(' ')).not.toContain('compared azurestack-payg-east, azurestack-payg-west');
      // Halfway is now missing on south only: west cannot take it.
      expect(all).toContain('Mapped on one registration but not another: 1');
      const buttons = findings(card).map((f) => String(f.button.title));
      expect(buttons).not.toContain('Onboard on azurestack-payg-west');
    } finally {
      west.billingModel = 'PayAsYouUse';
    }
  });

  it('Remove on a stale mapping and Onboard on an unmapped customer submit the matching requests for approval', async () => {
    const card = await olivia.card('reconcile azurestack-payg-east');
    const items = findings(card);
    const goneItem = items.find((i) => i.text.includes(scenario.customerGone.customerTenantId))!;
    const removal = await olivia.invoke(String(goneItem.button.verb), goneItem.button.data as Record<string, unknown>);
    expect(texts(removal)[0]).toMatch(/^Request DEL-[0-9A-HJ-NP-Z]{4} submitted — waiting for approval$/);
    expect(bot.submitted[0]).toMatchObject({
      kind: 'remove',
      mapping: { azureSubscriptionId: scenario.customerGone.azureSubscriptionId, customerTenantId: scenario.customerGone.customerTenantId },
    });
    // The tenant is no customer any more: the removal names the tenant, with no stand-in customer.
    expect(bot.submitted[0]).not.toHaveProperty('customer');
    expect(JSON.stringify(bot.submitted[0])).not.toContain('customerName');

    const unmappedItem = items.find((i) => i.button.verb === 'tenants.onboard' && i.text.includes(scenario.unmapped.azureSubscriptionId!))!;
    const onboarding = await olivia.invoke(String(unmappedItem.button.verb), unmappedItem.button.data as Record<string, unknown>);
    expect(texts(onboarding)[0]).toMatch(/^Request MAP-[0-9A-HJ-NP-Z]{4} submitted — waiting for approval$/);
    expect(texts(onboarding)[1]).toContain('To onboard a new customer, or to give the customer guest access as well, type onboard.');
    expect(texts(onboarding)).toContain('Overwrites: Nothing: the subscription is not mapped yet and the customer has no other subscription on this registration.');
    expect(bot.submitted[1]).toMatchObject({ kind: 'remap', customer: { customerTenantId: scenario.unmapped.customerTenantId }, azureSubscriptionId: scenario.unmapped.azureSubscriptionId });

    // The same click again is not a second request.
    const again = await olivia.invoke(String(goneItem.button.verb), goneItem.button.data as Record<string, unknown>);
    expect(texts(again)[0]).toBe(`Request ${bot.submitted[0].id} already asks for this`);
    expect(bot.submitted).toHaveLength(2);
  });

  it('the same Remove clicked on two instances at once makes one request; the other click is told about it', async () => {
    const card = await olivia.card('reconcile azurestack-payg-east');
    const item = findings(card).find((i) => i.text.includes(scenario.customerGone.customerTenantId))!;
    const second = await buildTenantBot(store, cloud);
    const clickers = [olivia, new Chat(second, { ...OLIVIA, id: '29:olivia-phone' })];
    // Both clicks are held at the same Partner Center lookup and let go together, so both reach the
    // "is this already asked for?" check at once. (On Blob storage the check and the create are two
    // round trips apart; the lease in the shared store makes them one step across instances.)
    const lookup = new RegExp(`/v1/customers/${scenario.customerGone.customerTenantId}$`);
    const holds = [sandbox.holds.add({ method: 'GET', path: lookup }), sandbox.holds.add({ method: 'GET', path: lookup })];
    const clicking = Promise.all(clickers.map((c) => c.invoke(String(item.button.verb), item.button.data as Record<string, unknown>)));
    await Promise.all(holds.map((h) => h.arrived));
    holds.forEach((h) => h.release());
    const answers = await clicking;
    const titles = answers.map((a) => texts(a)[0]);
    expect(titles.filter((t) => /^Request DEL-\w+ submitted/.test(t))).toHaveLength(1);
    expect(titles.filter((t) => t.endsWith('already asks for this'))).toHaveLength(1);
    expect(await store.requests.list()).toHaveLength(1);
    expect(bot.submitted.length + second.submitted.length).toBe(1);
  });

  it('refuses a crafted Remove click: a bad subscription id, or a registration it may not use', async () => {
    const badId = await olivia.invoke('tenants.remove', { registration: sandbox.registrations.payAsYouUse, azureSubscriptionId: '../../x' });
    // Card texts are escaped markdown (docs/security.md): the backticks show as typed.
    expect(texts(badId)).toEqual(['Nothing was changed', 'This button does not name a valid subscription. Type \\`reconcile\\` again.']);
    const badRegistration = await olivia.invoke('tenants.remove', { registration: '../registrations/other', azureSubscriptionId: scenario.customerGone.azureSubscriptionId });
    expect(texts(badRegistration)[1]).toContain('I do not know the registration');
    expect(bot.submitted).toHaveLength(0);
  });

  it('asks which registration when none is named; "All registrations" compares them all', async () => {
    const chooser = await olivia.card('reconcile');
    expect(buttons(chooser)).toContain('All registrations');
    const everything = await olivia.click(chooser, 'All registrations');
    expect(texts(everything)[0]).toBe('Reconcile: all 4 registrations');
    expect(texts(everything)).toContain('Active Azure subscription, not mapped on any registration: 1');
    expect(buttons(everything)).toContain('Check again');
  });

  it('a button never waits past the invoke limit: a slow check goes on, is joined rather than repeated, and shows when done', async () => {
    const slow = new Chat(await buildTenantBot(store, cloud, { invokeWaitMs: 100 }), OLIVIA);
    const report = await slow.card('reconcile azurestack-payg-east');
    const hold = sandbox.holds.add({ method: 'GET', path: /\/v1\/customers$/ });
    const customerLists = () => sandbox.requests.filter((r) => r.service === 'partnercenter' && /\/v1\/customers$/.test(r.path)).length;
    const before = customerLists();

    const waiting = await slow.click(report, 'Check again');
    expect(texts(waiting)[0]).toBe('Still checking…');
    await hold.arrived;
    const stillWaiting = await slow.click(waiting, 'Show the report');
    expect(texts(stillWaiting)[0]).toBe('Still checking…');
    hold.release();
    // Each click waits up to the invoke limit for the check, so clicking again is the wait.
    let shown = stillWaiting;
    await waitFor(async () => texts((shown = await slow.click(shown, 'Show the report')))[0] !== 'Still checking…', { what: 'the report', timeoutMs: 5_000 });
    expect(texts(shown)[0]).toBe('Reconcile: azurestack-payg-east');
    expect(texts(shown)).toContain('Active Azure subscription, not mapped on any registration: 1');
    // One check for the three clicks.
    expect(customerLists() - before).toBe(1);
  });

  it('names the registrations it may use when the one typed is unknown', async () => {
    expect(await olivia.text('reconcile azurestack-nowhere')).toContain('The registrations I may use are: azurestack-payg-east');
  });
});

describe('reconcile: every Partner Center customer, not the first page', () => {
  let sandbox: Sandbox;

  sandboxPerDescribe((s) => (sandbox = s));

  it('250 customers with active Azure plans, none mapped: all 250 reported unmapped', async () => {
    const seeded = Array.from({ length: 250 }, (_, i) =>
      sandbox.seedCustomer({ companyName: `Many ${i + 1}`, domain: `many${i + 1}.onmicrosoft.com`, azurePlan: 'active' }),
    );
    const cloud = sandboxCloud(sandboxConfig(sandbox));
    const directory = createTenantDirectory({ cloud });
    const east = parseRegistrationId(sandbox.registrations.payAsYouUse);
    const report = await reconcile({ cloud, directory }, [east]);
    expect(report.counts.unmapped).toBe(250);
    expect(new Set(report.findings.filter((f) => f.kind === 'unmapped').map((f) => f.azureSubscriptionId))).toEqual(
      new Set(seeded.map((c) => c.azureSubscriptionId)),
    );
    expect(report.customersChecked).toBe(250);
    // Read in pages, not cut at the first one.
    const listings = sandbox.requests.filter((r) => r.method === 'GET' && r.path === '/partnercenter/v1/customers');
    expect(listings.length).toBeGreaterThan(1);
  });
});
