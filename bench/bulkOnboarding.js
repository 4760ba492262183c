// `node bench/bulkOnboarding.js` (after `npm run build`): a bulk onboarding (issue 16, docs/bulk.md)
// against a throttled simulated cloud. ARM writes (role assignments and mappings) are limited to
// BENCH_ARM_WRITES_PER_SECOND (default 10; the rest get 429 with Retry-After), and Partner Center
// answers the first BENCH_PC_THROTTLES (default 10) customer creations with 429 (Retry-After 2 s).
// It reports: every row done, none twice (simulator counts), no call re-sent before its Retry-After,
// and the total time against the throttle-bound minimum (2 ARM writes per row at the rate).
// The bot and the simulated cloud run in this process (real clients over HTTPS, SQLite file store,
// a loopback connector). Settings: BENCH_ROWS (default 200), BENCH_CONCURRENCY (BULK_CONCURRENCY,
// default 4), BENCH_LATENCY_MS (default 20), BENCH_ORDER_MS / BENCH_ENTITLEMENT_MS (default 500).
// Not part of `npm test`; a full run takes minutes on a quiet machine.
const { spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { bulkRow, throttleRules, earlyCalls, throttleBoundMs: throttleBound } = require('./harness/bulk');

const root = path.join(__dirname, '..');
const lib = (p) => require(path.join(root, 'lib', p));

// NODE_EXTRA_CA_CERTS is read at process start: re-run ourselves with the sandbox CA trusted.
const { ensureSandboxCa } = lib('sandbox/ca.js');
const ca = ensureSandboxCa(path.join(root, '.sandbox'));
if (process.env.NODE_EXTRA_CA_CERTS !== ca.certPath) {
  const r = spawnSync(process.execPath, [process.argv[1]], { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath } });
  process.exit(r.status ?? 1);
}

const settings = {
  rows: Number(process.env.BENCH_ROWS || 200),
  concurrency: Number(process.env.BENCH_CONCURRENCY || 4),
  armWritesPerSecond: Number(process.env.BENCH_ARM_WRITES_PER_SECOND || 10),
  pcThrottles: Number(process.env.BENCH_PC_THROTTLES || 10),
  latencyMs: Number(process.env.BENCH_LATENCY_MS || 20),
  orderMs: Number(process.env.BENCH_ORDER_MS || 500),
  entitlementMs: Number(process.env.BENCH_ENTITLEMENT_MS || 500),
};
const TENANT = '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f';
const APPROVER = { teamsUserId: '29:bench-approver', name: 'Bench Approver', aadObjectId: 'a1e0c0de-0000-4000-8000-0000000000aa' };
const REQUESTER = { teamsUserId: '29:bench-requester', name: 'Bench Requester', aadObjectId: 'a1e0c0de-0000-4000-8000-0000000000bb' };
const CHANNEL = '19:bench-approvals@thread.tacv2';

/** Takes every post and update the bot sends to Teams; answers at once. */
function startConnector() {
  let next = 1;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.method === 'GET' ? JSON.stringify({ members: [] }) : JSON.stringify({ id: `m-${next++}` }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, serviceUrl: `http://127.0.0.1:${server.address().port}/` })));
}

