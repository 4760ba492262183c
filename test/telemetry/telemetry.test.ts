// Telemetry as App Service runs it: `node lib/index.js` with OTEL_EXPORTER_OTLP_ENDPOINT, on the
// simulated cloud, exporting over OTLP/HTTP to a loopback receiver the test started. One onboarding
// is one trace, from the Approve click to the result, and nothing secret leaves the process.
// (A process of its own also because the OTLP exporters load `http` with a dynamic import(), which
// jest's module sandbox refuses.)
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { OnboardingRequest } from '../../src/onboarding/model';
import { onboardingSteps } from '../../src/onboarding/run/steps';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { APPROVALS_CHANNEL, cardAction, message } from '../support/activities';
import { postActivity } from '../support/botDriver';
import { startLoopbackConnector, type LoopbackConnector } from '../support/loopbackConnector';
import { TEAMS_TENANT, directoryPeople, type TeamsUser } from '../support/people';
import { waitFor } from '../support/waitFor';
import { newCustomerRequest, startTestSandbox } from '../onboarding/support';
import { startBotProcess, type BotProcess } from '../scale/botProcess';
import { jsonMetricNames, jsonSpans, startOtlpReceiver, type OtlpReceiver } from './otlpReceiver';

const SERVER = 2;
const CLIENT = 3;

