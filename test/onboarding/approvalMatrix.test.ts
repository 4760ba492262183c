// Who may decide, checked on the real server: restify + CloudAdapter (local mode) + the bot, a real
// SQLite store, the real clients on the simulated cloud, and a loopback Bot Connector recording
// what Teams would receive. Every click is an `adaptiveCard/action` invoke POSTed to /api/messages.
import type { App } from '../../src/app';
import type { Config } from '../../src/config';
import type { OnboardingRequest, RequestId } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { captureLogs, type LogCapture } from '../support/logCapture';
import { cardAction, cardSubmit, message } from '../support/activities';
import { startBot as startDriver, type BotDriver } from '../support/botDriver';
import { startLoopbackConnector, type LoopbackConnector } from '../support/loopbackConnector';
import { FOREIGN_TENANT, REQUESTER, RITA, TEAMS_TENANT, directoryPeople, type TeamsUser } from '../support/people';
import { newCustomerRequest, sandboxCloud, sandboxConfig, startTestSandbox } from './support';

const CHANNEL = '19:approvals@thread.tacv2';

describe('approving on the card, decided on the server', () => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let store: BotStore;
  let bot: BotDriver;
  let app: App;
  let logs: LogCapture;
  let adele: TeamsUser; // approver (APPROVER_IDS)
  let nestor: TeamsUser; // approver through the nested Entra group
  let olivia: TeamsUser; // an operator, not an approver
  const rita: TeamsUser = RITA;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    connector = await startLoopbackConnector();
    ({ adele, nestor, olivia } = directoryPeople(sandbox));
    connector.roster = [adele, nestor, olivia, rita];
  });
  afterAll(async () => {
    await connector.close();
    await sandbox.close();
  });
  afterEach(async () => {
    await bot?.close();
    await store?.close();
  });

  async function startBot(extra: Record<string, string> = {}) {
    const config: Config = sandboxConfig(sandbox, {
      APPROVAL_CHANNEL_ID: CHANNEL,
      APPROVER_GROUP_ID: sandbox.approverGroupId,
      ALLOWED_TENANT_IDS: `${TEAMS_TENANT},${FOREIGN_TENANT}`,
      ...extra,
    });
    store = await openSqliteStore(':memory:');
    logs = captureLogs('warn');
    bot = await startDriver(config, { store, cloud: sandboxCloud(config), connector, logger: logs.logger });
    app = bot.app;
    // The bot learns the approvals channel from traffic there (as on install).
    await say(olivia, 'help', CHANNEL);
  }

  const say = (from: TeamsUser, text: string, conversationId: string) => bot.post(message(text, { from, conversation: conversationId, serviceUrl: connector.serviceUrl }));

  function click(who: TeamsUser, verb: string, data: Record<string, unknown>, options: { conversationId?: string; tenantId?: string; replyToId?: string } = {}) {
    const { conversationId = CHANNEL, ...rest } = options;
    return bot.post(cardAction(verb, data, { from: who, conversation: conversationId, serviceUrl: connector.serviceUrl, ...rest }));
  }

  /** Submitted as the dialog submits: through the intake, which stores it and posts the approval card. */
  async function submit(overrides: Partial<OnboardingRequest> = {}): Promise<OnboardingRequest> {
    const { kind, customer, subscription, registration, access, agreement, requester, teamsTenantId, conversationId, id } = newCustomerRequest(sandbox, overrides);
    const taken = await app.approvals.intake.submit({ kind, customer, subscription, registration, access, agreement }, { requester, teamsTenantId, conversationId }, `submit:${id}`);
    if (!taken.ok) throw new Error(`not taken in: ${taken.reason}`);
    return (await store.requests.get(taken.request.id))!.value as OnboardingRequest;
  }

  const status = async (id: RequestId) => (await store.requests.get(id))!.value.status;
  const trail = async (id: RequestId) => (await store.audit.list(id)).map((e) => `${e.action}:${e.actorName ?? e.actor}`);
  const cardText = (response: { body?: Record<string, unknown> }) => JSON.stringify(response.body?.value ?? '');
  const buttons = (card: unknown) => ((card as { actions?: Array<{ title: string }> }).actions ?? []).map((a) => a.title);

  it('posts the approval card to the approvals channel, buttons only through refresh for the approvers on the roster', async () => {
    await startBot();
    const request = await submit();
    expect(request.approvalCard?.conversationId).toBe(CHANNEL);
    const posted = connector.sent.find((s) => s.method === 'POST' && s.activityId === request.approvalCard!.activityId)!;
    const card = posted.activity.attachments![0].content as { refresh: { userIds: string[] }; actions?: unknown[] };
    expect(card.refresh.userIds.sort()).toEqual(['29:adele', '29:nestor']);
    expect(buttons(card)).toEqual([]);
    expect(JSON.stringify(card)).toContain(request.customer.domain);

    const forApprover = await click(adele, 'request.refresh', { requestId: request.id });
    expect(buttons(forApprover.body!.value)).toEqual(['Approve', 'Reject']);
    const forOperator = await click(olivia, 'request.refresh', { requestId: request.id });
    expect(buttons(forOperator.body!.value)).toEqual([]);
    // A refresh never updates the shared card (that loops).
    expect(connector.sent.filter((s) => s.method === 'PUT')).toHaveLength(0);
  });

  it('refuses a non-approver, the requester, a foreign tenant and a click from another conversation, and audits each', async () => {
    // The requester is an approver too: self-approval is what stops her.
    await startBot({ APPROVER_IDS: `${sandbox.users.approver},${REQUESTER.aadObjectId}` });
    const request = await submit();
    const refusals = [
      await click(olivia, 'request.approve', { requestId: request.id }),
      await click(rita, 'request.approve', { requestId: request.id }),
      await click({ ...adele }, 'request.approve', { requestId: request.id }, { tenantId: FOREIGN_TENANT }),
      await click(adele, 'request.approve', { requestId: request.id }, { conversationId: 'a:adele-1-1' }),
    ];
    expect(refusals.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(cardText(refusals[0])).toContain('Only approvers');
    expect(cardText(refusals[1])).toContain('another approver has to decide');
    // Another organisation's request does not exist for them (security item 8).
    expect(cardText(refusals[2])).toBe(JSON.stringify(`There is no request ${request.id}.`));
    expect(cardText(refusals[3])).toContain('cannot be decided from this conversation');
    expect(await status(request.id)).toBe('pending_approval');
    const audit = await store.audit.list(request.id);
    expect(audit.filter((e) => e.action === 'approved-refused').map((e) => e.data?.reason)).toEqual([
      'not-approver',
      'self-approval',
      'wrong-tenant',
      'wrong-conversation',
    ]);
  });

  it("another organisation's request does not exist for them: not through refresh, a refused click or status", async () => {
    await startBot();
    const request = await submit();
    const foreign = { tenantId: FOREIGN_TENANT };
    const answers = [
      await click(adele, 'request.refresh', { requestId: request.id }, foreign),
      await click(adele, 'request.approve', { requestId: request.id }, foreign),
      await click(adele, 'request.reject', { requestId: request.id }, foreign),
      await click(olivia, 'request.retry', { requestId: request.id }, foreign),
    ];
    for (const answer of answers) {
      expect(answer.body!.type).toBe('application/vnd.microsoft.activity.message');
      expect(cardText(answer)).toBe(JSON.stringify(`There is no request ${request.id}.`));
      expect(cardText(answer)).not.toContain(request.customer.domain);
    }
    await bot.post(message(`status ${request.id}`, { from: olivia, conversation: 'a:olivia-foreign', tenantId: FOREIGN_TENANT, serviceUrl: connector.serviceUrl }));
    const statusReply = connector.sent.filter((s) => s.conversationId === 'a:olivia-foreign').at(-1)!;
    expect(statusReply.activity.text).toBe(`There is no request ${request.id}.`);
    expect(await status(request.id)).toBe('pending_approval');
    // The same clicks from the request's own tenant do see it.
    expect(cardText(await click(olivia, 'request.approve', { requestId: request.id }))).toContain(request.customer.domain);
  });

  it('a click on a made-up request id is counted in the log, not audited', async () => {
    await startBot();
    const madeUp = ['ONB-ZZZZ', 'ONB-ZZZY', 'MAP-ZZZX'] as RequestId[];
    for (const id of madeUp) {
      const answer = await click(olivia, 'request.approve', { requestId: id });
      expect(cardText(answer)).toBe(JSON.stringify(`There is no request ${id}.`));
    }
    // The same button on an old client (Action.Submit: a message with the data in `value`) gets the answer as a reply.
    await bot.post(cardSubmit({ verb: 'request.approve', requestId: 'ONB-ZZZW' }, { from: olivia, conversation: 'a:olivia-old-client', serviceUrl: connector.serviceUrl }));
    expect(connector.sent.filter((s) => s.conversationId === 'a:olivia-old-client').at(-1)?.activity.text).toBe('There is no request ONB-ZZZW.');
    for (const id of [...madeUp, 'ONB-ZZZW']) expect(await store.audit.list(id as RequestId)).toEqual([]);
    const counted = logs.records().filter((r) => r.msg === 'refused an action on a request that does not exist (not audited)');
    expect(counted.map((r) => [r.requestId, r.unknownRequestRefusals])).toEqual([
      ['ONB-ZZZZ', 1],
      ['ONB-ZZZY', 2],
      ['MAP-ZZZX', 3],
      ['ONB-ZZZW', 4],
    ]);
  });

  it('an approver approves; the replay, a stale click and a click whose data names another request change nothing else', async () => {
    await startBot();
    const request = await submit();
    const other = await submit();
    const approved = await click(adele, 'request.approve', { requestId: request.id, status: 'rejected', approver: olivia.aadObjectId }, { replyToId: request.approvalCard!.activityId });
    expect(approved.body!.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardText(approved)).toContain('approved by Adele Approver');

    const replay = await click(adele, 'request.approve', { requestId: request.id });
    expect(cardText(replay)).toMatch(/already approved by Adele Approver at \d{4}-/);
    const stale = await click(nestor, 'request.reject', { requestId: request.id });
    expect(cardText(stale)).toMatch(/already approved by Adele Approver/);

    // The card's data is only an id: approving "other" from request's card decides "other", by the clicker, nothing more.
    const spoof = await click(olivia, 'request.approve', { requestId: other.id, by: adele.aadObjectId });
    expect(cardText(spoof)).toContain('Only approvers');
    expect(await status(other.id)).toBe('pending_approval');

    const stored = (await store.requests.get(request.id))!.value;
    expect(stored.decision).toMatchObject({ outcome: 'approved', by: { aadObjectId: adele.aadObjectId, name: 'Adele Approver' } });
    expect(await trail(request.id)).toEqual(expect.arrayContaining(['approved:Adele Approver', 'approved-refused:Adele Approver', 'rejected-refused:Nestor Finance']));
    // The shared card is updated in place for everyone.
    await app.approvals.idle();
    const updates = connector.sent.filter((s) => s.method === 'PUT' && s.activityId === request.approvalCard!.activityId);
    expect(updates.length).toBeGreaterThan(0);
    expect(JSON.stringify(updates.at(-1)!.activity)).toContain('Done: the customer is onboarded.');
  });

  it('two approvers clicking at the same moment: exactly one decision', async () => {
    await startBot();
    const request = await submit();
    const [a, b] = await Promise.all([
      click(adele, 'request.approve', { requestId: request.id }),
      click(nestor, 'request.reject', { requestId: request.id }).then(() => click(nestor, 'request.rejectConfirm', { requestId: request.id, reason: 'wrong registration' })),
    ]);
    const decisions = (await store.audit.list(request.id)).filter((e) => e.action === 'approved' || e.action === 'rejected');
    expect(decisions).toHaveLength(1);
    const winner = decisions[0].action;
    expect(await status(request.id)).not.toBe('pending_approval');
    const loser = winner === 'approved' ? b : a;
    expect(cardText(loser)).toMatch(/already (approved|rejected) by/);
  });

  it('two approvers approving at the same moment: one decision, one run, one customer', async () => {
    await startBot();
    const before = sandbox.state.counts().customersCreated;
    const request = await submit();
    const results = await Promise.all([click(adele, 'request.approve', { requestId: request.id }), click(nestor, 'request.approve', { requestId: request.id })]);
    const audit = await store.audit.list(request.id);
    expect(audit.filter((e) => e.action === 'approved')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'approved-refused')).toHaveLength(1);
    expect(results.filter((r) => /already approved by/.test(cardText(r)))).toHaveLength(1);
    await app.approvals.idle();
    expect(await status(request.id)).toBe('succeeded');
    expect(sandbox.state.counts().customersCreated - before).toBe(1);
  });

  it('reject asks for a reason, and keeps asking until one is given', async () => {
    await startBot();
    const request = await submit();
    const ask = await click(adele, 'request.reject', { requestId: request.id });
    expect(buttons(ask.body!.value)).toEqual(['Reject with this reason', 'Back']);
    expect(await status(request.id)).toBe('pending_approval');
    const empty = await click(adele, 'request.rejectConfirm', { requestId: request.id, reason: '   ' });
    expect(cardText(empty)).toContain('Give a reason');
    expect(await status(request.id)).toBe('pending_approval');
    const rejected = await click(adele, 'request.rejectConfirm', { requestId: request.id, reason: 'Wrong registration for this customer' });
    expect(cardText(rejected)).toContain('Wrong registration for this customer');
    const stored = (await store.requests.get(request.id))!.value;
    expect(stored.status).toBe('rejected');
    expect(stored.decision?.reason).toBe('Wrong registration for this customer');
    expect(stored.steps).toEqual([]);
  });

  it('with ALLOW_SELF_APPROVAL=true the requester (an approver) may approve their own request', async () => {
    await startBot({ ALLOW_SELF_APPROVAL: 'true', APPROVER_IDS: `${sandbox.users.approver},${REQUESTER.aadObjectId}` });
    const request = await submit();
    const response = await click(rita, 'request.approve', { requestId: request.id });
    expect(cardText(response)).toContain(`approved by ${REQUESTER.name}`);
    expect(await trail(request.id)).toContain(`approved:${REQUESTER.name}`);
  });

  it('with no approvers configured nobody can approve, and the card says so', async () => {
    await startBot({ APPROVER_IDS: '', APPROVER_GROUP_ID: '' });
    const request = await submit();
    const posted = connector.sent.find((s) => s.activityId === request.approvalCard!.activityId)!;
    expect(JSON.stringify(posted.activity)).toContain('No approvers are configured');
    const response = await click(adele, 'request.approve', { requestId: request.id });
    expect(cardText(response)).toContain('No approvers are configured');
    expect(await status(request.id)).toBe('pending_approval');
    expect((await store.audit.list(request.id)).map((e) => e.data?.reason)).toContain('no-approvers');
  });

  it('status, cancel and retry commands go through the same checks', async () => {
    await startBot();
    const request = await submit();
    await say(olivia, `status ${request.id}`, 'a:olivia-1-1');
    const statusReply = connector.sent.filter((s) => s.conversationId === 'a:olivia-1-1').at(-1)!;
    expect(statusReply.activity.text).toContain(request.id);
    expect(statusReply.activity.text).toContain('waiting for approval');
    expect(statusReply.activity.text).toContain('submitted');

    const cancelByOther = await app.approvals.lifecycle.cancel(request.id, { ...olivia, teamsUserId: olivia.id, tenantId: TEAMS_TENANT, conversationId: 'a:olivia-1-1' });
    expect(cancelByOther.ok).toBe(false);
    const cancelled = await app.approvals.lifecycle.cancel(request.id, { ...rita, teamsUserId: rita.id, tenantId: TEAMS_TENANT, conversationId: 'a:rita-1-1' });
    expect(cancelled.ok).toBe(true);
    const late = await click(adele, 'request.approve', { requestId: request.id });
    expect(cardText(late)).toContain('was cancelled');
    expect(await status(request.id)).toBe('cancelled');
  });

  it('a failed run: the card names the step and offers Retry and Abandon to approvers; a non-approver cannot, an approver abandons', async () => {
    await startBot();
    const { parseRegistrationId } = await import('../../src/onboarding/model');
    const request = await submit({ registration: parseRegistrationId(sandbox.registrations.notApproved) });
    await click(adele, 'request.approve', { requestId: request.id });
    await app.approvals.idle();
    const failed = (await store.requests.get(request.id))!.value;
    expect(failed.status).toBe('failed');
    const shared = connector.sent.filter((s) => s.method === 'PUT' && s.activityId === request.approvalCard!.activityId).at(-1)!;
    const sharedCard = JSON.stringify(shared.activity);
    expect(sharedCard).toContain('Failed at: Tenant mapping');
    expect(sharedCard).toContain('UnauthorizedCspRegistration');
    const forApprover = await click(nestor, 'request.refresh', { requestId: request.id });
    expect(buttons(forApprover.body!.value)).toEqual(['Retry', 'Abandon']);
    const refused = await click(olivia, 'request.retry', { requestId: request.id });
    expect(cardText(refused)).toContain('Only approvers');
    expect(await status(request.id)).toBe('failed');
    const abandoned = await click(nestor, 'request.abandon', { requestId: request.id });
    expect(cardText(abandoned)).toContain('Abandoned');
    expect(await status(request.id)).toBe('abandoned');
    expect(await trail(request.id)).toEqual(expect.arrayContaining(['step-failed:bot', 'retried-refused:Olivia Operator', 'abandoned:Nestor Finance']));
    // The next request on that registration shows what Azure said, with the date.
    const next = await submit({ registration: parseRegistrationId(sandbox.registrations.notApproved) });
    const nextCard = connector.sent.find((s) => s.activityId === next.approvalCard!.activityId)!;
    expect(JSON.stringify(nextCard.activity)).toMatch(/not approved for multi-tenant billing on \d{4}-\d{2}-\d{2}/);
  });

  it('a request made in a 1:1 chat with no approvals channel goes to each approver\'s own chat; with none reachable the requester is told', async () => {
    await startBot({ APPROVAL_CHANNEL_ID: '' });
    await say(rita, 'help', 'a:rita-1-1');
    const unreachable = await submit({ conversationId: 'a:rita-1-1' });
    expect(unreachable.approvalCard).toBeUndefined();
    const told = connector.sent.filter((s) => s.conversationId === 'a:rita-1-1').at(-1)!;
    expect(told.activity.text).toContain('could not reach any approver');
    expect((await store.audit.list(unreachable.id)).map((e) => e.action)).toContain('approval-unreachable');

    await say(adele, 'help', 'a:adele-1-1');
    await say(nestor, 'help', 'a:nestor-1-1');
    await say(olivia, 'help', 'a:olivia-1-1');
    const request = await submit({ conversationId: 'a:rita-1-1' });
    const chats = [request.approvalCard!, ...(request.approvalCopies ?? [])].map((c) => c.conversationId).sort();
    expect(chats).toEqual(['a:adele-1-1', 'a:nestor-1-1']);
    const approved = await click(nestor, 'request.approve', { requestId: request.id }, { conversationId: 'a:nestor-1-1' });
    expect(cardText(approved)).toContain('approved by Nestor Finance');
    const late = await click(adele, 'request.approve', { requestId: request.id }, { conversationId: 'a:adele-1-1' });
    expect(cardText(late)).toMatch(/already approved by Nestor Finance/);
  });
});

