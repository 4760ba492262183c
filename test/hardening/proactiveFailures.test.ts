// When Teams or the directory fails a proactive send, on the real server: restify + CloudAdapter +
// the bot with its turn error handler, a real SQLite store, the simulated cloud with its fault
// injection and a loopback Bot Connector. The connector policy retries once, in one place; what
// outlasts it is logged and sent again by the approval sweep (every LEASE_SECONDS, 2 s here), and
// the approvers' channel never sees "Something went wrong", nor the requester "not installed".
import { createApp, type App } from '../../src/app';
import type { RequestId, ServiceRequest } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { startLoopbackConnector, type LoopbackConnector, type SentActivity } from '../support/loopbackConnector';
import { TEAMS_TENANT, newCustomerRequest, sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';
import { captureLogs, type LogCapture } from '../support/logCapture';

jest.setTimeout(60_000);

const CHANNEL = '19:approvals-faults@thread.tacv2';
const APOLOGY = 'Something went wrong';

interface Member {
  id: string;
  aadObjectId: string;
  name: string;
}

describe('failed proactive sends: retried later, never shown as a crash', () => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let store: BotStore;
  let app: App;
  let logs: LogCapture;
  let url: string;
  let adele: Member; // approver (APPROVER_IDS)
  let olivia: Member; // operator: whether she approves is asked of Graph (APPROVER_GROUP_ID)

  beforeAll(async () => {
    [sandbox, connector] = await Promise.all([startTestSandbox(), startLoopbackConnector()]);
    adele = { id: '29:adele', aadObjectId: sandbox.users.approver, name: 'Adele Approver' };
    olivia = { id: '29:olivia', aadObjectId: sandbox.users.operator, name: 'Olivia Operator' };
    connector.roster = [adele, olivia];
    const config = sandboxConfig(sandbox, { APPROVAL_CHANNEL_ID: CHANNEL, APPROVER_GROUP_ID: sandbox.approverGroupId, ALLOWED_TENANT_IDS: TEAMS_TENANT });
    store = await openSqliteStore(':memory:');
    logs = captureLogs('warn');
    app = await createApp(config, { store, cloud: sandboxCloud(config), logger: logs.logger });
    url = `http://127.0.0.1:${await app.listen(0)}/api/messages`;
    // The bot learns the approvals channel from traffic there (as on install).
    await post(activity(olivia, { type: 'message', text: 'help' }));
  });
  afterEach(() => sandbox.faults.clear());
  afterAll(async () => {
    await app?.approvals.idle();
    await app?.close();
    await store?.close();
    await connector?.close();
    await sandbox?.close();
  });

  function activity(from: Member, fields: Record<string, unknown>) {
    return {
      id: `act-${Math.random().toString(36).slice(2)}`,
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      from,
      recipient: { id: '28:bot', name: 'CSP Onboarding' },
      conversation: { id: CHANNEL, tenantId: TEAMS_TENANT, conversationType: 'channel' },
      channelData: { tenant: { id: TEAMS_TENANT } },
      timestamp: new Date().toISOString(),
      ...fields,
    };
  }

  async function post(body: unknown): Promise<{ status: number }> {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await res.text();
    return { status: res.status };
  }

  const click = (from: Member, verb: string, data: Record<string, unknown>) =>
    post(activity(from, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' } }));

  /** As the dialog does: store the request, then hand it to the approvals (which post the card). */
  async function submit(): Promise<ServiceRequest> {
    const request = newCustomerRequest(sandbox, { conversationId: CHANNEL });
    await store.requests.create(request);
    await app.approvals.onSubmitted(request);
    return (await store.requests.get(request.id))!.value;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
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
    const posted = await until('the sweep to post the card', async () => (await store.requests.get(request.id))!.value.approvalCard);
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
    await app.approvals.idle();
    expect(warnings()).toContain('could not update the request card; the sweep sends it again');
    expect(apologies()).toHaveLength(0);

    const updated = await until('the sweep to update the card', () =>
      connector.sent.find((s) => s.method === 'PUT' && s.activityId === card.activityId && text(s).includes('Wrong country')),
    );
    expect(updated.conversationId).toBe(CHANNEL);
    expect(apologies()).toHaveLength(0);
  });
});
