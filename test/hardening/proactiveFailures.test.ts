// When Teams or the directory fails a proactive send, on the real server (the bot driver): restify
// + CloudAdapter + the bot with its turn error handler, a real SQLite store, the simulated cloud
// with its fault injection and a loopback Bot Connector. The connector policy retries once, in one place; what
// outlasts it is logged and sent again by the approval sweep (every LEASE_SECONDS, 2 s here), and
// the approvers' channel never sees "Something went wrong", nor the requester "not installed".
import type { RequestId, ServiceRequest } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { channel } from '../support/activities';
import { startBot, type BotDriver } from '../support/botDriver';
import type { LoopbackConnector, SentActivity } from '../support/loopbackConnector';
import { directoryPeople, type TeamsUser } from '../support/people';
import { waitFor } from '../support/waitFor';
import { TEAMS_TENANT, newCustomerRequest, sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';
import { captureLogs, type LogCapture } from '../support/logCapture';

jest.setTimeout(60_000);

const CHANNEL = '19:approvals-faults@thread.tacv2';
const APOLOGY = 'Something went wrong';

describe('failed proactive sends: retried later, never shown as a crash', () => {
  let sandbox: Sandbox;
  let bot: BotDriver;
  let connector: LoopbackConnector;
  let store: BotStore;
  let logs: LogCapture;
  let adele: TeamsUser; // approver (APPROVER_IDS)
  let olivia: TeamsUser; // operator: whether she approves is asked of Graph (APPROVER_GROUP_ID)

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    ({ adele, olivia } = directoryPeople(sandbox));
    const config = sandboxConfig(sandbox, { APPROVAL_CHANNEL_ID: CHANNEL, APPROVER_GROUP_ID: sandbox.approverGroupId, ALLOWED_TENANT_IDS: TEAMS_TENANT });
    store = await openSqliteStore(':memory:');
    logs = captureLogs('warn');
    bot = await startBot(config, { store, cloud: sandboxCloud(config), logger: logs.logger });
    connector = bot.connector;
    connector.roster = [adele, olivia];
    // The bot learns the approvals channel from traffic there (as on install).
    await bot.as(olivia, channel(CHANNEL)).say('help');
  });
  afterEach(() => sandbox.faults.clear());
  afterAll(async () => {
    await bot?.close();
    await store?.close();
    await sandbox?.close();
  });

  const click = (from: TeamsUser, verb: string, data: Record<string, unknown>) => bot.as(from, channel(CHANNEL)).invoke(verb, data);

  /** As the dialog does: store the request, then hand it to the approvals (which post the card). */
  async function submit(): Promise<ServiceRequest> {
    const request = newCustomerRequest(sandbox, { conversationId: CHANNEL });
    await store.requests.create(request);
    await bot.app.approvals.onSubmitted(request);
    return (await store.requests.get(request.id))!.value;
  }

  const text = (sent: SentActivity) => JSON.stringify(sent.activity);
  const apologies = () => connector.sent.filter((s) => text(s).includes(APOLOGY));
  const cardsOf = (id: RequestId) => connector.sent.filter((s) => s.method === 'POST' && s.activity.attachments && text(s).includes(id));
  const warnings = () => logs.records().map((r) => r.msg);

  it('a Graph 503 while finding the approvers: the card is still posted at once, and nobody is told the bot is not installed', async () => {
    // Olivia is on the roster and not in APPROVER_IDS: finding the approvers asks Graph whether she
    // is in the group. The roster is resolved beside the post, so Graph failing costs the card its
    // per-approver buttons (everyone sees them; the server checks every click), never the card.
    const fault = sandbox.faults.add({ path: /\/checkMemberGroups$/, kind: 'status', status: 503, retryAfterSeconds: 0, times: Infinity });
    try {
      const request = await submit();
      expect(request.approvalCard?.conversationId).toBe(CHANNEL);
      expect(cardsOf(request.id)).toHaveLength(1);
      expect(connector.sent.filter((s) => text(s).includes('not installed'))).toHaveLength(0);
      expect((await store.audit.list(request.id)).map((e) => e.action)).toContain('approval-requested');
      expect(apologies()).toHaveLength(0);
    } finally {
      sandbox.faults.remove(fault);
    }
  });

  it('a 429 burst longer than the connector policy\'s retries: the card is not lost, the sweep posts it once', async () => {
    // 1 + 3 attempts, all throttled (Retry-After: 0 keeps the test quick).
    connector.failNext(429, 4, { method: 'POST', retryAfterSeconds: 0 });
    const request = await submit();
    expect(request.approvalCard).toBeUndefined();
    const posted = await waitFor(async () => (await store.requests.get(request.id))!.value.approvalCard, { what: 'the sweep to post the card', timeoutMs: 15_000, everyMs: 25 });
    expect(cardsOf(request.id)).toHaveLength(1);
    expect(connector.sent.find((s) => s.activityId === posted.activityId)).toBeDefined();
    expect(apologies()).toHaveLength(0);
  });

  it('a card update Teams will not take: logged, sent again by the sweep, and no "Something went wrong" in the approvers\' channel', async () => {
    const request = await submit();
    const card = request.approvalCard!;
    expect(card).toBeDefined();
    connector.failNext(429, 4, { method: 'PUT', retryAfterSeconds: 0 });
    expect((await click(adele, 'request.rejectConfirm', { requestId: request.id, reason: 'Wrong country' })).status).toBe(200);
    await bot.app.approvals.idle();
    expect(warnings()).toContain('could not update the request card; the sweep sends it again');
    expect(apologies()).toHaveLength(0);

    const updated = await waitFor(() => connector.sent.find((s) => s.method === 'PUT' && s.activityId === card.activityId && text(s).includes('Wrong country')), {
      what: 'the sweep to update the card',
      timeoutMs: 15_000,
      everyMs: 25,
    });
    expect(updated.conversationId).toBe(CHANNEL);
    expect(apologies()).toHaveLength(0);
  });
});
