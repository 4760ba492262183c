// Hostile input on the real edge: restify + CloudAdapter (local mode) + the whole app on SQLite and
// the simulated cloud, replies to a loopback connector. Bodies that are not activities are refused
// before a turn runs; every card verb the bot registers is clicked with generated hostile data
// (missing fields, wrong types, huge strings, control characters, path tricks inside ids meant for
// ARM resource ids, request ids that do not exist). Each gets a clear answer, nothing is stored,
// nothing reaches Partner Center, Graph or ARM, and nothing is thrown past the handler.
import type { App } from '../../src/app';
import { REQUEST_VERBS } from '../../src/cards/requestCards';
import { TENANT_VERBS } from '../../src/features/tenants/tenantFeature';
import { VERBS as ONBOARD_VERBS } from '../../src/dialogs/onboardingDialog';
import { ACCESS_FIELDS, BILLING_FIELDS, COMPANY_FIELDS, CUSTOMER_SEARCH_FIELDS, SUBSCRIPTION_FIELDS } from '../../src/cards/onboardingFields';
import type { OnboardingRequest } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { startLoopbackConnector, type LoopbackConnector } from '../support/loopbackConnector';
import { newCustomerRequest, sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';
import { texts, type Card } from '../support/cardQueries';
import { captureLogs, type LogCapture } from '../support/logCapture';
import { HOSTILE_NAME, cardMarkup, rawMarkup, shownText } from '../support/markdownInjection';
import { APPROVALS_CHANNEL, cardAction, cardSubmit, message } from '../support/activities';
import { postActivity, startBot, type BotDriver, type PostResult } from '../support/botDriver';
import { TEAMS_TENANT, directoryPeople, type TeamsUser } from '../support/people';
import { waitFor } from '../support/waitFor';

jest.setTimeout(180_000);

/** Values no honest card sends. Each one is put into every field a verb reads. */
const HOSTILE: Array<[string, unknown]> = [
  ['missing', undefined],
  ['null', null],
  ['a number', 42],
  ['a negative number', -1],
  ['a huge number', 1.7e308],
  ['a boolean', true],
  ['an array', ['ONB-AAAAAA', '../x']],
  ['an object', { $ne: null, toString: 'x' }],
  ['an empty string', ''],
  ['only spaces', '   \t '],
  // Far over every field's limit, yet in every one of the onboarding cards' inputs at once the
  // activity stays under the server's 256 KB body limit, so it reaches the parsers.
  ['a long string', 'Ä'.repeat(3000)],
  ['control characters', 'ONB-\u0000\u0007\u001b[2J\r\nX'],
  ['a forged log line', 'ONB-AAAAAA\n{"level":"fatal","msg":"forged"}'],
  ['a parent path', '../../../../etc/passwd'],
  ['an ARM path trick', '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/x/../../providers/Microsoft.Authorization/roleAssignments/y'],
  ['an encoded path trick', '..%2F..%2Fproviders%2FMicrosoft.Authorization%2FroleAssignments'],
  ['a slash inside an id', 'ONB-AB/../CD'],
  ['a GUID with a path after it', '3f15978e-005c-4763-bb78-2a8fab289c58/../../providers/x'],
  ['a GUID with a query', '3f15978e-005c-4763-bb78-2a8fab289c58?api-version=2015-07-01&x='],
  ['a request id that does not exist', 'ONB-ZZZZZZ'],
  ['markup and a mention', '<at>Adele Approver</at><script>alert(1)</script>'],
  ['a template expression', '${$root.draft.ownerId} {{secret}}'],
  ['right-to-left override', '\u202eevil.com'],
  ['a lone surrogate', '\ud800'],
  ['SQL', "' OR '1'='1'; DROP TABLE requests; --"],
  ['__proto__', '__proto__'],
];

const REQUEST_FIELDS = ['requestId', 'reason'];
const TENANT_FIELDS = ['registration', 'page', 'search', 'fresh', 'azureSubscriptionId', 'customerTenantId'];
const ONBOARD_FIELDS = [
  ...CUSTOMER_SEARCH_FIELDS,
  ...COMPANY_FIELDS,
  ...BILLING_FIELDS,
  ...SUBSCRIPTION_FIELDS,
  ...ACCESS_FIELDS,
  'customerTenantId',
  'registrationId',
  'section',
  'page',
  'ownerId',
  'ownerName',
];

function hostileData(fields: readonly string[], value: unknown, keep: Record<string, unknown> = {}): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const field of fields) if (value !== undefined) data[field] = value;
  return { ...data, ...keep };
}

