// Who may operate, decided by the policy where the bot dispatches (issue 11, item 3): once
// OPERATOR_IDS or OPERATOR_GROUP_ID is set, only operators and approvers may onboard, list, inspect,
// re-map, remove and reconcile; everyone else gets help and a polite refusal naming whom to ask,
// with no data, and every refusal is logged. With no operator setting everyone may (the demo).
// Driven through the real server (the bot driver: createApp on the simulated cloud, activities
// POSTed to /api/messages, replies recorded by a loopback Bot Connector).
import { NOT_OPERATOR_MESSAGE } from '../../src/onboarding/requests/approvalPolicy';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { cardSubmit, personalChat } from '../support/activities';
import { startBot as startDriver, type BotDriver } from '../support/botDriver';
import { startLoopbackConnector, type LoopbackConnector } from '../support/loopbackConnector';
import { directoryPeople, type TeamsUser } from '../support/people';
import { sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';
import { captureLogs, type LogCapture } from '../support/logCapture';

const SUBSCRIPTION = '3f15978e-005c-4763-bb78-2a8fab289c58';
const OPERATOR_COMMANDS = ['onboard', 'tenants', `tenant ${SUBSCRIPTION}`, `remap ${SUBSCRIPTION} to contoso.onmicrosoft.com`, `remove tenant ${SUBSCRIPTION}`, 'reconcile'];
const OPERATOR_VERBS: Array<[string, Record<string, unknown>]> = [
  ['onboard.customerNext', {}],
  ['tenants.page', { registration: 'all', page: 1 }],
  ['tenants.reconcile', { registration: 'all', page: 1 }],
  ['tenants.remove', { azureSubscriptionId: SUBSCRIPTION }],
];

describe('who may operate the bot', () => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let store: BotStore;
  let bot: BotDriver | undefined;
  let logs: LogCapture;
  let olivia: TeamsUser; // OPERATOR_IDS
  let adele: TeamsUser; // APPROVER_IDS
  let nestor: TeamsUser; // a transitive member of the approvers' group
  const mallory: TeamsUser = { id: '29:mallory', aadObjectId: 'dddddddd-0000-4000-8000-00000000000d', name: 'Mallory Member' };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    connector = await startLoopbackConnector();
    ({ olivia, adele, nestor } = directoryPeople(sandbox));
  });
  afterAll(async () => {
    await connector.close();
    await sandbox.close();
  });
  afterEach(async () => {
    await bot?.close();
    await store?.close();
    bot = undefined;
  });

  async function startBot(extra: Record<string, string>) {
    const config = sandboxConfig(sandbox, { APPROVER_IDS: sandbox.users.approver, ...extra });
    store = await openSqliteStore(':memory:');
    logs = captureLogs('warn');
    bot = await startDriver(config, { store, cloud: sandboxCloud(config), connector, logger: logs.logger });
  }

  /** What the bot answered to a typed message in the person's 1:1 chat (its replies, as text and card JSON). */
  async function say(from: TeamsUser, text: string): Promise<string> {
    const replies = await bot!.as(from).say(text);
    return replies.map((s) => s.activity.text ?? JSON.stringify(s.activity.attachments ?? [])).join('\n');
  }

  const click = (from: TeamsUser, verb: string, data: Record<string, unknown>) => bot!.as(from).invoke(verb, data);

  const refusals = () => logs.records().filter((r) => r.msg === 'refused: operators only');

  it('refuses every operator command and button to someone who is neither operator nor approver, politely, with no data, and logs each', async () => {
    await startBot({ OPERATOR_IDS: sandbox.users.operator });
    for (const command of OPERATOR_COMMANDS) {
      const reply = await say(mallory, command);
      expect(reply).toBe(NOT_OPERATOR_MESSAGE);
    }
    for (const [verb, data] of OPERATOR_VERBS) {
      const { status, body } = await click(mallory, verb, data);
      expect({ status, body }).toEqual({ status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: NOT_OPERATOR_MESSAGE } });
    }
    // The Action.Submit fallback of old clients arrives as a message carrying the verb.
    const before = connector.sent.length;
    await bot!.post(cardSubmit({ verb: 'tenants.page', registration: 'all', page: 1 }, { from: mallory, conversation: personalChat(mallory), serviceUrl: connector.serviceUrl }));
    expect(connector.sent.slice(before).map((s) => s.activity.text)).toEqual([NOT_OPERATOR_MESSAGE]);
    expect(NOT_OPERATOR_MESSAGE).toMatch(/OPERATOR_IDS/);
    expect(refusals().map((r) => r.command ?? r.verb)).toEqual(['onboard', 'tenants', 'tenant', 'remap', 'remove tenant', 'reconcile', ...OPERATOR_VERBS.map(([verb]) => verb), 'tenants.page']);
    expect(refusals().every((r) => r.from === mallory.aadObjectId && r.reason === 'not-operator')).toBe(true);
    // Nothing was drafted or filed for her.
    expect(await store.requests.list()).toEqual([]);

    // help is for everyone.
    const help = await say(mallory, 'help');
    expect(help).toContain('Here is what I can do');
    expect(refusals()).toHaveLength(OPERATOR_COMMANDS.length + OPERATOR_VERBS.length + 1);
  });

  it('lets the operators (OPERATOR_IDS) and the approvers operate', async () => {
    await startBot({ OPERATOR_IDS: sandbox.users.operator });
    for (const who of [olivia, adele]) {
      const reply = await say(who, 'tenants all');
      expect(reply).not.toContain(NOT_OPERATOR_MESSAGE);
      expect(reply).toContain('Tenants on all 4 registrations');
    }
    const onboard = await say(olivia, 'onboard');
    expect(onboard).toContain('Onboard a customer');
    expect(refusals()).toEqual([]);
  });

  it('OPERATOR_GROUP_ID: transitive members of the group are operators, others are not', async () => {
    // The approvers' group of the simulated directory holds Nestor through a nested group.
    await startBot({ OPERATOR_GROUP_ID: sandbox.approverGroupId });
    expect(await say(nestor, 'tenants all')).toContain('Tenants on all 4 registrations');
    expect(await say(mallory, 'tenants all')).toBe(NOT_OPERATOR_MESSAGE);
    expect(refusals()).toHaveLength(1);
  });

  it('with no operator setting everyone is an operator (the local demo)', async () => {
    await startBot({});
    expect(await say(mallory, 'tenants all')).toContain('Tenants on all 4 registrations');
    expect(refusals()).toEqual([]);
  });
});
