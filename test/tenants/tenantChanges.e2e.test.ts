// Re-map and removal end to end on the real server: restify + CloudAdapter (local mode) + the bot,
// a real SQLite store, the real clients on the simulated cloud and a loopback Bot Connector that
// records what Teams would receive. The operator types the command in the onboarding channel, the
// approval card says exactly what will change, an approver approves, the durable run changes the
// registration and the result is posted in the thread.
import { randomUUID } from 'crypto';
import type { App } from '../../src/app';
import type { RequestId, ServiceRequest } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';
import { channel } from '../support/activities';
import { startBot, type BotDriver, type TeamsChat } from '../support/botDriver';
import { startLoopbackConnector, type LoopbackConnector, type SentActivity } from '../support/loopbackConnector';
import { TEAMS_TENANT, directoryPeople } from '../support/people';

const CHANNEL = '19:onboarding@thread.tacv2';

describe('re-map and removal through approval and the durable run', () => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let store: BotStore;
  let bot: BotDriver;
  let app: App;
  let adele: TeamsChat; // approver
  let olivia: TeamsChat; // operator, not an approver

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    connector = await startLoopbackConnector();
    const people = directoryPeople(sandbox);
    connector.roster = [people.adele, people.olivia];
    const config = sandboxConfig(sandbox, { APPROVAL_CHANNEL_ID: CHANNEL, ALLOWED_TENANT_IDS: TEAMS_TENANT });
    store = await openSqliteStore(':memory:');
    bot = await startBot(config, { store, cloud: sandboxCloud(config), connector });
    app = bot.app;
    adele = bot.as(people.adele, channel(CHANNEL));
    olivia = bot.as(people.olivia, channel(CHANNEL));
    await say(olivia, 'help');
  });
  afterAll(async () => {
    await bot?.close();
    await store?.close();
    await connector.close();
    await sandbox.close();
  });

  /** Types a message in the channel; returns the bot's reply to it (not the approval card it may post as well). */
  const say = (from: TeamsChat, text: string): Promise<SentActivity> => from.reply(text);

  const click = (from: TeamsChat, verb: string, data: Record<string, unknown>) => from.invoke(verb, data);

  const text = (sent: SentActivity | undefined) => JSON.stringify(sent?.activity ?? {});
  const mappingsOf = (registrationId: string) => sandbox.state.registrations[registrationId.toLowerCase()].customerSubscriptions;
  const requestNamed = async (reply: SentActivity): Promise<ServiceRequest> => {
    const id = /(DEL|MAP)-[0-9A-HJ-NP-Z]{4,8}/.exec(text(reply))![0] as RequestId;
    return (await store.requests.get(id))!.value;
  };
  const approvalCardOf = (request: ServiceRequest) => connector.sent.find((s) => s.method === 'POST' && s.activityId === request.approvalCard?.activityId);
  const resultOf = (request: ServiceRequest) => connector.sent.find((s) => s.method === 'POST' && s.activityId === request.results.resultPostedActivityId);

  it('removes a mapping: the card says what goes and who pays; a non-approver cannot approve; the approver can; the result warns about billing', async () => {
    const customer = sandbox.seedCustomer({ companyName: 'Leaving Co', domain: `leaving${Date.now()}.onmicrosoft.com`, azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const subscription = customer.azureSubscriptionId!;
    const deletesBefore = sandbox.state.counters.mappingDeletes;

    const reply = await say(olivia, `remove tenant ${subscription}`);
    expect(text(reply)).toMatch(/Request DEL-[0-9A-HJ-NP-Z]{4} submitted/);
    const request = await requestNamed(reply);
    expect(request).toMatchObject({ kind: 'remove', status: 'pending_approval', mapping: { azureSubscriptionId: subscription, customerTenantId: customer.customerTenantId } });

    const card = text(approvalCardOf(request));
    expect(card).toContain(`Remove the mapping of subscription ${subscription} (Leaving Co) from azurestack-payg-east`);
    expect(card).toContain(`DELETE the customer subscription ${subscription} from azurestack-payg-east.`);
    expect(card).toContain("billed to the registration's owner (you, the CSP) again");

    // Olivia is not an approver: refused, audited, nothing removed.
    const refused = await click(olivia, 'request.approve', { requestId: request.id });
    expect(JSON.stringify(refused.body)).toContain(`Only approvers can decide request ${request.id}`);
    expect((await store.requests.get(request.id))!.value.status).toBe('pending_approval');
    expect(mappingsOf(sandbox.registrations.payAsYouUse)[subscription]).toEqual({ tenantId: customer.customerTenantId });
    expect((await store.audit.list(request.id)).map((e) => e.action)).toContain('approved-refused');

    const approved = await click(adele, 'request.approve', { requestId: request.id });
    expect(approved.status).toBe(200);
    await app.approvals.idle();

    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ['check-registration', 'done'],
      ['remove-mapping', 'done'],
      ['post-result', 'done'],
    ]);
    expect(done.results.mappingRemoval).toBe('deleted');
    expect(mappingsOf(sandbox.registrations.payAsYouUse)[subscription]).toBeUndefined();
    expect(sandbox.state.counters.mappingDeletes - deletesBefore).toBe(1);

    const result = resultOf(done);
    expect(result?.conversationId).toBe(`${CHANNEL};messageid=${request.approvalCard!.activityId}`);
    expect(text(result)).toContain(`<at>Olivia Operator</at> request ${request.id} is done`);
    expect(text(result)).toContain(`usage of tenant ${customer.customerTenantId} on azurestack-payg-east is billed to the registration's owner (you, the CSP)`);
    const trail = (await store.audit.list(request.id)).map((e) => e.action);
    expect(trail).toEqual(expect.arrayContaining(['submitted', 'approval-requested', 'approved-refused', 'approved', 'run-started', 'tenant-unmapped', 'run-succeeded']));

    // The approval card, updated in place, ends as the removal's checklist (no portal link to a deleted resource).
    const finalCard = connector.sent.filter((s) => s.method === 'PUT' && s.activityId === request.approvalCard!.activityId).at(-1);
    expect(text(finalCard)).toContain("Done: the mapping is removed. Usage is billed to the registration's owner again.");
    expect(text(finalCard)).toContain('Remove mapping');
    expect(text(finalCard)).not.toContain('Action.OpenUrl');
    const status = await say(olivia, `status ${request.id}`);
    expect(text(status)).toContain(`${request.id}**: Remove the mapping of subscription ${subscription} (Leaving Co) from azurestack-payg-east`);
  });

  it('a removal the API reports as already gone finishes, says so, and still warns about billing', async () => {
    const customer = sandbox.seedCustomer({ companyName: 'Ghost Ltd', domain: `ghost${Date.now()}.onmicrosoft.com`, azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const subscription = customer.azureSubscriptionId!;
    const request = await requestNamed(await say(olivia, `remove tenant ${subscription} on azurestack-payg-east`));
    // Someone removes it by hand (PowerShell) before the approver gets to it.
    delete mappingsOf(sandbox.registrations.payAsYouUse)[subscription];
    const deletesBefore = sandbox.state.counters.mappingDeletes;

    await click(adele, 'request.approve', { requestId: request.id });
    await app.approvals.idle();

    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    expect(done.results.mappingRemoval).toBe('already-gone');
    expect(sandbox.state.counters.mappingDeletes).toBe(deletesBefore);
    expect(text(resultOf(done))).toContain('was already gone: nothing had to be deleted');
    expect(text(resultOf(done))).toContain("billed to the registration's owner");
    expect((await store.audit.list(request.id)).map((e) => e.action)).toContain('mapping-already-gone');
  });

  it('re-maps a tenant to its new subscription: the card names the mapping the PUT overwrites, and the run replaces it', async () => {
    const customer = sandbox.seedCustomer({ companyName: 'Movers Inc', domain: `movers${Date.now()}.onmicrosoft.com`, azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const oldSubscription = customer.azureSubscriptionId!;
    const newSubscription = randomUUID();
    sandbox.state.entitlements[newSubscription] = { ...sandbox.state.entitlements[oldSubscription], id: newSubscription, friendlyName: 'New Azure subscription' };
    const domain = sandbox.state.customers[customer.customerTenantId].domain;

    const request = await requestNamed(await say(olivia, `remap ${newSubscription} to ${domain}`));
    expect(request).toMatchObject({ kind: 'remap', azureSubscriptionId: newSubscription });
    const card = text(approvalCardOf(request));
    expect(card).toContain(`Map subscription ${newSubscription} to Movers Inc on azurestack-payg-east`);
    expect(card).toContain(`PUT the customer subscription ${newSubscription} with tenant ${customer.customerTenantId} on azurestack-payg-east.`);
    expect(card).toContain(`Movers Inc is now billed through subscription ${oldSubscription}, which is replaced`);

    await click(adele, 'request.approve', { requestId: request.id });
    await app.approvals.idle();

    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s) => s.name)).toEqual(['check-registration', 'map-tenant', 'post-result']);
    const mappings = mappingsOf(sandbox.registrations.payAsYouUse);
    expect(mappings[newSubscription]).toEqual({ tenantId: customer.customerTenantId });
    expect(mappings[oldSubscription]).toBeUndefined();
    expect(text(resultOf(done))).toContain(`usage of subscription ${newSubscription} on azurestack-payg-east is now billed to the customer`);
    expect((await store.audit.list(request.id)).map((e) => e.action)).toContain('tenant-remapped');
  });

  it('tenants, tenant and reconcile answer on the real server; a reconcile Remove button leads, after approval, to the stale mapping being gone', async () => {
    const scenario = sandbox.seedReconcileScenario();
    const lapsed = scenario.inactiveSubscription;
    const lapsedName = sandbox.state.customers[lapsed.customerTenantId].companyName;

    const list = await say(olivia, 'tenants azurestack-payg-east');
    expect(text(list)).toContain('Tenants on azurestack-payg-east');
    expect(text(list)).toContain(lapsedName);
    const one = await say(olivia, `tenant ${lapsed.azureSubscriptionId}`);
    expect(text(one)).toContain(`${lapsedName} (`);
    expect(text(one)).toContain('Open in the Azure portal');

    const report = await say(olivia, 'reconcile azurestack-payg-east');
    expect(text(report)).toContain('Mapped, subscription no longer active');
    expect(text(report)).toContain(`Subscription ${lapsed.azureSubscriptionId} is mapped on azurestack-payg-east, but in Partner Center it is \\"disabled\\"`);

    // The item's Remove button, clicked over HTTP as Teams would send it.
    const clicked = await click(olivia, 'tenants.remove', { registration: lapsed.registrationId, azureSubscriptionId: lapsed.azureSubscriptionId, customerTenantId: lapsed.customerTenantId });
    expect(clicked.status).toBe(200);
    const id = /DEL-[0-9A-HJ-NP-Z]{4,8}/.exec(JSON.stringify(clicked.body))![0] as RequestId;
    await click(adele, 'request.approve', { requestId: id });
    await app.approvals.idle();
    expect((await store.requests.get(id))!.value.status).toBe('succeeded');
    expect(mappingsOf(lapsed.registrationId)[lapsed.azureSubscriptionId!]).toBeUndefined();
  });

  it('a re-map whose target changed after approval stops instead of overwriting what nobody approved', async () => {
    const customer = sandbox.seedCustomer({ companyName: 'Shifty', domain: `shifty${Date.now()}.onmicrosoft.com`, azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const newSubscription = randomUUID();
    sandbox.state.entitlements[newSubscription] = { ...sandbox.state.entitlements[customer.azureSubscriptionId!], id: newSubscription };
    const request = await requestNamed(await say(olivia, `remap ${newSubscription} to ${customer.customerTenantId} on azurestack-payg-east`));
    // Meanwhile the tenant's mapping is removed by hand: the approved overwrite no longer matches.
    delete mappingsOf(sandbox.registrations.payAsYouUse)[customer.azureSubscriptionId!];
    const putsBefore = sandbox.state.counters.mappingPuts;

    await click(adele, 'request.approve', { requestId: request.id });
    await app.approvals.idle();

    const failed = (await store.requests.get(request.id))!.value;
    expect(failed.status).toBe('failed');
    expect(failed.steps.find((s) => s.name === 'map-tenant')?.error?.code).toBe('MappingChangedSinceApproval');
    expect(sandbox.state.counters.mappingPuts).toBe(putsBefore);
  });
});