const CARD = 'application/vnd.microsoft.card.adaptive';
const MESSAGE = 'application/vnd.microsoft.activity.message';
const ERROR = 'application/vnd.microsoft.error';

describe('hostile input on the real server', () => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let store: BotStore;
  let bot: BotDriver;
  let app: App;
  let url: string;
  let logs: LogCapture;
  let pending: OnboardingRequest;
  let adele: TeamsUser;
  let olivia: TeamsUser;

  beforeAll(async () => {
    [sandbox, connector] = await Promise.all([startTestSandbox(), startLoopbackConnector()]);
    ({ adele, olivia } = directoryPeople(sandbox));
    connector.roster = [adele, olivia];
    const config = sandboxConfig(sandbox, {
      APPROVAL_CHANNEL_ID: APPROVALS_CHANNEL,
      APPROVER_GROUP_ID: sandbox.approverGroupId,
      ALLOWED_TENANT_IDS: TEAMS_TENANT,
      REGISTRATIONS: [sandbox.registrations.payAsYouUse, sandbox.registrations.capacity].join(','),
    });
    logs = captureLogs('debug');
    store = await openSqliteStore(':memory:');
    bot = await startBot(config, { store, cloud: sandboxCloud(config), logger: logs.logger, connector });
    ({ app, url } = bot);
    await postActivity(url, message('help', { from: adele, conversation: APPROVALS_CHANNEL, serviceUrl: connector.serviceUrl }));
    pending = newCustomerRequest(sandbox);
    await store.requests.create(pending);
    await app.approvals.onSubmitted(pending);
    pending = (await store.requests.get(pending.id))!.value as OnboardingRequest;
    expect(pending.approvalCard?.conversationId).toBe(APPROVALS_CHANNEL);
  });
  afterAll(async () => {
    await bot?.close();
    await store?.close();
    await connector?.close();
    await sandbox?.close();
  });

  /** What must not change: every stored request (with its version) and the calls that change the cloud. */
  async function snapshot() {
    const requests = (await store.requests.list()).map((r) => `${r.value.id}@${r.etag}:${r.value.status}`).sort();
    const writes = sandbox.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD' && !r.path.endsWith('/checkMemberGroups') && (r.service === 'partnercenter' || r.service === 'graph' || r.service === 'arm')).length;
    return { requests, writes, counts: sandbox.state.counts() };
  }

  /** A clear answer, never a crash: a card or a plain message (or botbuilder's 400 error response for a malformed invoke). */
  function expectClearAnswer(result: PostResult, what: string) {
    const type = result.body?.type;
    if (result.status !== 200 || (type !== CARD && type !== MESSAGE)) {
      expect({ what, status: result.status, type }).toEqual({ what, status: 400, type: ERROR });
    }
    expect(result.text).not.toMatch(/reference [A-Z2-9]{8}|at .*\.(ts|js):\d+|TypeError|ReferenceError/);
  }

  let logMark = 0;
  beforeEach(() => {
    logMark = logs.lines.length;
  });

  /** Nothing escaped a handler since the test began: no turn error, no error log, no polluted prototype. */
  function expectNothingThrown() {
    const bad = logs.records().slice(logMark).filter((r) => r.level === 'error' || r.level === 'fatal' || r.msg === 'turn failed');
    expect(bad).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }

  const pathsSince = (start: number) => sandbox.requests.slice(start).map((r) => r.path);

  describe('bodies that are not activities', () => {
    const bodies: Array<[string, number, string, string]> = [
      ['malformed JSON', 400, 'application/json', '{"type": "message", "text": '],
      ['an oversized body', 413, 'application/json', JSON.stringify({ type: 'message', text: 'x'.repeat(300 * 1024) })],
      ['a JSON array', 400, 'application/json', '[{"type":"message"}]'],
      ['a JSON string', 400, 'application/json', '"message"'],
      ['JSON null', 400, 'application/json', 'null'],
      ['an activity without a type', 400, 'application/json', JSON.stringify({ text: 'help', channelId: 'msteams', serviceUrl: 'http://127.0.0.1:9/' })],
      ['a form body', 415, 'application/x-www-form-urlencoded', 'type=message&text=help'],
      ['an unknown content type', 415, 'application/xml', '<activity type="message"/>'],
    ];

    it.each(bodies)('%s → %i, before any turn runs', async (_what, status, contentType, raw) => {
      const sentBefore = connector.sent.length;
      const referencesBefore = (await store.conversations.list()).length;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body: raw });
      expect(res.status).toBe(status);
      // A turn's replies reach the connector before its HTTP answer: none came.
      expect(connector.sent.length).toBe(sentBefore);
      expect((await store.conversations.list()).length).toBe(referencesBefore);
      expectNothingThrown();
    });
  });

  it('approval buttons (every request.* verb) with hostile data: refused plainly, nothing decided or stored', async () => {
    const before = await snapshot();
    const auditBefore = (await store.audit.list(pending.id)).length;
    const start = sandbox.requests.length;
    for (const verb of Object.values(REQUEST_VERBS)) {
      for (const [what, value] of HOSTILE) {
        const result = await postActivity(url, cardAction(verb, hostileData(REQUEST_FIELDS, value), { from: adele, conversation: APPROVALS_CHANNEL, serviceUrl: connector.serviceUrl }));
        expectClearAnswer(result, `${verb} with ${what}`);
        expect({ verb, what, status: result.status }).toEqual({ verb, what, status: 200 });
      }
    }
    expect(await snapshot()).toEqual(before);
    expect((await store.audit.list(pending.id)).length).toBe(auditBefore);
    expect(pathsSince(start).filter((p) => p.includes('..'))).toEqual([]);
    expectNothingThrown();
  });

  it('a well-formed request id that does not exist: "there is no request", nothing stored', async () => {
    const before = await snapshot();
    for (const verb of [REQUEST_VERBS.approve, REQUEST_VERBS.rejectConfirm, REQUEST_VERBS.retry, REQUEST_VERBS.abandon, REQUEST_VERBS.continue, REQUEST_VERBS.refresh]) {
      const result = await postActivity(url, cardAction(verb, { requestId: 'ONB-ZZZZZZ', reason: 'because' }, { from: adele, conversation: APPROVALS_CHANNEL, serviceUrl: connector.serviceUrl }));
      expect(result.status).toBe(200);
      expect(JSON.stringify(result.body)).toContain('There is no request ONB-ZZZZZZ');
    }
    expect(await snapshot()).toEqual(before);
    expect(await store.requests.get('ONB-ZZZZZZ' as OnboardingRequest['id'])).toBeUndefined();
    expectNothingThrown();
  });

  it('tenant buttons (every tenants.* verb) with hostile data: refused plainly, no request, nothing sent to ARM', async () => {
    const before = await snapshot();
    const start = sandbox.requests.length;
    for (const verb of Object.values(TENANT_VERBS)) {
      for (const [what, value] of HOSTILE) {
        const result = await postActivity(url, cardAction(verb, hostileData(TENANT_FIELDS, value), { from: olivia, conversation: 'a:olivia-1-1', serviceUrl: connector.serviceUrl }));
        expectClearAnswer(result, `${verb} with ${what}`);
        expect({ verb, what, status: result.status }).toEqual({ verb, what, status: 200 });
      }
      // A real registration id with a path trick appended, and a real one with a hostile subscription id.
      const registration = sandbox.registrations.payAsYouUse;
      for (const data of [
        { registration: `${registration}/../../../providers/Microsoft.Authorization/roleAssignments/x`, page: 1 },
        { registration: `${registration}%2F..%2F..`, page: 1 },
        { registration, azureSubscriptionId: '../../../subscriptions', customerTenantId: '00000000-0000-0000-0000-000000000000/..' },
      ]) {
        const result = await postActivity(url, cardAction(verb, data, { from: olivia, conversation: 'a:olivia-1-1', serviceUrl: connector.serviceUrl }));
        expectClearAnswer(result, `${verb} with ${JSON.stringify(data)}`);
      }
    }
    expect(await snapshot()).toEqual(before);
    expect(pathsSince(start).filter((p) => p.includes('..') || /%2e|%2f/i.test(p))).toEqual([]);
    expectNothingThrown();
  });

  it('onboarding buttons (every onboard.* verb) with hostile data on a live draft: errors on the card, no request, nothing created', async () => {
    const before = await snapshot();
    const start = sandbox.requests.length;
    const chat = 'a:olivia-1-1';
    await postActivity(url, message('onboard', { from: olivia, conversation: chat, serviceUrl: connector.serviceUrl }));
    const firstCard = connector.sent.filter((s) => s.conversationId === chat).at(-1)!.activity.attachments![0].content;
    let current = cardPosition(firstCard)!;
    expect(current.draftId).toEqual(expect.any(String));

    const verbs = Object.values(ONBOARD_VERBS).filter((v) => v !== ONBOARD_VERBS.cancel);
    let reachedParsers = 0;
    for (const verb of verbs) {
      for (const [what, value] of HOSTILE) {
        // The draft id and card name are right, so the hostile fields reach the parsers.
        const data = hostileData(ONBOARD_FIELDS, value, { draftId: current.draftId, card: current.card });
        const result = await postActivity(url, cardAction(verb, data, { from: olivia, conversation: chat, serviceUrl: connector.serviceUrl }));
        expectClearAnswer(result, `${verb} with ${what}`);
        expect({ verb, what, status: result.status }).toEqual({ verb, what, status: 200 });
        if (result.body?.type === CARD) current = cardPosition(result.body.value) ?? current;
        if (!result.text.includes('That card was out of date')) reachedParsers++;
      }
      // The draft and card names themselves hostile: "out of date", nothing else.
      for (const [what, value] of HOSTILE) {
        const result = await postActivity(url, cardAction(verb, { draftId: value, card: value }, { from: olivia, conversation: chat, serviceUrl: connector.serviceUrl }));
        expectClearAnswer(result, `${verb} with draftId ${what}`);
      }
    }
    // Most hostile clicks got past the stale-card check, so the field parsers saw them.
    expect(reachedParsers).toBeGreaterThan((verbs.length * HOSTILE.length) / 2);
    const after = await snapshot();
    expect(after.requests).toEqual(before.requests);
    expect(after.writes).toBe(before.writes);
    expect(after.counts).toEqual(before.counts);
    // Lookups the dialog made (domain checks, searches) never carried a path trick to the cloud.
    expect(pathsSince(start).filter((p) => p.includes('..') || p.includes('\u0000'))).toEqual([]);
    expectNothingThrown();
  });

  it('invokes with a malformed value, a hostile verb, or another person\'s draft: clear refusals', async () => {
    const before = await snapshot();
    const base = cardAction('request.approve', {}, { from: olivia, conversation: APPROVALS_CHANNEL, serviceUrl: connector.serviceUrl });
    const values: unknown[] = [
      'approve',
      null,
      [],
      { action: 'request.approve' },
      { action: { type: 'Action.Submit', verb: REQUEST_VERBS.approve, data: { requestId: pending.id } } },
      { action: { type: 'Action.Execute', verb: 12345, data: { requestId: pending.id } } },
      { action: { type: 'Action.Execute', verb: REQUEST_VERBS.approve, data: 'requestId' } },
      { action: { type: 'Action.Execute', verb: REQUEST_VERBS.approve, data: [pending.id] } },
      { action: { type: 'Action.Execute', verb: '../request.approve', data: { requestId: pending.id } } },
      { action: { type: 'Action.Execute', verb: `${REQUEST_VERBS.approve}\u0000`, data: { requestId: pending.id } } },
      { action: { type: 'Action.Execute', verb: 'onboard.../../x', data: {} } },
      { action: { type: 'Action.Execute', verb: 'tenants.remove', data: { registration: 'all', azureSubscriptionId: '3f15978e-005c-4763-bb78-2a8fab289c58' } } },
      { action: { type: 'Action.Execute', verb: 'x'.repeat(50_000), data: {} } },
    ];
    for (const value of values) {
      const result = await postActivity(url, { ...base, id: `bad-${Math.random()}`, value });
      expectClearAnswer(result, JSON.stringify(value).slice(0, 80));
    }
    // Another operator's draft: the owner id on the card is not the clicker.
    const stolen = await postActivity(
      url,
      cardAction(ONBOARD_VERBS.submit, { draftId: 'd-x', card: 'review', ownerId: olivia.aadObjectId, ownerName: 'Olivia' }, { from: adele, conversation: 'a:olivia-1-1', serviceUrl: connector.serviceUrl }),
    );
    expectClearAnswer(stolen, 'another operator\'s draft');
    // A raw body that tries to pollute Object.prototype through the card data.
    const raw = JSON.stringify({ ...base, id: 'proto-1' }).replace('"data":{}', '"data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
    expect([200, 400]).toContain(res.status);
    expect(await snapshot()).toEqual(before);
    expect((await store.requests.get(pending.id))!.value.status).toBe('pending_approval');
    expectNothingThrown();
  });

  it('the Action.Submit fallback (a message whose value names a verb) is just as careful', async () => {
    const before = await snapshot();
    const sentBefore = connector.sent.length;
    for (const verb of [REQUEST_VERBS.approve, TENANT_VERBS.remove, ONBOARD_VERBS.submit]) {
      for (const [, value] of HOSTILE.filter(([, v]) => v !== undefined).slice(0, 12)) {
        const result = await postActivity(url, cardSubmit({ verb, requestId: value, registration: value, azureSubscriptionId: value }, { from: olivia, conversation: 'a:olivia-1-1', serviceUrl: connector.serviceUrl }));
        expect(result.status).toBe(200);
      }
    }
    // Every one was answered in the chat.
    expect(connector.sent.length).toBeGreaterThan(sentBefore);
    expect(await snapshot()).toEqual(before);
    expectNothingThrown();
  });
});

