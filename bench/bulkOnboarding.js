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
const PC_RETRY_AFTER_SECONDS = 2;

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

function row(line, registration) {
  const prefix = `bulk${line}x${process.pid}`;
  return {
    line,
    plan: {
      kind: 'onboard',
      customer: {
        kind: 'new',
        companyName: `Bulk ${line}`,
        domain: `${prefix}.onmicrosoft.com`,
        address: { country: 'US', region: 'WA', city: 'Redmond', postalCode: '98052', addressLine1: 'One Microsoft Way' },
        contact: { firstName: 'Bea', lastName: 'Admin', email: `bea@${prefix}.example` },
        culture: 'en-US',
        language: 'en',
      },
      subscription: { kind: 'azure-plan' },
      agreement: { acceptedBy: { firstName: 'Bea', lastName: 'Admin', email: `bea@${prefix}.example` }, dateAccepted: '2026-11-27' },
      registration,
      access: { kind: 'guest-owner', email: `ops-${prefix}@csp.example`, displayName: 'CSP Ops', mode: 'automatic' },
    },
  };
}

/**
 * Calls sent although the client already knew it had to wait: after a 429 reached the bot (its
 * arrival plus the simulated latency, plus a little for the answer to travel), a Partner Center
 * call of any row (the gate is per service) or the same ARM call again (per client) before the
 * Retry-After passed. Calls already on the wire when the 429 was answered do not count.
 */
function earlyCalls(requests) {
  const margin = settings.latencyMs + 50;
  let early = 0;
  const examples = [];
  requests.forEach((throttled, i) => {
    if (throttled.status !== 429) return;
    const at = Date.parse(throttled.at);
    const retryAfterMs = throttled.service === 'partnercenter' ? PC_RETRY_AFTER_SECONDS * 1000 : 1000;
    const sameGate = (r) => (throttled.service === 'partnercenter' ? r.service === 'partnercenter' : r.method === throttled.method && r.path === throttled.path);
    for (const later of requests.slice(i + 1)) {
      const gap = Date.parse(later.at) - at;
      if (sameGate(later) && gap > margin && gap + settings.latencyMs < retryAfterMs) {
        early++;
        if (examples.length < 5) examples.push({ throttled: `${throttled.at} ${throttled.method} ${throttled.path}`, sent: `${later.at} ${later.method} ${later.path} → ${later.status}`, gapMs: gap, retryAfterMs });
      }
    }
  });
  return { early, examples };
}

/**
 * Where a row's time goes, from the rows' own records: each step's startedAt → endedAt (median and
 * p90 over the rows), a row's whole run (created → last step ended), and how busy the
 * BULK_CONCURRENCY places were (the rows' run time over places × the batch's time: below 1 means a
 * freed place waited before the next row started).
 */
function rowTimes(rowRequests, elapsedMs) {
  const q = (list, p) => {
    const sorted = [...list].sort((a, b) => a - b);
    return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  };
  const steps = {};
  const runs = [];
  for (const r of rowRequests) {
    const ends = r.steps.map((s) => Date.parse(s.endedAt)).filter(Number.isFinite);
    if (ends.length > 0) runs.push(Math.max(...ends) - Date.parse(r.createdAt));
    for (const s of r.steps) {
      if (!s.startedAt || !s.endedAt) continue;
      (steps[s.name] ??= []).push(Date.parse(s.endedAt) - Date.parse(s.startedAt));
    }
  }
  const stepMs = Object.fromEntries(Object.entries(steps).map(([name, list]) => [name, { p50: q(list, 0.5), p90: q(list, 0.9) }]));
  const busyMs = runs.reduce((a, b) => a + b, 0);
  // A freed place and the row that took it: the k-th row to start after the first BULK_CONCURRENCY
  // took the place of the k-th row to end.
  const starts = rowRequests.map((r) => Date.parse(r.createdAt)).sort((a, b) => a - b);
  const ends = rowRequests.map((r) => Math.max(...r.steps.map((s) => Date.parse(s.endedAt)).filter(Number.isFinite))).sort((a, b) => a - b);
  const refill = starts.slice(settings.concurrency).map((start, k) => start - ends[k]);
  return {
    rowMs: { p50: q(runs, 0.5), p90: q(runs, 0.9) },
    stepMs,
    placesBusy: +(busyMs / (settings.concurrency * elapsedMs)).toFixed(3),
    nextRowStartMs: { p50: q(refill, 0.5), p90: q(refill, 0.9), max: q(refill, 1) },
  };
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
  sandbox.faults.add({ method: 'PUT', path: /^\/arm\//, kind: 'rate', perSecond: settings.armWritesPerSecond });
  sandbox.faults.add({ method: 'POST', path: '/partnercenter/v1/customers', kind: 'status', status: 429, retryAfterSeconds: PC_RETRY_AFTER_SECONDS, times: settings.pcThrottles });

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
    rows: Array.from({ length: settings.rows }, (_, i) => row(i + 2, registration)),
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
  const { early, examples: earlyExamples } = earlyCalls(requests);
  // The throttle-bound minimum: every row makes two ARM writes (Owner, mapping) at the rate.
  const throttleBoundMs = ((2 * settings.rows) / settings.armWritesPerSecond) * 1000;
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
    throttling: { answered429: throttled.length, resentBeforeRetryAfter: early, ...(early > 0 ? { earlyExamples } : {}) },
    rows: rowTimes(rowRequests, elapsedMs),
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
