// Transcripts of the tenant commands on the simulated cloud: what an operator types or clicks, and
// what the bot answers. The bot is the real CspBot with the tenant feature, a real SQLite store and
// the real clients; approval is recorded here (its own tests cover the approval cards).
import { randomUUID } from 'crypto';
import type { Guid, OnboardingRequest, RequestId } from '../../src/onboarding/model';
import type { Cloud } from '../../src/onboarding/ports';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { MAX_CARD_BYTES } from '../../src/cards/render';
import { newCustomerRequest, sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';
import { RITA } from '../support/people';
import { buildTenantBot, buttons, cardBytes, Chat, findAction, texts, type Card, type TenantBot } from './tenantBot';

const MISSING_REGISTRATION = '/subscriptions/5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/azurestack-never-registered';

describe('tenant commands in a Teams chat', () => {
  let sandbox: Sandbox;
  let cloud: Cloud;
  let store: BotStore;
  let bot: TenantBot;
  let rita: Chat;
  let seeded: Array<{ customerTenantId: string; azureSubscriptionId?: string }>;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    seeded = sandbox.seedMappings(sandbox.registrations.payAsYouUse, 45);
    const config = sandboxConfig(sandbox, { REGISTRATIONS: `${Object.values(sandbox.registrations).join(',')},${MISSING_REGISTRATION}` });
    cloud = sandboxCloud(config);
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    bot = await buildTenantBot(store, cloud);
    rita = new Chat(bot, RITA);
  });
  afterEach(async () => {
    await store.close();
  });

  const eastMappings = () => sandbox.state.registrations[sandbox.registrations.payAsYouUse.toLowerCase()].customerSubscriptions;
  const customerOf = (tenantId: string) => sandbox.state.customers[tenantId];
  const rowNames = (card: Card) => texts(card).filter((t) => t.startsWith('Tenant ') && / \d+$/.test(t));

  describe('tenants', () => {
    it('asks which registration when there are several, then pages 20 at a time with Previous and Next', async () => {
      const chooser = await rita.card('tenants');
      expect(texts(chooser)[0]).toBe('Which registration?');
      expect(buttons(chooser)).toEqual(expect.arrayContaining(['Choose azurestack-payg-east', 'Choose azurestack-payg-west', 'All registrations']));

      const page1 = await rita.click(chooser, 'Choose azurestack-payg-east');
      expect(texts(page1)[0]).toBe('Tenants on azurestack-payg-east');
      expect(texts(page1)).toContain('45 mapped · page 1 of 3');
      expect(rowNames(page1)).toHaveLength(20);
      expect(buttons(page1)).toEqual(['Search', 'Next']);
      expect(cardBytes(page1)).toBeLessThan(MAX_CARD_BYTES);

      const page2 = await rita.click(page1, 'Next');
      expect(texts(page2)).toContain('45 mapped · page 2 of 3');
      expect(buttons(page2)).toEqual(['Search', 'Previous', 'Next']);
      const page3 = await rita.click(page2, 'Next');
      expect(texts(page3)).toContain('45 mapped · page 3 of 3');
      expect(rowNames(page3)).toHaveLength(5);
      expect(buttons(page3)).toEqual(['Search', 'Previous']);
      // Every mapping shows exactly once across the pages.
      const all = [...rowNames(page1), ...rowNames(page2), ...rowNames(page3)];
      expect(new Set(all).size).toBe(45);
      expect(await rita.click(page3, 'Previous').then((c) => texts(c))).toContain('45 mapped · page 2 of 3');
    });

    it('searches by domain, tenant id or subscription id, and says when nothing matches', async () => {
      const list = await rita.card('tenants azurestack-payg-east');
      const target = seeded[17];
      const domain = customerOf(target.customerTenantId).domain;

      const byDomain = await rita.click(list, 'Search', { search: domain });
      expect(texts(byDomain)).toContain(`1 of 45 match "${domain}" · page 1 of 1`);
      expect(texts(byDomain)).toContain(`Tenant ${target.customerTenantId}`);
      const bySubscription = await rita.click(list, 'Search', { search: target.azureSubscriptionId!.toUpperCase() });
      expect(texts(bySubscription)).toContain(`Subscription ${target.azureSubscriptionId}`);
      const byTenant = await rita.click(list, 'Search', { search: target.customerTenantId });
      expect(texts(byTenant)).toContain(customerOf(target.customerTenantId).companyName);

      const none = await rita.click(list, 'Search', { search: 'wingtip' });
      expect(texts(none)).toContain('Nothing matches "wingtip". Clear the search box and click Search to see every tenant.');
      expect(buttons(none)).toEqual(['Search']);
    });

    it('says so for an empty registration', async () => {
      const card = await rita.card('tenants azurestack-payg-west');
      expect(texts(card)).toContain('0 mapped · page 1 of 1');
      expect(texts(card).join(' ')).toContain('No tenants are mapped here yet');
    });

    it('names the registrations it may use when the one typed is unknown (a path trick included)', async () => {
      for (const typed of ['azurestack-payg-nowhere', '../azurestack-payg-east']) {
        const reply = await rita.text(`tenants ${typed}`);
        expect(reply).toContain(`I do not know the registration "${typed}"`);
        expect(reply).toContain('azurestack-payg-east, azurestack-payg-west, azurestack-capacity-north, azurestack-payg-south, azurestack-never-registered');
      }
    });

    it('explains a configured registration that does not exist in Azure', async () => {
      const card = await rita.card('tenants azurestack-never-registered');
      expect(texts(card)[0]).toBe('Could not list the tenants on azurestack-never-registered');
      expect(texts(card)[1]).toContain('was not found');
    });

    it('refuses a crafted click naming a registration it may not use, without calling Azure', async () => {
      const before = sandbox.requests.length;
      const card = await rita.invoke('tenants.page', { registration: `${sandbox.registrations.payAsYouUse}/../../other`, page: 1 });
      expect(texts(card)[0]).toBe('Unknown registration');
      expect(sandbox.requests.length).toBe(before);
    });

    it('lists every registration at once with "all", naming the registration of each row', async () => {
      const card = await rita.card('tenants all');
      expect(texts(card)[0]).toBe('Tenants on all 5 registrations');
      expect(texts(card)).toContain('on azurestack-payg-east');
    });
  });

  describe('tenant', () => {
    it('shows one mapping by subscription id: registration, tenant, customer, the portal link, and who onboarded it', async () => {
      const target = seeded[3];
      const card = await rita.card(`tenant ${target.azureSubscriptionId!.toUpperCase()}`);
      const customer = customerOf(target.customerTenantId);
      expect(texts(card)[0]).toBe(`${customer.companyName} (${customer.domain})`);
      expect(texts(card)).toEqual(expect.arrayContaining([`Tenant id: ${target.customerTenantId}`, `Azure subscription: ${target.azureSubscriptionId}`]));
      expect(texts(card).join('\n')).toContain('Registration: azurestack-payg-east (resource group azurestack');
      expect(texts(card)).toContain('Onboarded: Not through this bot (no request of ours mapped it)');
      const resourceId = `${sandbox.registrations.payAsYouUse}/customerSubscriptions/${target.azureSubscriptionId}`;
      expect(findAction(card, 'Open in the Azure portal').url).toBe(cloud.registrations.portalLink(resourceId));

      // Our own records say who onboarded it, and when.
      const onboarded: OnboardingRequest = {
        ...newCustomerRequest(sandbox, { id: 'ONB-7F3K' as RequestId }),
        status: 'succeeded',
        results: { azureSubscriptionId: target.azureSubscriptionId as Guid, customerTenantId: target.customerTenantId as Guid },
        decision: { outcome: 'approved', at: '2026-11-20T10:00:00.000Z', by: { aadObjectId: randomUUID() as Guid, teamsUserId: '29:adele', name: 'Adele Approver' } },
        updatedAt: '2026-11-20T10:05:00.000Z',
      };
      await store.requests.create(onboarded);
      const again = await rita.card(`tenant ${target.azureSubscriptionId}`);
      expect(texts(again)).toContain('Onboarded: ONB-7F3K by Rita Requester on 2026-11-20 10:05 UTC, approved by Adele Approver');
    });

    it('finds the mapping by the customer domain', async () => {
      const target = seeded[8];
      const card = await rita.card(`tenant ${customerOf(target.customerTenantId).domain}`);
      expect(texts(card)).toContain(`Azure subscription: ${target.azureSubscriptionId}`);
    });

    it('answers bad or unknown input plainly', async () => {
      expect(await rita.text('tenant ../../subscriptions')).toContain('is neither a subscription id');
      expect(await rita.text(`tenant ${randomUUID()}`)).toContain('No mapping found for');
      expect(await rita.text('tenant nobody.onmicrosoft.com')).toContain('Partner Center has no customer with that domain');
    });
  });

  describe('remove tenant and remap', () => {
    it('stores a removal request for approval, changes nothing in Azure, and refuses the same request twice', async () => {
      const target = seeded[5];
      const card = await rita.card(`remove tenant ${target.azureSubscriptionId}`);
      expect(texts(card)[0]).toMatch(/^Request DEL-[0-9A-HJ-NP-Z]{4} submitted — waiting for approval$/);
      expect(texts(card).join('\n')).toContain("billed to the registration's owner (you, the CSP) again");
      const [request] = bot.submitted;
      expect(request).toMatchObject({
        kind: 'remove',
        status: 'pending_approval',
        mapping: { azureSubscriptionId: target.azureSubscriptionId, customerTenantId: target.customerTenantId },
        requester: { aadObjectId: RITA.aadObjectId, name: RITA.name },
      });
      // A removal names the mapping it deletes; it carries no customer to onboard, no subscription choice and no access.
      expect(request).not.toHaveProperty('customer');
      expect(request).not.toHaveProperty('access');
      expect(request).not.toHaveProperty('target');
      expect(request.kind === 'remove' && request.registration.resourceId).toBe(sandbox.registrations.payAsYouUse);
      expect((await store.requests.get(request.id))?.value.status).toBe('pending_approval');
      expect(eastMappings()[target.azureSubscriptionId!]).toEqual({ tenantId: target.customerTenantId });

      const twice = await rita.card(`remove tenant ${target.azureSubscriptionId} on azurestack-payg-east`);
      expect(texts(twice)[0]).toBe(`Request ${request.id} already asks for this`);
      expect(bot.submitted).toHaveLength(1);
    });

    it('refuses a removal of something that is not mapped, or on an unknown registration, and stores nothing', async () => {
      const unmapped = randomUUID();
      expect(texts(await rita.card(`remove tenant ${unmapped}`))[1]).toContain(`Subscription ${unmapped} is not mapped on any registration`);
      expect(texts(await rita.card(`remove tenant ${seeded[1].azureSubscriptionId} on azurestack-payg-west`))[1]).toContain('is not mapped on azurestack-payg-west, so there is nothing to remove');
      expect(texts(await rita.card(`remove tenant ${seeded[1].azureSubscriptionId} on ../x`))[1]).toContain('I do not know the registration "../x"');
      expect(await rita.text('remove tenant 12345')).toContain('"12345" is not a subscription id');
      expect(bot.submitted).toHaveLength(0);
      expect(await store.requests.list()).toHaveLength(0);
    });

    it('stores a re-map whose approval facts say which mapping the PUT overwrites', async () => {
      const customer = sandbox.seedCustomer({ companyName: 'Movers', domain: `movers${Date.now()}.onmicrosoft.com`, azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
      const newSubscription = addSecondSubscription(customer.customerTenantId, customer.azureSubscriptionId!);
      const card = await rita.card(`remap ${newSubscription} to ${customerOf(customer.customerTenantId).domain}`);
      expect(texts(card)[0]).toMatch(/^Request MAP-[0-9A-HJ-NP-Z]{4} submitted — waiting for approval$/);
      expect(texts(card)).toContain(`Overwrites: Movers is now billed through subscription ${customer.azureSubscriptionId}, which is replaced.`);
      expect(bot.submitted[0]).toMatchObject({
        kind: 'remap',
        customer: { kind: 'existing', customerTenantId: customer.customerTenantId },
        azureSubscriptionId: newSubscription,
        previousMapping: { azureSubscriptionId: customer.azureSubscriptionId },
      });
      expect(eastMappings()[newSubscription]).toBeUndefined();
    });

    it('a re-map that corrects a subscription billed to the wrong tenant says whose billing stops', async () => {
      const owner = sandbox.seedCustomer({ companyName: 'Rightful', domain: `rightful${Date.now()}.onmicrosoft.com`, azurePlan: 'active' });
      const wrongTenant = seeded[20].customerTenantId;
      eastMappings()[owner.azureSubscriptionId!] = { tenantId: wrongTenant };
      const card = await rita.card(`remap ${owner.azureSubscriptionId} to ${owner.customerTenantId}`);
      expect(texts(card)[0]).toMatch(/^Request MAP-/);
      expect(texts(card)).toContain(`Overwrites: subscription ${owner.azureSubscriptionId} now bills tenant ${wrongTenant}, which stops.`);
      expect(bot.submitted[0]).toMatchObject({ kind: 'remap', azureSubscriptionId: owner.azureSubscriptionId, previousMapping: { customerTenantId: wrongTenant } });
    });

    it('a typed `tenants` reads afresh: a mapping removed a moment ago is gone from the list', async () => {
      const before = await rita.card('tenants azurestack-payg-east');
      const total = Number(/^([\d,]+) mapped/.exec(texts(before).find((t) => / mapped · page/.test(t))!)![1]);
      const removed = seeded[30];
      delete eastMappings()[removed.azureSubscriptionId!];
      const after = await rita.card('tenants azurestack-payg-east');
      expect(texts(after)).toContain(`${total - 1} mapped · page 1 of ${Math.ceil((total - 1) / 20)}`);
    });

    it('refuses a re-map to a subscription the customer does not own, or to a customer Partner Center does not know', async () => {
      const other = seeded[9];
      const customer = seeded[10];
      const refused = await rita.card(`remap ${other.azureSubscriptionId} to ${customer.customerTenantId} on azurestack-payg-east`);
      expect(texts(refused)[1]).toContain('is not an active Azure subscription of');
      expect(texts(await rita.card(`remap ${other.azureSubscriptionId} to nobody.onmicrosoft.com`))[1]).toContain('Partner Center has no customer nobody.onmicrosoft.com');
      const capacity = await rita.card(`remap ${customer.azureSubscriptionId} to ${customer.customerTenantId} on azurestack-capacity-north`);
      expect(texts(capacity)[1]).toContain('azurestack-capacity-north uses the Capacity billing model');
      expect(bot.submitted).toHaveLength(0);
    });

    it('refuses a re-map onto a Development (proof of concept) registration, with the reason, submitting nothing', async () => {
      const customer = seeded[11];
      const west = Object.values(sandbox.state.registrations).find((r) => r.id === sandbox.registrations.payAsYouUse2)!;
      west.billingModel = 'Development';
      try {
        const refused = await rita.card(`remap ${customer.azureSubscriptionId} to ${customer.customerTenantId} on azurestack-payg-west`);
        expect(texts(refused)[1]).toContain('azurestack-payg-west uses the Development billing model, which cannot bill usage to customer tenants: only a PayAsYouUse registration can.');
        expect(bot.submitted).toHaveLength(0);
        expect(west.customerSubscriptions[customer.azureSubscriptionId!]).toBeUndefined();
      } finally {
        west.billingModel = 'PayAsYouUse';
      }
    });
  });

  function addSecondSubscription(customerTenantId: string, firstSubscription: string): string {
    const first = sandbox.state.entitlements[firstSubscription];
    const id = randomUUID();
    sandbox.state.entitlements[id] = { ...first, id, customerTenantId, friendlyName: 'Second Azure subscription' };
    return id;
  }
});
