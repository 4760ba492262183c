// Approvals the way approvers work (issue 14), told through the bot on SQLite and on Blob (Azurite):
// the approval card mentions the approvers, a failed or paused run mentions the requester, reminders
// and expiry follow a fake clock and happen once across two instances, the two-person rule counts
// each approver once, and `status` pages the whole trail. The real server (restify + CloudAdapter in
// local mode), the real clients on the simulated cloud, a loopback Bot Connector recording what
// Teams would receive.
import type { App } from '../../src/app';
import type { Config } from '../../src/config';
import { parseRegistrationId, type OnboardingRequest, type RequestId } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openBlobStore, openSqliteStore, type BotStore } from '../../src/store';
import { startBot as startDriver, type BotDriver } from '../support/botDriver';
import { startLoopbackConnector, type LoopbackConnector, type SentActivity } from '../support/loopbackConnector';
import { startAzurite, type AzuriteBlob } from '../support/azurite';
import { RITA, directoryPeople, type TeamsUser } from '../support/people';
import { texts, buttonTitles, type Card } from '../support/cardQueries';
import { waitFor } from '../support/waitFor';
import { newCustomerRequest, sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';

const CHANNEL = '19:approvals@thread.tacv2';
const HOUR = 3_600_000;

describe.each(['sqlite', 'blob'] as const)('approvals the way approvers work, on %s', (storeKind) => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let azurite: AzuriteBlob | undefined;
  let store: BotStore;
  let bots: BotDriver[] = [];
  let clock: number;
  let adele: TeamsUser;
  let nestor: TeamsUser;
  let olivia: TeamsUser;
  const rita = RITA;
  let containers = 0;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    connector = await startLoopbackConnector();
    ({ adele, nestor, olivia } = directoryPeople(sandbox));
    if (storeKind === 'blob') azurite = await startAzurite();
  });
  afterAll(async () => {
    await connector.close();
    await sandbox.close();
    await azurite?.close();
  });
  beforeEach(() => {
    clock = Date.now();
    connector.roster = [adele, nestor, olivia, rita];
  });
  afterEach(async () => {
    for (const bot of bots) await bot.close();
    bots = [];
    await store?.close();
  });

  async function openStore(): Promise<BotStore> {
    if (storeKind === 'sqlite') return openSqliteStore(':memory:');
    return openBlobStore({ connectionString: azurite!.connectionString, container: `approvals-${process.pid}-${++containers}` });
  }

  /** A bot on the shared store (a second call: another instance of the same bot), its clock the test's. */
  async function startBot(extra: Record<string, string> = {}): Promise<App> {
    const config: Config = sandboxConfig(sandbox, { APPROVAL_CHANNEL_ID: CHANNEL, APPROVER_GROUP_ID: sandbox.approverGroupId, ...extra });
    if (bots.length === 0) store = await openStore();
    const bot = await startDriver(config, { store, cloud: sandboxCloud(config), connector, now: () => new Date(clock) });
    bots.push(bot);
    // The bot learns the approvals channel and the requester's chat from traffic there (as on install).
    await bot.as(olivia, CHANNEL).say('help');
    await bot.as(rita, 'a:requester-chat').say('help');
    return bot.app;
  }

  const app = () => bots[0].app;
  const chat = (who: TeamsUser, conversation: string = CHANNEL) => bots[0].as(who, conversation);

  async function submit(overrides: Partial<OnboardingRequest> = {}): Promise<OnboardingRequest> {
    const { kind, customer, subscription, registration, access, agreement, requester, teamsTenantId, conversationId, id } = newCustomerRequest(sandbox, overrides);
    const taken = await app().approvals.intake.submit({ kind, customer, subscription, registration, access, agreement }, { requester, teamsTenantId, conversationId }, `submit:${id}`);
    if (!taken.ok) throw new Error(`not taken in: ${taken.reason}`);
    return (await store.requests.get(taken.request.id))!.value as OnboardingRequest;
  }

  const stored = async (id: RequestId) => (await store.requests.get(id))!.value;
  const actions = async (id: RequestId) => (await store.audit.list(id)).map((e) => e.action);
  const answerCard = (answer: { body?: Record<string, unknown> }) => answer.body?.value as Card;
  const answerText = (answer: { body?: Record<string, unknown> }) => JSON.stringify(answer.body?.value ?? '');
  const threadOf = (request: OnboardingRequest) => `${CHANNEL};messageid=${request.approvalCard!.activityId}`;
  const repliesIn = (conversationId: string) => connector.sent.filter((s) => s.method === 'POST' && s.conversationId === conversationId);
  const remindersIn = (conversationId: string) => repliesIn(conversationId).filter((s) => s.activity.text?.includes('still waits for your approval'));
  const mentioned = (sent: SentActivity) => ((sent.activity.entities as Array<{ type: string; mentioned: { id: string } }> | undefined) ?? []).filter((e) => e.type === 'mention').map((e) => e.mentioned.id).sort();
  const lastUpdate = (request: OnboardingRequest) => connector.sent.filter((s) => s.method === 'PUT' && s.activityId === request.approvalCard!.activityId).at(-1)!;
  const updatedCard = (request: OnboardingRequest) => lastUpdate(request).activity.attachments![0].content as Card;

  /** A sweep already under way may have read the clock before it moved: the second pass reads it after. */
  async function sweep() {
    await app().approvals.sweepWaitingApprovals();
    await app().approvals.sweepWaitingApprovals();
    await app().approvals.idle();
  }

  it('the approval card is followed by a reply in its thread mentioning the approvers in the channel, not the requester nor an operator', async () => {
    await startBot({ APPROVER_IDS: `${sandbox.users.approver},${rita.aadObjectId}` });
    const request = await submit();
    const [posted] = repliesIn(threadOf(request));
    expect(mentioned(posted)).toEqual(['29:adele', '29:nestor']);
    expect(posted.activity.text).toBe(`<at>Adele Approver</at>, <at>Nestor Finance</at>: request ${request.id} from Rita Requester waits for your approval.`);
    // Each entity's text is exactly the tag in the message (Teams drops a mention that does not match).
    for (const entity of posted.activity.entities as Array<{ text: string }>) expect(posted.activity.text).toContain(entity.text);
  });

  it('more than 20 approvers: 20 mentions and a summary line', async () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ id: `29:approver-${i}`, name: `Approver ${i}`, aadObjectId: `0000aaaa-0000-4000-8000-${String(i).padStart(12, '0')}` }));
    connector.roster = [...many, rita, olivia];
    await startBot({ APPROVER_GROUP_ID: '', APPROVER_IDS: many.map((m) => m.aadObjectId).join(',') });
    const request = await submit();
    const [posted] = repliesIn(threadOf(request));
    expect(mentioned(posted)).toHaveLength(20);
    expect(posted.activity.text).toMatch(/<at>Approver 19<\/at> and 5 more approvers: request/);
  });

  it('two approvals required: "1 of 2 approvals" and who, the same person and the requester never count, the second approves once', async () => {
    await startBot({ APPROVALS_REQUIRED: '2', ALLOW_SELF_APPROVAL: 'true', APPROVER_IDS: `${sandbox.users.approver},${rita.aadObjectId}` });
    const request = await submit();
    const first = await chat(adele).invoke('request.approve', { requestId: request.id });
    expect(texts(answerCard(first))).toContain(`1 of 2 approvals: approved by Adele Approver (${new Date(clock).toISOString().slice(0, 16).replace('T', ' ')} UTC)`);
    expect((await stored(request.id)).status).toBe('pending_approval');

    expect(answerText(await chat(adele).invoke('request.approve', { requestId: request.id }))).toContain('You already approved');
    // Even with ALLOW_SELF_APPROVAL, the requester is never one of the two.
    expect(answerText(await chat(rita).invoke('request.approve', { requestId: request.id }))).toContain('it needs 2 other approvers');
    expect((await stored(request.id)).approvals).toHaveLength(1);

    const second = await chat(nestor).invoke('request.approve', { requestId: request.id });
    expect(answerText(second)).toContain('approved by Adele Approver and Nestor Finance');
    const decided = await stored(request.id);
    expect(decided.approvals!.map((a) => a.by.name)).toEqual(['Adele Approver', 'Nestor Finance']);
    expect(decided.decision).toMatchObject({ outcome: 'approved', by: { name: 'Nestor Finance' } });
    await app().approvals.idle();
    expect(await actions(request.id)).toEqual(expect.arrayContaining(['approved', 'approved-refused', 'approved']));
    expect((await store.audit.list(request.id)).filter((e) => e.action === 'approved').map((e) => e.detail)).toEqual([
      'Approved by Adele Approver (1 of 2 approvals).',
      'Approved by Nestor Finance (2 of 2 approvals).',
    ]);
    expect((await stored(request.id)).status).toBe('succeeded');
    expect(texts(updatedCard(request)).join('\n')).toContain('approved by Adele Approver and Nestor Finance');
  });

  it('two approvers at once on two instances: both counted, one approval, one run; a single Reject ends another', async () => {
    await startBot({ APPROVALS_REQUIRED: '2' });
    await startBot({ APPROVALS_REQUIRED: '2' });
    const request = await submit();
    const [a, b] = await Promise.all([bots[0].as(adele, CHANNEL).invoke('request.approve', { requestId: request.id }), bots[1].as(nestor, CHANNEL).invoke('request.approve', { requestId: request.id })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const decided = await stored(request.id);
    expect(decided.approvals!.map((v) => v.by.name).sort()).toEqual(['Adele Approver', 'Nestor Finance']);
    for (const bot of bots) await bot.app.approvals.idle();
    expect((await actions(request.id)).filter((x) => x === 'approved')).toHaveLength(2);
    expect((await stored(request.id)).status).toBe('succeeded');
    expect(sandbox.state.counts().checkouts).toBeGreaterThan(0);

    const other = await submit();
    await chat(adele).invoke('request.approve', { requestId: other.id });
    const rejected = await chat(nestor).invoke('request.rejectConfirm', { requestId: other.id, reason: 'wrong customer' });
    expect(answerText(rejected)).toContain('Rejected by Nestor Finance');
    expect((await stored(other.id)).status).toBe('rejected');
  });

  it('reminds the approvers once per period in the thread, then expires: card without buttons, requester told, Submit again by the requester only', async () => {
    await startBot({ APPROVAL_REMIND_HOURS: '1.5', APPROVAL_EXPIRE_HOURS: '4' });
    const checkoutsBefore = sandbox.state.counts().checkouts;
    const request = await submit();
    const thread = threadOf(request);

    clock += 1.4 * HOUR;
    await sweep();
    expect(remindersIn(thread)).toHaveLength(0);

    clock += 0.2 * HOUR;
    await sweep();
    await sweep();
    expect(remindersIn(thread)).toHaveLength(1);
    expect(mentioned(remindersIn(thread)[0])).toEqual(['29:adele', '29:nestor']);
    expect(remindersIn(thread)[0].activity.text).toContain(`request ${request.id} from Rita Requester still waits for your approval`);

    clock += 1.5 * HOUR;
    await sweep();
    expect(remindersIn(thread)).toHaveLength(2);
    expect((await stored(request.id)).remindersSent).toBe(2);

    clock += 1 * HOUR; // 4.1 h: expired, no third reminder
    await sweep();
    expect((await stored(request.id)).status).toBe('expired');
    expect(remindersIn(thread)).toHaveLength(2);
    const expiredReply = repliesIn(thread).at(-1)!;
    expect(mentioned(expiredReply)).toEqual(['29:rita']);
    expect(expiredReply.activity.text).toContain('expired: nobody decided in time, so nothing was run');
    expect(repliesIn('a:requester-chat').at(-1)!.activity.text).toContain(`request ${request.id} expired`);
    const expiredCard = updatedCard(request);
    expect(texts(expiredCard).join('\n')).toMatch(/Expired on .*nothing was run/);
    expect(buttonTitles(expiredCard)).toEqual(['Submit again']);
    expect(await actions(request.id)).toEqual(expect.arrayContaining(['reminded', 'reminded', 'expired']));
    expect(sandbox.state.counts().checkouts).toBe(checkoutsBefore);

    // Nothing runs from an expired request, and only its requester submits it again.
    expect(answerText(await chat(adele).invoke('request.approve', { requestId: request.id }))).toContain('expired');
    expect(answerText(await chat(olivia).invoke('request.resubmit', { requestId: request.id }))).toContain('Only Rita Requester');
    const again = await chat(rita).invoke('request.resubmit', { requestId: request.id });
    expect(texts(answerCard(again))[0]).toContain('Approval needed');
    const resubmitted = await stored(request.id);
    expect(resubmitted).toMatchObject({ status: 'pending_approval', remindersSent: 0, waitingSince: new Date(clock).toISOString() });
    await app().approvals.idle();
    expect(mentioned(repliesIn(thread).at(-1)!)).toEqual(['29:adele', '29:nestor']);
    expect(repliesIn(thread).at(-1)!.activity.text).toContain('was submitted again by Rita Requester');
    // Its clock starts afresh.
    clock += 1 * HOUR;
    await sweep();
    expect((await stored(request.id)).status).toBe('pending_approval');
  });

  it('two instances sweeping at the same moment post one reminder and expire once', async () => {
    await startBot({ APPROVAL_REMIND_HOURS: '1', APPROVAL_EXPIRE_HOURS: '2' });
    await startBot({ APPROVAL_REMIND_HOURS: '1', APPROVAL_EXPIRE_HOURS: '2' });
    const request = await submit();
    const both = async () => {
      await Promise.all(bots.map((b) => b.app.approvals.sweepWaitingApprovals()));
      await Promise.all(bots.map((b) => b.app.approvals.sweepWaitingApprovals()));
      for (const b of bots) await b.app.approvals.idle();
    };
    clock += 1.01 * HOUR;
    await both();
    expect(remindersIn(threadOf(request))).toHaveLength(1);
    clock += 1 * HOUR;
    await both();
    expect((await actions(request.id)).filter((a) => a === 'expired')).toHaveLength(1);
    expect(remindersIn(threadOf(request))).toHaveLength(1);
    expect(repliesIn(threadOf(request)).filter((s) => s.activity.text?.includes('expired'))).toHaveLength(1);
  });

  it('the sweep runs by itself: a reminder falling due is posted without anyone asking', async () => {
    await startBot({ APPROVAL_REMIND_HOURS: '0.5' });
    const request = await submit();
    clock += 0.5 * HOUR;
    // The timer sweeps every 10 s (WAITING_SWEEP_MS); the wait's bound is only a safety net.
    expect(remindersIn(threadOf(request))).toHaveLength(0);
    await waitFor(() => remindersIn(threadOf(request)).length === 1, { timeoutMs: 25_000, what: 'the reminder' });
    expect(mentioned(remindersIn(threadOf(request))[0])).toEqual(['29:adele', '29:nestor']);
  });

  it('a failed run and a paused run post a reply that mentions the requester and the approvers', async () => {
    await startBot({ PARTNER_CENTER_REFRESH_TOKEN: '' });
    const failing = await submit({ registration: parseRegistrationId(sandbox.registrations.capacity) });
    await chat(adele).invoke('request.approve', { requestId: failing.id });
    await app().approvals.idle();
    expect((await stored(failing.id)).status).toBe('failed');
    const failedReply = repliesIn(threadOf(failing)).at(-1)!;
    expect(mentioned(failedReply)).toEqual(['29:adele', '29:nestor', '29:rita']);
    expect(failedReply.activity.text).toMatch(new RegExp(`^<at>Rita Requester</at>, .*request ${failing.id} failed: .*Retry`));

    const pausing = await submit({ agreement: undefined });
    await chat(nestor).invoke('request.approve', { requestId: pausing.id });
    await waitFor(async () => (await stored(pausing.id)).status === 'paused', { what: 'the pause' });
    await app().approvals.idle();
    const pausedReply = repliesIn(threadOf(pausing)).at(-1)!;
    expect(mentioned(pausedReply)).toEqual(['29:adele', '29:nestor', '29:rita']);
    expect(pausedReply.activity.text).toContain('**Continue**');
  });

  it('status shows the whole trail a page at a time', async () => {
    await startBot();
    const request = await submit();
    // 30 refused clicks make a trail longer than one page.
    for (let i = 0; i < 30; i++) await chat(olivia).invoke('request.approve', { requestId: request.id });
    const total = (await store.audit.list(request.id)).length;
    expect(total).toBeGreaterThan(30);
    const first = await chat(olivia, 'a:olivia-1-1').reply(`status ${request.id}`);
    expect(first.activity.text).toContain(`**Audit trail** (entries 1–25 of ${total}, page 1 of 2)`);
    expect(first.activity.text).toContain('submitted');
    expect(first.activity.text).toContain(`Type \`status ${request.id} 2\` for the next page.`);
    const second = await chat(olivia, 'a:olivia-1-1').reply(`status ${request.id} 2`);
    expect(second.activity.text).toContain(`(entries 26–${total} of ${total}, page 2 of 2)`);
    expect(second.activity.text).not.toContain('for the next page');
    expect((second.activity.text!.match(/approved-refused/g) ?? []).length).toBe(total - 25);
  });
  describe('the pending inbox', () => {
    const rowTitles = (card: Card) => texts(card).filter((t) => /^(ONB|MAP|DEL)-/.test(t));

    it("an approver's inbox in a personal chat: the requests waiting for them, Approve and Reject acting like the card's", async () => {
      await startBot();
      const first = await submit();
      clock += 3 * HOUR;
      const second = await submit();
      const adeleChat = chat(adele, 'a:adele-1-1');
      const inbox = await adeleChat.card('pending');
      expect(texts(inbox)[0]).toBe('Pending: waiting for your decision');
      expect(rowTitles(inbox)).toEqual([`${first.id} · Onboard ${first.customer.companyName} (${first.customer.domain})`, `${second.id} · Onboard ${second.customer.companyName} (${second.customer.domain})`]);
      expect(texts(inbox)).toContain('Waiting for your decision for 3 h · requested by Rita Requester');
      expect(buttonTitles(inbox).filter((t) => t === 'Approve')).toHaveLength(2);

      const approved = answerCard(await adeleChat.invoke('inbox.approve', { requestId: first.id, page: 1 }));
      expect(texts(approved)).toContain(`Approved ${first.id}: the run starts.`);
      expect(rowTitles(approved)).toHaveLength(1);
      expect((await stored(first.id)).decision).toMatchObject({ outcome: 'approved', by: { name: 'Adele Approver' } });
      expect((await store.audit.list(first.id)).find((e) => e.action === 'approved')!.detail).toBe('Approved by Adele Approver from their pending inbox.');
      await app().approvals.idle();
      // The shared card in the channel follows, as after a click on it.
      expect(texts(updatedCard(first)).join('\n')).toContain('approved by Adele Approver');

      const noReason = answerCard(await adeleChat.invoke('inbox.reject', { requestId: second.id, page: 1 }));
      expect(texts(noReason)).toContain(`Give a reason to reject ${second.id}, so the requester knows what to change.`);
      expect((await stored(second.id)).status).toBe('pending_approval');
      const rejected = answerCard(await adeleChat.invoke('inbox.reject', { requestId: second.id, page: 1, [`reason-${second.id}`]: 'not our customer' }));
      expect(texts(rejected)).toContain(`Rejected ${second.id}.`);
      expect((await stored(second.id)).decision).toMatchObject({ outcome: 'rejected', reason: 'not our customer' });
      expect(texts(rejected)).toContain('Nothing waits for your decision, and you have no open requests.');
    });

    it("a requester's inbox lists their own open requests with Cancel; nobody else's inbox decides for them", async () => {
      await startBot();
      const request = await submit();
      const ritaInbox = await chat(rita, 'a:requester-chat').card('pending');
      expect(texts(ritaInbox)[0]).toBe('Pending: your open requests');
      expect(texts(ritaInbox)).toContain('Your request · waiting for approval for 0 min');
      expect(buttonTitles(ritaInbox)).toEqual(expect.arrayContaining(['Cancel']));
      expect(buttonTitles(ritaInbox)).not.toContain('Approve');
      // A crafted Approve from an operator's inbox is refused by the same policy as the card.
      const crafted = answerCard(await chat(olivia, 'a:olivia-1-1').invoke('inbox.approve', { requestId: request.id, page: 1 }));
      expect(texts(crafted)).toContain(`Only approvers can decide request ${request.id}.`);
      const cancelled = answerCard(await chat(rita, 'a:requester-chat').invoke('inbox.cancel', { requestId: request.id, page: 1 }));
      expect(texts(cancelled)).toContain(`Cancelled ${request.id}; nothing was changed in Partner Center or Azure.`);
      expect((await stored(request.id)).status).toBe('cancelled');
    });

    it('works in a channel, counts a two-person approval, and pages long lists under 28 KB', async () => {
      await startBot({ APPROVALS_REQUIRED: '2' });
      const long = 'Contoso Holdings International Worldwide Incorporated '.repeat(4).trim();
      const requests: OnboardingRequest[] = [];
      for (let i = 0; i < 10; i++) {
        clock += 60_000; // oldest first
        const r = newCustomerRequest(sandbox);
        requests.push(await submit({ customer: { ...(r.customer as Extract<OnboardingRequest['customer'], { kind: 'new' }>), companyName: `${long} ${i}` } }));
      }
      const inChannel = chat(adele, CHANNEL);
      const page1 = await inChannel.card('pending');
      expect(texts(page1)).toContain('10 waiting for you · 0 of your own open · page 1 of 2');
      expect(rowTitles(page1)).toHaveLength(8);
      expect(Buffer.byteLength(JSON.stringify(page1))).toBeLessThan(28 * 1024);
      const page2 = answerCard(await inChannel.invoke('inbox.page', { page: 2 }));
      expect(rowTitles(page2).map((t) => t.slice(0, 8))).toEqual(requests.slice(8).map((r) => r.id));
      expect(buttonTitles(page2)).toEqual(expect.arrayContaining(['Previous page']));

      const counted = answerCard(await inChannel.invoke('inbox.approve', { requestId: requests[9].id, page: 2 }));
      expect(texts(counted)).toContain(`Your approval of ${requests[9].id} is counted (1 so far); it needs another approver.`);
      expect(rowTitles(counted)).toHaveLength(1);
      const nestorInbox = await chat(nestor, 'a:nestor-1-1').card('pending 2');
      expect(texts(nestorInbox)).toEqual(expect.arrayContaining([expect.stringContaining('1 of 2 approvals (Adele Approver)')]));
      expect((await stored(requests[9].id)).status).toBe('pending_approval');
    });
  });
});