describe('telemetry over OTLP/HTTP from the bot process', () => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let receiver: OtlpReceiver;
  let dir: string;
  let bot: BotProcess | undefined;
  let store: BotStore | undefined;
  let adele: TeamsUser;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    connector = await startLoopbackConnector();
    receiver = await startOtlpReceiver();
    ({ adele } = directoryPeople(sandbox));
    connector.roster = [adele];
  });
  afterAll(async () => {
    await receiver.close();
    await connector.close();
    await sandbox.close();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-telemetry-'));
  });
  afterEach(async () => {
    await bot?.kill('SIGKILL');
    await store?.close();
    bot = store = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function startBot(protocol: 'http/json' | 'http/protobuf', telemetry: Record<string, string> = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }) {
    bot = await startBotProcess(`telemetry-${protocol}`, {
      ...sandbox.env,
      CLOUD: 'sandbox',
      LOCAL_MODE: 'true',
      PARTNER_CENTER_REFRESH_TOKEN: sandbox.delegatedRefreshToken,
      STORE_PATH: path.join(dir, 'bot.db'),
      APPROVAL_CHANNEL_ID: APPROVALS_CHANNEL,
      APPROVER_IDS: sandbox.users.approver,
      ALLOWED_TENANT_IDS: TEAMS_TENANT,
      POLL_INTERVAL_SECONDS: '0',
      POLL_MAX_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'debug',
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      ...telemetry,
    });
    const hello = await postActivity(bot.messagesUrl, message('help', { from: adele, conversation: APPROVALS_CHANNEL, serviceUrl: connector.serviceUrl }));
    expect(hello.status).toBe(200);
    return bot;
  }

  /** SIGTERM: the bot stops, and telemetry's shutdown sends what it buffered. */
  async function stopBot(running: BotProcess) {
    await running.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  }

  it('one onboarding is one trace: the Approve turn, every run step, the Partner Center and ARM calls; no secret in it', async () => {
    const running = await startBot('http/json');
    // A request as the dialog stores it once its approval card is in the channel (the bot's store file, shared with the test).
    store = await openSqliteStore(path.join(dir, 'bot.db'));
    const request = newCustomerRequest(sandbox, { approvalCard: { conversationId: APPROVALS_CHANNEL, activityId: 'approval-card-1' } });
    await store.requests.create(request);

    const approved = await postActivity(running.messagesUrl, cardAction('request.approve', { requestId: request.id }, { from: adele, conversation: APPROVALS_CHANNEL, serviceUrl: connector.serviceUrl }));
    expect(approved.status).toBe(200);
    await waitFor(async () => ['succeeded', 'failed'].includes((await store!.requests.get(request.id))!.value.status), {
      timeoutMs: 60_000,
      everyMs: 50,
      what: () => `the run of ${request.id} to end`,
    });
    const stored = (await store.requests.get(request.id))!.value as OnboardingRequest;
    expect(stored.status).toBe('succeeded');
    await stopBot(running);

    const spans = jsonSpans(receiver);
    const approveTurn = spans.find((s) => s.name === 'turn request.approve');
    expect(approveTurn).toMatchObject({ kind: SERVER });
    const trace = spans.filter((s) => s.traceId === approveTurn!.traceId);

    // The run continues the Approve click's trace, and the request keeps it for any later worker.
    const run = trace.find((s) => s.name === 'run onboard');
    expect(run).toMatchObject({ parentSpanId: approveTurn!.spanId, attributes: expect.objectContaining({ 'csp.request.id': request.id }) });
    expect(stored.traceContext).toContain(approveTurn!.traceId);

    // Every step, under the run, with the request id and step name.
    const steps = trace.filter((s) => s.name.startsWith('step '));
    expect(steps.map((s) => s.attributes['csp.step'])).toEqual(onboardingSteps('onboard').map((s) => s.name));
    for (const step of steps) {
      expect(step.parentSpanId).toBe(run!.spanId);
      expect(step.attributes).toMatchObject({ 'csp.request.id': request.id, 'csp.step.outcome': 'next' });
    }

    // The calls, under their steps, with the ids support asks for.
    const stepIds = new Set(steps.map((s) => s.spanId));
    const partnerCenter = trace.filter((s) => s.attributes['csp.service'] === 'Partner Center');
    const arm = trace.filter((s) => s.attributes['csp.service'] === 'Azure Resource Manager');
    const graph = trace.filter((s) => s.attributes['csp.service'] === 'Microsoft Graph');
    expect(partnerCenter.length).toBeGreaterThan(3);
    expect(arm.length).toBeGreaterThan(0);
    expect(graph.length).toBeGreaterThan(0);
    for (const call of [...partnerCenter, ...arm, ...graph]) {
      expect(call.kind).toBe(CLIENT);
      expect(stepIds.has(call.parentSpanId!)).toBe(true);
      expect(call.attributes['http.response.status_code']).toEqual(expect.any(Number));
    }
    const createCustomer = partnerCenter.find((s) => s.name === 'Partner Center POST' && String(s.attributes['url.path']).endsWith('/customers'));
    expect(createCustomer?.attributes).toMatchObject({
      'http.request.header.ms-requestid': expect.stringMatching(/^[0-9a-f-]{36}$/),
      'http.request.header.ms-correlationid': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(arm.some((s) => typeof s.attributes['http.response.header.x-ms-correlation-request-id'] === 'string')).toBe(true);

    // Log lines written inside the trace carry its id.
    const traced = running.lines.filter((line) => line.includes(`"trace_id":"${approveTurn!.traceId}"`));
    expect(traced.length).toBeGreaterThan(0);

    // Metrics: runs by outcome, approval wait, steps, turns, outbound calls.
    expect(jsonMetricNames(receiver)).toEqual(
      expect.arrayContaining(['csp.runs', 'csp.approval.wait', 'csp.step.duration', 'csp.turn.duration', 'csp.outbound.calls']),
    );

    // Nothing secret in what was exported: the app's client secret, the delegated refresh token, no token at all.
    const exported = receiver.exports.map((e) => e.body.toString()).join('\n');
    for (const secret of [sandbox.clientSecret, sandbox.delegatedRefreshToken]) expect(exported).not.toContain(secret);
    expect(exported).not.toMatch(/Bearer|eyJ[A-Za-z0-9_-]{10,}\./);
  });

  it('http/protobuf: the spans arrive as protobuf', async () => {
    const before = receiver.exports.length;
    const running = await startBot('http/protobuf');
    await stopBot(running);
    const traces = receiver.exports.slice(before).filter((e) => e.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    for (const e of traces) expect(e.contentType).toBe('application/x-protobuf');
    // Strings are plain bytes in protobuf: the help turn's name is there.
    expect(Buffer.concat(traces.map((e) => e.body)).toString('latin1')).toContain('turn help');
  });

  it('APPLICATIONINSIGHTS_CONNECTION_STRING: the spans go to Application Insights (its ingestion endpoint, here the receiver)', async () => {
    const ingestion = await startOtlpReceiver({ tls: true });
    try {
      const running = await startBot('http/protobuf', {
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=${ingestion.endpoint}/`,
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL: 'true',
      });
      await stopBot(running);
    } finally {
      await ingestion.close();
    }
    const tracked = ingestion.exports.filter((e) => e.path.endsWith('/track'));
    expect(tracked.length).toBeGreaterThan(0);
    // The help turn, as a request (a server span) named as the bot named it.
    expect(tracked.map((e) => e.body.toString()).join('\n')).toMatch(/"name":"turn help"/);
  });
});