async function main() {
  const { startSandbox } = lib('sandbox/index.js');
  const sandbox = await startSandbox({
    port: 0,
    caDir: path.join(root, '.sandbox'),
    seed: false,
    delays: { latencyMs: settings.latencyMs, orderCompleteMs: settings.orderMs, entitlementActiveMs: settings.entitlementMs },
  });
  const connector = await startConnector();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bulk-'));
  const { loadConfig } = lib('config.js');
  const { createApp } = lib('app.js');
  const { parseRegistrationId } = lib('onboarding/model.js');
  const { newRequestId } = lib('onboarding/requests/requestIds.js');
  const config = loadConfig({
    ...sandbox.env,
    CLOUD: 'sandbox',
    LOCAL_MODE: 'true',
    PARTNER_CENTER_REFRESH_TOKEN: sandbox.delegatedRefreshToken,
    STORE_PATH: path.join(dir, 'bot.db'),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'fatal',
    APPROVER_IDS: APPROVER.aadObjectId,
    APPROVAL_CHANNEL_ID: CHANNEL,
    ALLOWED_TENANT_IDS: TENANT,
    POLL_INTERVAL_SECONDS: '1',
    POLL_MAX_INTERVAL_SECONDS: '2',
    BULK_CONCURRENCY: String(settings.concurrency),
  });
  const app = await createApp(config);
  await app.cloud.registrations.getRegistration(app.cloud.registrations.allowed[0]);
  await app.listen(0);
  await app.store.conversations.save(CHANNEL, {
    channelId: 'msteams',
    serviceUrl: connector.serviceUrl,
    bot: { id: '28:csp-onboarding-bot' },
    conversation: { id: CHANNEL, conversationType: 'channel', tenantId: TENANT, isGroup: true },
  });

  // The throttled cloud.
  for (const rule of throttleRules(settings)) sandbox.faults.add(rule);

  const registration = parseRegistrationId(sandbox.env.REGISTRATIONS.split(',')[0]);
  const now = new Date().toISOString();
  const batch = {
    id: newRequestId('bulk'),
    kind: 'bulk',
    status: 'approved',
    teamsTenantId: TENANT,
    requester: REQUESTER,
    conversationId: CHANNEL,
    decision: { outcome: 'approved', by: APPROVER, at: now },
    approvalCard: { conversationId: CHANNEL, activityId: 'bench-card' },
    rows: Array.from({ length: settings.rows }, (_, i) => bulkRow(i + 2, registration)),
    skippedRows: 0,
    steps: [],
    results: {},
    createdAt: now,
    updatedAt: now,
  };
  const before = sandbox.state.counts();
  const mappedBefore = Object.keys(sandbox.state.registrations[registration.resourceId.toLowerCase()].customerSubscriptions).length;
  const sentBefore = sandbox.requests.length;
  await app.store.requests.create(batch);
  const t0 = Date.now();
  app.approvals.runner.schedule(batch.id);
  let final;
  for (;;) {
    final = (await app.store.requests.get(batch.id)).value;
    if (['succeeded', 'failed'].includes(final.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const elapsedMs = Date.now() - t0;
  const after = sandbox.state.counts();
  const mapped = Object.keys(sandbox.state.registrations[registration.resourceId.toLowerCase()].customerSubscriptions).length - mappedBefore;
  const rowRequests = (await app.store.requests.list()).map((v) => v.value).filter((r) => r.kind === 'onboard' && r.batch && r.batch.id === batch.id);
  const requests = sandbox.requests.slice(sentBefore);
  const throttled = requests.filter((r) => r.status === 429);
  const early = earlyCalls(requests, settings.latencyMs);
  // The throttle-bound minimum: every row makes two ARM writes (Owner, mapping) at the rate.
  const throttleBoundMs = throttleBound(settings.rows, settings.armWritesPerSecond);
  const result = {
    settings,
    batch: { status: final.status, elapsedMs, rows: settings.rows, rowRequests: rowRequests.length, rowsSucceeded: rowRequests.filter((r) => r.status === 'succeeded').length },
    once: {
      customersCreated: after.customersCreated - before.customersCreated,
      checkouts: after.checkouts - before.checkouts,
      guestUsersCreated: after.guestUsersCreated - before.guestUsersCreated,
      roleAssignmentsCreated: after.roleAssignmentsCreated - before.roleAssignmentsCreated,
      mappings: mapped,
    },
    throttling: { answered429: throttled.length, resentBeforeRetryAfter: early },
    time: { throttleBoundMs, ratio: +(elapsedMs / throttleBoundMs).toFixed(3), target: 1.2 },
  };
  console.log(JSON.stringify(result, null, 2));
  // For `npm run bench`, which reads each script's results from this file.
  if (process.env.BENCH_RESULT_FILE) fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2));
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', `bulkOnboarding-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
  await app.close();
  connector.server.close();
  await sandbox.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
