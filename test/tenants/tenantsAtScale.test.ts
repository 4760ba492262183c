// Long lists through the bot: 1,000 mappings paged 20 to a card ("page 3 of 50"), every card under
// 28 KB, paging and searching without calling Azure or Partner Center again; and a reconcile report
// with more findings than one card holds, paged instead of cut off.
import { MAX_CARD_BYTES } from '../../src/cards/render';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';
import { OLIVIA } from '../support/people';
import { buildTenantBot, buttons, cardBytes, Chat, texts } from './tenantBot';


describe('1,000 mappings through the bot', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  let seeded: Array<{ customerTenantId: string; azureSubscriptionId?: string }>;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    seeded = sandbox.seedMappings(sandbox.registrations.payAsYouUse, 1000);
    store = await openSqliteStore(':memory:');
  });
  afterAll(async () => {
    await store.close();
    await sandbox.close();
  });

  it('lists them 20 to a page, pages and searches from a short cache, every card under 28 KB', async () => {
    const olivia = new Chat(await buildTenantBot(store, sandboxCloud(sandboxConfig(sandbox))), OLIVIA);
    const page1 = await olivia.card('tenants azurestack-payg-east');
    expect(texts(page1)).toContain('1,000 mapped · page 1 of 50');
    expect(cardBytes(page1)).toBeLessThan(MAX_CARD_BYTES);

    const calls = sandbox.requests.length;
    const page2 = await olivia.click(page1, 'Next');
    const page3 = await olivia.click(page2, 'Next');
    expect(texts(page3)).toContain('1,000 mapped · page 3 of 50');
    expect(buttons(page3)).toEqual(['Search', 'Previous', 'Next']);
    expect(cardBytes(page3)).toBeLessThan(MAX_CARD_BYTES);

    const wanted = seeded[777];
    const domain = sandbox.state.customers[wanted.customerTenantId].domain;
    const found = await olivia.click(page3, 'Search', { search: domain });
    expect(texts(found)).toContain(`1 of 1,000 match "${domain}" · page 1 of 1`);
    expect(texts(found)).toContain(`Subscription ${wanted.azureSubscriptionId}`);
    // Paging and search were answered from the cache: no call to Azure or Partner Center.
    expect(sandbox.requests.length).toBe(calls);
  });
});

describe('a reconcile report longer than one card', () => {
  let sandbox: Sandbox;
  let store: BotStore;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    for (let i = 1; i <= 30; i++) {
      sandbox.seedCustomer({ companyName: `Unmapped ${String(i).padStart(2, '0')}`, domain: `unmapped${i}x${Date.now()}.onmicrosoft.com`, azurePlan: 'active' });
    }
    store = await openSqliteStore(':memory:');
  });
  afterAll(async () => {
    await store.close();
    await sandbox.close();
  });

  it('pages the findings 12 at a time, from the report it made, and "Check again" looks afresh', async () => {
    const olivia = new Chat(await buildTenantBot(store, sandboxCloud(sandboxConfig(sandbox))), OLIVIA);
    const page1 = await olivia.card('reconcile azurestack-payg-east');
    expect(texts(page1)).toContain('Active Azure subscription, not mapped on any registration: 30');
    expect(texts(page1).join(' ')).toContain('Findings 1–12 of 30 (page 1 of 3)');
    expect(cardBytes(page1)).toBeLessThan(MAX_CARD_BYTES);
    expect(buttons(page1).filter((b) => b === 'Onboard on azurestack-payg-east')).toHaveLength(12);

    const calls = sandbox.requests.length;
    const page3 = await olivia.click(await olivia.click(page1, 'Next'), 'Next');
    expect(texts(page3).join(' ')).toContain('Findings 25–30 of 30 (page 3 of 3)');
    // Sorted by name: the last page holds 25 to 30, none cut off.
    const names = texts(page3).filter((t) => t.startsWith('Not mapped: Unmapped')).map((t) => /Unmapped (\d+)/.exec(t)![1]);
    expect(names).toEqual(['25', '26', '27', '28', '29', '30']);
    expect(buttons(page3)).toEqual(expect.arrayContaining(['Previous', 'Check again']));
    expect(buttons(page3)).not.toContain('Next');
    expect(sandbox.requests.length).toBe(calls);

    const fresh = await olivia.click(page3, 'Check again');
    expect(texts(fresh).join(' ')).toContain('Findings 1–12 of 30 (page 1 of 3)');
    expect(sandbox.requests.length).toBeGreaterThan(calls);
  });
});
