// `offboard <domain or tenant id>` end to end on the real server and the simulated cloud with its
// stamps: the preview card shows every piece (mapping, stamp subscription, the CSP guest's Owner
// role, the directory) with the tick to unregister the directory; Submit makes an OFF- request; an
// approver approves; the run removes the mapping, the Owner role, disables (not deletes) the stamp
// subscription and, ticked and empty, unregisters the directory; the result says what is left and who pays.
import { randomUUID } from 'crypto';
import type { App } from '../../src/app';
import type { Guid, RequestId, ServiceRequest } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';
import { channel } from '../support/activities';
import { startBot, type BotDriver, type TeamsChat } from '../support/botDriver';
import { startLoopbackConnector, type LoopbackConnector, type SentActivity } from '../support/loopbackConnector';
import { TEAMS_TENANT, directoryPeople } from '../support/people';

const CHANNEL = '19:offboarding@thread.tacv2';
const EAST = 'azurestack-payg-east';

describe('offboard through approval and the durable run', () => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let store: BotStore;
  let bot: BotDriver;
  let app: App;
  let adele: TeamsChat;
  let olivia: TeamsChat;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    connector = await startLoopbackConnector();
    const people = directoryPeople(sandbox);
    connector.roster = [people.adele, people.olivia];
    const config = sandboxConfig(sandbox, { ...sandbox.stampEnv, APPROVAL_CHANNEL_ID: CHANNEL, ALLOWED_TENANT_IDS: TEAMS_TENANT });
    store = await openSqliteStore(':memory:');
    bot = await startBot(config, { store, cloud: sandboxCloud(config), connector });
    app = bot.app;
    adele = bot.as(people.adele, channel(CHANNEL));
    olivia = bot.as(people.olivia, channel(CHANNEL));
    await olivia.reply('help');
  });
  afterAll(async () => {
    await bot?.close();
    await store?.close();
    await connector.close();
    await sandbox.close();
  });

  const text = (sent: SentActivity | { body?: unknown } | undefined) => JSON.stringify((sent as SentActivity)?.activity ?? (sent as { body?: unknown })?.body ?? {});

  /** A customer onboarded with everything: mapped on east, a user subscription on its stamp, the CSP guest as its Owner. */
  async function onboardedCustomer(name: string, resources = 0) {
    const domain = `${name.toLowerCase().replace(/[^a-z]/g, '')}${randomUUID().slice(0, 6)}.onmicrosoft.com`;
    const customer = sandbox.seedCustomer({ companyName: name, domain, azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const tenant = customer.customerTenantId as Guid;
    const sub = sandbox.seedStampSubscription({ stamp: EAST, tenantId: tenant, domain, owner: `admin@${domain}` });
    sub.resourceCount = resources;
    const guest = sandbox.seedUser({ tenantId: tenant, displayName: 'CSP', mail: sandbox.stampEnv.CSP_GUEST_ACCOUNT, userType: 'Guest' }) as Guid;
    await app.cloud.stamps!.ensureOwner(EAST, tenant, sub.subscriptionId as Guid, guest);
    return { ...customer, domain, tenant, stampSubscriptionId: sub.subscriptionId, guest };
  }

  async function submit(tenant: string, unregisterDirectory: 'true' | 'false'): Promise<ServiceRequest> {
    const answer = await olivia.invoke('tenants.offboard', { tenant, unregisterDirectory });
    const id = /OFF-[0-9A-HJ-NP-Z]{4,8}/.exec(text(answer))?.[0] as RequestId;
    expect(id).toBeDefined();
    return (await store.requests.get(id))!.value;
  }

  it('shows every piece, and with the tick takes all of it away in reverse; the result says what is left and who pays', async () => {
    const c = await onboardedCustomer('Goodbye Co');
    const stamp = sandbox.state.stamps[EAST];
    const preview = text(await olivia.reply(`offboard ${c.domain}`));
    expect(preview).toContain(`Offboard Goodbye Co (${c.domain})`);
    expect(preview).toContain(`Azure subscription ${c.azureSubscriptionId}: removed (DELETE)`);
    expect(preview).toContain(`${c.stampSubscriptionId}: disabled (not deleted)`);
    expect(preview).toContain(`${sandbox.stampEnv.CSP_GUEST_ACCOUNT} is Owner of ${c.stampSubscriptionId}`);
    expect(preview).toContain('Also unregister the customer');
    // Nothing changed yet.
    expect(stamp.subscriptions[c.stampSubscriptionId].state).toBe('Enabled');

    const request = await submit(c.tenant, 'true');
    expect(request).toMatchObject({ kind: 'offboard', status: 'pending_approval', unregisterDirectory: true, customer: { customerTenantId: c.tenant, companyName: 'Goodbye Co' } });
    expect(text(connector.sent.find((s) => s.method === 'POST' && s.activityId === request.approvalCard?.activityId))).toContain('Offboard Goodbye Co');

    await adele.invoke('request.approve', { requestId: request.id });
    await app.approvals.idle();
    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ['offboard-mappings', 'done'],
      ['offboard-owner', 'done'],
      ['offboard-subscriptions', 'done'],
      ['offboard-directory', 'done'],
      ['post-result', 'done'],
    ]);
    expect(sandbox.state.registrations[sandbox.registrations.payAsYouUse.toLowerCase()].customerSubscriptions[c.azureSubscriptionId!]).toBeUndefined();
    expect(stamp.subscriptions[c.stampSubscriptionId].state).toBe('Disabled');
    expect(stamp.roleAssignments.filter((ra) => ra.principalId === c.guest)).toEqual([]);
    expect(stamp.directoryTenants[c.domain]).toBeUndefined();
    const result = text(connector.sent.find((s) => s.method === 'POST' && s.activityId === done.results.resultPostedActivityId));
    expect(result).toContain(`request ${request.id} is done: Goodbye Co`);
    expect(result).toContain('Who pays now');
    expect(result).toContain(`disabled Azure Stack Hub subscription(s) ${c.stampSubscriptionId}`);
    expect((await store.audit.list(request.id)).map((e) => e.action)).toEqual(expect.arrayContaining(['tenant-unmapped', 'stamp-owner-removed', 'stamp-subscription-disabled', 'stamp-directory-unregistered']));
  });

  it('a subscription holding resources keeps the directory even when ticked; without the tick it stays anyway', async () => {
    const busy = await onboardedCustomer('Busy Co', 3);
    const first = await submit(busy.tenant, 'true');
    await adele.invoke('request.approve', { requestId: first.id });
    await app.approvals.idle();
    const done = (await store.requests.get(first.id))!.value;
    expect(done.steps.find((s) => s.status === 'failed')?.error).toBeUndefined();
    expect(done.status).toBe('succeeded');
    expect(sandbox.state.stamps[EAST].directoryTenants[busy.domain]).toBeDefined();
    expect(done.results.offboardLeft?.join(' ')).toContain(`${busy.stampSubscriptionId} holds 3 resource(s)`);

    const quiet = await onboardedCustomer('Quiet Co');
    const second = await submit(quiet.tenant, 'false');
    await adele.invoke('request.approve', { requestId: second.id });
    await app.approvals.idle();
    expect(sandbox.state.stamps[EAST].directoryTenants[quiet.domain]).toBeDefined();
    expect((await store.requests.get(second.id))!.value.results.offboardLeft?.join(' ')).toContain(`The directory ${quiet.domain} stays registered on ${EAST}.`);
  });

  it('refuses what is not there, plainly, storing nothing', async () => {
    const nobody = sandbox.seedCustomer({ companyName: 'Nobody', domain: `nobody${randomUUID().slice(0, 6)}.onmicrosoft.com` });
    const before = (await store.requests.list()).length;
    expect(text(await olivia.reply(`offboard ${nobody.customerTenantId}`))).toContain('there is nothing to offboard');
    expect(text(await olivia.reply('offboard ../etc'))).toContain('Type it like this');
    expect(await store.requests.list()).toHaveLength(before);
  });
});
