// The `tenant` card with the Azure Stack Hub stamps configured: the directory's usage on each stamp
// in the last 30 days (provider usage API), by day, and which registration bills it: the customer
// when the tenant is mapped on the stamp's registration, the partner otherwise.
import { randomUUID } from 'crypto';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { sandboxCloud, sandboxConfig, sandboxPerDescribe } from '../onboarding/support';
import { RITA } from '../support/people';
import { buildTenantBot, Chat, texts } from './tenantBot';

describe('tenant: Azure Stack Hub usage', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  let rita: Chat;

  sandboxPerDescribe((s) => (sandbox = s));
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    const cloud = sandboxCloud(sandboxConfig(sandbox, sandbox.stampEnv));
    rita = new Chat(await buildTenantBot(store, cloud), RITA);
  });
  afterEach(async () => {
    await store.close();
  });

  function customer(name: string, mappedOn: string[]) {
    const domain = `${name.toLowerCase()}${randomUUID().slice(0, 6)}.onmicrosoft.com`;
    const seeded = sandbox.seedCustomer({ companyName: name, domain, azurePlan: 'active', mappedOn });
    return { ...seeded, domain };
  }

  it('usage by day on the stamp, billed to the customer through the mapping', async () => {
    const c = customer('Contoso', [sandbox.registrations.payAsYouUse]);
    sandbox.seedStampSubscription({ stamp: 'azurestack-payg-east', tenantId: c.customerTenantId, domain: c.domain, owner: `admin@${c.domain}`, usageSinceDaysAgo: 3 });
    const card = await rita.card(`tenant ${c.domain}`);
    const all = texts(card);
    expect(all.find((t) => t.startsWith('Usage on the Azure Stack Hub of azurestack-payg-east, last 30 days: '))).toBeDefined();
    expect(all).toContain(`Billed to the customer: azurestack-payg-east maps the tenant to Azure subscription ${c.azureSubscriptionId}.`);
    // Usage began three days ago at this hour: two complete days since (today is not processed yet), one line each.
    expect(all.filter((t) => /^\d{4}-\d{2}-\d{2}: \d+(\.\d+)?$/.test(t)).length).toBe(2);
  });

  it('usage on a stamp whose registration does not map the tenant is billed to you; no usage says so', async () => {
    const c = customer('Fabrikam', [sandbox.registrations.payAsYouUse2]);
    sandbox.seedStampSubscription({ stamp: 'azurestack-payg-east', tenantId: c.customerTenantId, domain: c.domain, owner: `admin@${c.domain}`, usageSinceDaysAgo: 2 });
    const card = await rita.card(`tenant ${c.domain}`);
    expect(texts(card)).toContain("Billed to you: the tenant is not mapped on azurestack-payg-east, so its usage goes to the registration's own subscription.");

    const quiet = customer('Northwind', [sandbox.registrations.payAsYouUse]);
    const none = await rita.card(`tenant ${quiet.domain}`);
    expect(texts(none)).toContain('No usage on the Azure Stack Hub stamps in the last 30 days.');
  });
});
