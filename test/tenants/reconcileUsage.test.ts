// `reconcile` with the Azure Stack Hub stamps configured reads their usage (last 30 days): "usage
// billed to you" only where a stamp shows usage from a tenant its registration does not map,
// "mapped but no usage in 30 days" for a mapping without it, and "not mapped" (with no usage) otherwise.
import { randomUUID } from 'crypto';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { sandboxCloud, sandboxConfig, sandboxPerDescribe } from '../onboarding/support';
import { OLIVIA } from '../support/people';
import { buildTenantBot, Chat, texts, type Card } from './tenantBot';

type Element = Record<string, unknown> & { type: string; items?: Element[]; columns?: Element[]; actions?: Element[] };

/** The finding containers of a reconcile card: their words and their button, if any. */
function findings(card: Card): Array<{ text: string; button?: Element }> {
  const containers = (card.body ?? []).filter((e) => e.type === 'Container') as Element[];
  return containers.map((c) => {
    const columns = (c.items?.[0]?.columns ?? []) as Element[];
    const words = (columns[0]?.items ?? []).map((t) => String(t.text)).join(' ');
    const button = (columns[1]?.items?.[0]?.actions ?? [])[0] as Element | undefined;
    return { text: words, button };
  });
}

describe('reconcile with the stamps’ usage', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  let olivia: Chat;
  const EAST = 'azurestack-payg-east';

  sandboxPerDescribe((s) => (sandbox = s));
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    olivia = new Chat(await buildTenantBot(store, sandboxCloud(sandboxConfig(sandbox, sandbox.stampEnv))), OLIVIA);
  });
  afterEach(async () => {
    await store.close();
  });

  function customer(name: string, mappedOn: string[], usageSinceDaysAgo?: number) {
    const domain = `${name.toLowerCase()}${randomUUID().slice(0, 6)}.onmicrosoft.com`;
    const seeded = sandbox.seedCustomer({ companyName: name, domain, azurePlan: 'active', mappedOn });
    if (usageSinceDaysAgo !== undefined) sandbox.seedStampSubscription({ stamp: EAST, tenantId: seeded.customerTenantId, domain, owner: `admin@${domain}`, usageSinceDaysAgo });
    return { ...seeded, domain, name };
  }

  it('says who is billed to you, who is mapped but idle, and who is simply not mapped', async () => {
    const leaking = customer('Leaky', [], 5);
    const idle = customer('Idle', [sandbox.registrations.payAsYouUse]);
    const busy = customer('Busy', [sandbox.registrations.payAsYouUse], 5);
    const unmapped = customer('Quiet', []);

    const card = await olivia.card(`reconcile ${EAST}`);
    const all = texts(card);
    expect(all).toContain('Azure Stack Hub usage billed to you (a tenant the stamp’s registration does not map): 1');
    expect(all).toContain('Mapped, but no Azure Stack Hub usage in 30 days: 1');
    expect(all).toContain('Active Azure subscription, not mapped on any registration: 1');

    const items = findings(card);
    const of = (who: { name: string }) => items.filter((i) => i.text.includes(who.name));
    const [billed] = of(leaking);
    expect(billed.text).toMatch(/^Usage billed to you: Leaky .*used the Azure Stack Hub of azurestack-payg-east \([\d.]+ in the last 30 days, Azure Stack Hub subscription [0-9a-f-]{36}\) but is not mapped on it: that usage is billed to you\.$/);
    expect(billed.button).toMatchObject({ title: `Onboard on ${EAST}`, data: { azureSubscriptionId: leaking.azureSubscriptionId, customerTenantId: leaking.customerTenantId } });
    expect(of(leaking).filter((i) => i.text.startsWith('Not mapped'))).toHaveLength(0); // not also "not mapped"
    // (Mapped on east only, they are also "missing" on west and south: reconcile lists that separately.)
    const [quiet] = of(idle).filter((i) => i.text.startsWith('Mapped but no usage in 30 days'));
    expect(quiet.text).toContain(`is mapped on ${EAST}, but its Azure Stack Hub shows no usage of theirs in the last 30 days.`);
    expect(quiet.button).toBeUndefined();
    expect(of(busy).filter((i) => /^(Usage billed to you|Mapped but no usage)/.test(i.text))).toHaveLength(0);
    const [plain] = of(unmapped);
    expect(plain.text).toContain('the Azure Stack Hub stamps show no usage of theirs in the last 30 days');
  });
});