describe('markdown in names (company names typed or from Partner Center)', () => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let store: BotStore;
  let driver: BotDriver;
  let app: App;

  beforeAll(async () => {
    [sandbox, connector] = await Promise.all([startTestSandbox(), startLoopbackConnector()]);
    const config = sandboxConfig(sandbox, { APPROVAL_CHANNEL_ID: APPROVALS_CHANNEL, ALLOWED_TENANT_IDS: TEAMS_TENANT });
    store = await openSqliteStore(':memory:');
    driver = await startBot(config, { store, cloud: sandboxCloud(config), connector, logger: captureLogs('warn').logger });
    app = driver.app;
  });
  afterAll(async () => {
    await driver?.close();
    await store?.close();
    await connector?.close();
    await sandbox?.close();
  });

  it(`a company named ${HOSTILE_NAME} shows literally on every card and message of its onboarding`, async () => {
    const adele = { id: '29:adele', aadObjectId: sandbox.users.approver, name: 'Adele Approver' };
    const olivia = { id: '29:olivia', aadObjectId: sandbox.users.operator, name: 'Olivia Operator' };
    connector.roster = [adele, olivia];
    const base = newCustomerRequest(sandbox);
    const request: OnboardingRequest = { ...base, customer: { ...base.customer, companyName: HOSTILE_NAME } } as OnboardingRequest;
    // The approvers' channel is known to the bot (as after its installation there).
    await driver.post(message('help', { from: adele, conversation: APPROVALS_CHANNEL, serviceUrl: connector.serviceUrl }));
    await store.requests.create(request);
    await app.approvals.onSubmitted(request);
    const approved = await driver.post(cardAction(REQUEST_VERBS.approve, { requestId: request.id }, { from: adele, conversation: APPROVALS_CHANNEL, serviceUrl: connector.serviceUrl }));
    expect(approved.status).toBe(200);
    await waitFor(async () => ['succeeded', 'failed'].includes((await store.requests.get(request.id))?.value.status ?? ''), { what: 'the run to finish', timeoutMs: 60_000 });
    expect((await store.requests.get(request.id))?.value.status).toBe('succeeded');
    await app.approvals.idle();
    await driver.post(message(`status ${request.id}`, { from: olivia, conversation: 'a:olivia-1-1', serviceUrl: connector.serviceUrl }));

    const cards = [approved.body?.value, ...connector.sent.flatMap((s) => (s.activity.attachments ?? []).map((a) => a.content))].filter(Boolean) as Card[];
    const messages = connector.sent.map((s) => s.activity.text).filter((t): t is string => typeof t === 'string' && t.length > 0);
    // The approval card, its progress updates, the result card; the result and status messages.
    expect(cards.length).toBeGreaterThanOrEqual(3);
    expect(cards.flatMap(cardMarkup)).toEqual([]);
    expect(messages.filter((m) => rawMarkup(m).length > 0)).toEqual([]);
    expect(cards.filter((c) => texts(c).some((t) => shownText(t).includes(HOSTILE_NAME))).length).toBeGreaterThanOrEqual(3);
    const naming = messages.filter((m) => shownText(m).includes(HOSTILE_NAME));
    expect(naming.some((m) => m.includes('is onboarded'))).toBe(true);
    expect(naming.some((m) => m.includes('Audit trail'))).toBe(true);
  });
});

/** The draft id and card name the buttons of an onboarding card carry (from the first button that has them). */
function cardPosition(card: unknown): { draftId: string; card: string } | undefined {
  if (!card || typeof card !== 'object') return undefined;
  const data = card as Record<string, unknown>;
  if (typeof data.draftId === 'string' && typeof data.card === 'string') return { draftId: data.draftId, card: data.card };
  for (const child of Object.values(data)) {
    const found = cardPosition(child);
    if (found) return found;
  }
  return undefined;
}
