// `node bench/bulkTwoInstances.js` (after `npm run build`): the bulk onboarding bench (issue 16,
// bench/bulkOnboarding.js) with two instances on Blob storage, one killed half-way. Two bot
// processes (`lib/index.js`, STORE=blob, one Azurite container), the simulated cloud in its own
// process throttled as in bench/bulkOnboarding.js (ARM writes at BENCH_ARM_WRITES_PER_SECOND, the
// rest 429 with Retry-After; the first BENCH_PC_THROTTLES customer creations 429 with Retry-After).
//   1. A batch of BENCH_ROWS rows (default 200) is stored as Submit stores it, waiting for approval,
//      and approved with a click on instance A, which runs it (BULK_CONCURRENCY rows at a time).
//   2. Once about half the rows have succeeded, A is killed (SIGKILL); B takes the batch and the
//      rows A had in flight over when their leases expire (LEASE_SECONDS: the default unless
//      BENCH_LEASE_SECONDS is set), and runs the remaining rows.
// It reports: every row succeeded, none twice (each row's customers, orders, mappings and Owner role
// assignments in the simulator's state), no call re-sent before its Retry-After (seen at each bot's own
// sockets: bench/harness/calls.js preloaded; the simulator's arrival-time count beside it), the total time and
// its ratio to the throttle-bound minimum (the formula of bench/bulkOnboarding.js), the takeover
// delay (kill → the batch's lease names B; kill → every row A had in flight is B's or settled), how
// many times the summary with the results CSV was posted (once) and what it says, and the batch
// card as last updated (all rows done, updated by B after the kill).
// Settings: BENCH_ROWS (40 with BENCH_QUICK=1), BENCH_CONCURRENCY (default BENCH_MEASURED_CONCURRENCY, 40, as bench/bulkOnboarding.js measures), BENCH_LATENCY_MS (default 20),
// BENCH_ORDER_MS / BENCH_ENTITLEMENT_MS (default 500), BENCH_LEASE_SECONDS, BENCH_STALL_SECONDS
// (give up when no row has moved for this long, default 300). Writes BENCH_RESULT_FILE (for
// `npm run bench`) and bench/results/bulkTwoInstances-<date>.json. Not part of `npm test`.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { randomUUID } = require('crypto');
const { startSimulatedCloud, stop } = require('./harness/processes');
const { createConnector } = require('./harness/connector');
const { earlyCalls, readCalls } = require('./harness/calls');
const { MEASURED_CONCURRENCY, bulkSettings, bulkRow, throttleRules, ruleAsJson, earlyCallList, bulkBounds, footprints, onceEach } = require('./harness/bulk');
const { runLeaseReader, startAzurite, sandboxControl, botEnv, startBot, greet, approveClick, postActivity, TENANT, CHANNEL } = require('./harness/instances');

const root = path.join(__dirname, '..');
const settings = {
  // As bench/bulkOnboarding.js measures: at the default 4 its concurrency bound alone exceeds the target.
  ...bulkSettings(MEASURED_CONCURRENCY),
  leaseSeconds: process.env.BENCH_LEASE_SECONDS ? Number(process.env.BENCH_LEASE_SECONDS) : 'default',
  stallSeconds: Number(process.env.BENCH_STALL_SECONDS || 300),
};
const TERMINAL = ['succeeded', 'failed', 'abandoned', 'cancelled', 'rejected'];
const SETTLED_ROW = ['succeeded', 'abandoned', 'cancelled', 'rejected'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (line) => process.stderr.write(`bench: bulk-two-instances: ${line}\n`);

/** The batch as Submit stores it (src/features/bulk/bulkFeature.ts), its approval card in the approvers' channel. */
function pendingBatch(rows) {
  const { newRequestId } = require(path.join(root, 'lib', 'onboarding', 'requests', 'requestIds'));
  const id = newRequestId('bulk');
  const now = new Date().toISOString();
  return {
    id,
    kind: 'bulk',
    status: 'pending_approval',
    teamsTenantId: TENANT,
    requester: { aadObjectId: 'aaaaaaaa-0000-4000-8000-000000000001', teamsUserId: '29:requester', name: 'Rita Requester' },
    conversationId: CHANNEL,
    rows,
    skippedRows: 0,
    approvalCard: { conversationId: CHANNEL, activityId: `card-${id}` },
    steps: [],
    results: {},
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * What the bots sent to Teams about the batch, as the connector received it: the summary replies
 * (text with the results CSV) and the updates of the batch's card (its activity id), with when.
 */
function teamsLog(batch) {
  const posts = [];
  const cardUpdates = [];
  const cardPath = `/activities/${encodeURIComponent(batch.approvalCard.activityId)}`;
  return {
    posts,
    cardUpdates,
    onActivity(method, url, body) {
      try {
        if (method === 'PUT' && url.endsWith(cardPath)) cardUpdates.push({ at: Date.now(), card: JSON.parse(body).attachments?.[0]?.content });
        if (method !== 'POST' || !body.includes('Results (CSV):')) return;
        const text = JSON.parse(body).text || '';
        if (text.includes(batch.id)) posts.push({ at: Date.now(), url, text });
      } catch {
        // not an activity
      }
    },
  };
}

/** The facts (title → value) and the texts of an Adaptive Card. */
function readCard(card) {
  const facts = {};
  const texts = [];
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    if (node.type === 'FactSet') for (const f of node.facts || []) facts[f.title] = f.value;
    if (node.type === 'TextBlock') texts.push(node.text);
    Object.values(node).forEach(walk);
  };
  walk(card);
  return { facts, texts };
}

/** What one summary says: "n of m customer(s) onboarded" and the CSV's result column. */
function readSummary(text, rows) {
  const said = /(\d+) of (\d+) customer\(s\) onboarded/.exec(text);
  const csvLines = text.split('\n').filter((l) => /^\d+,/.test(l));
  return {
    onboarded: said ? Number(said[1]) : undefined,
    of: said ? Number(said[2]) : undefined,
    csvRows: csvLines.length,
    csvRowsSucceeded: csvLines.filter((l) => l.includes(',succeeded,') || l.endsWith(',succeeded')).length,
    says: said ? Number(said[1]) === rows && Number(said[2]) === rows : false,
  };
}

/** The batch card as last updated: its counts, whether it says the batch is done, and how many updates came after the kill (from B). */
function lastCard(updates, killedAt, rows) {
  const last = updates[updates.length - 1];
  if (!last) return { updates: 0 };
  const { facts, texts } = readCard(last.card);
  return {
    updates: updates.length,
    updatesAfterKill: updates.filter((u) => u.at > killedAt).length,
    last: facts,
    saysDone: texts.some((t) => /every row has finished/.test(t)) && facts.Done === String(rows) && ['Running', 'Waiting', 'Failed'].every((k) => facts[k] === '0'),
  };
}

async function main() {
  const { openStore } = require(path.join(root, 'lib', 'store'));
  const { parseRegistrationId } = require(path.join(root, 'lib', 'onboarding', 'model'));
  const sandbox = await startSimulatedCloud(root, settings);
  const control = sandboxControl(sandbox);
  const cloud = { child: sandbox.child, env: sandbox.env, control, state: await control('GET', '/_sandbox/state') };
  const azurite = await startAzurite();
  const container = `bulk2-${randomUUID().slice(0, 8)}`;
  const storeEnv = { STORE: 'blob', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: container };
  const store = await openStore({ ...storeEnv, STORE_PATH: '' });
  const registration = parseRegistrationId(sandbox.env.REGISTRATIONS.split(',')[0]);
  const batch = pendingBatch(Array.from({ length: settings.rows }, (_, i) => bulkRow(i + 2, registration)));
  const teams = teamsLog(batch);
  const connector = createConnector({ onActivity: teams.onActivity });
  const connectorUrl = await connector.listen();
  const env = {
    ...botEnv(cloud, { env: storeEnv }),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'error',
    POLL_INTERVAL_SECONDS: '1',
    POLL_MAX_INTERVAL_SECONDS: '2',
    BULK_CONCURRENCY: String(settings.concurrency),
  };
  if (settings.leaseSeconds === 'default') delete env.LEASE_SECONDS;
  else env.LEASE_SECONDS = String(settings.leaseSeconds);
  const leaseOf = runLeaseReader(azurite.connectionString, container);
  const batchNow = async () => (await store.requests.get(batch.id)).value;
  const succeededRows = (b) => (b.results.bulkRows ?? []).filter((r) => r.status === 'succeeded').length;

  const callsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-bulk-calls-'));
  const callsFile = (name) => path.join(callsDir, `${name}.jsonl`);
  const bots = [];
  try {
    // Each bot writes the calls its own sockets saw (bench/harness/calls.js): the gates are per process.
    const callWatch = ['--require', path.join(__dirname, 'harness', 'calls.js')];
    const a = await startBot({ ...env, BENCH_CALLS_FILE: callsFile('a') }, callWatch);
    const b = await startBot({ ...env, BENCH_CALLS_FILE: callsFile('b') }, callWatch);
    bots.push(a, b);
    const approver = await greet([a], cloud, connectorUrl);
    for (const rule of throttleRules(settings)) await control('POST', '/_sandbox/faults', ruleAsJson(rule));
    const sentBefore = (await control('GET', '/_sandbox/requests')).length;
    await store.requests.create(batch);

    log(`approving ${batch.id} (${settings.rows} rows) on instance A…`);
    const t0 = Date.now();
    const click = await postActivity(a.url, approveClick(approver, batch.id, connectorUrl));
    if (click.status !== 200) throw new Error(`the approval click got ${click.status}: ${click.text}`);

    // 1. Half the rows done on A.
    const half = Math.ceil(settings.rows / 2);
    let current = await batchNow();
    let lastMove = Date.now();
    let lastDone = -1;
    while (succeededRows(current) < half && !TERMINAL.includes(current.status)) {
      if (succeededRows(current) !== lastDone) [lastDone, lastMove] = [succeededRows(current), Date.now()];
      if (Date.now() - lastMove > settings.stallSeconds * 1000) throw new Error(`no row finished for ${settings.stallSeconds} s before the kill (${lastDone} done): ${a.child.output().slice(-2000)}`);
      await sleep(250);
      current = await batchNow();
    }
    const holder = (await leaseOf(batch.id))?.owner;
    const inFlightAtKill = (current.results.bulkRows ?? []).filter((r) => !SETTLED_ROW.includes(r.status)).map((r) => r.requestId);
    const doneAtKill = succeededRows(current);
    log(`${doneAtKill} of ${settings.rows} rows done after ${((Date.now() - t0) / 1000).toFixed(1)} s: killing instance A (SIGKILL), ${inFlightAtKill.length} row(s) in flight…`);
    a.child.kill('SIGKILL');
    const killedAt = Date.now();

    // 2. B takes the batch (and A's rows in flight) over, then runs the rest.
    let batchTakenAt;
    let rowsTakenAt;
    const rowTaken = async (id) => {
      const row = (await store.requests.get(id))?.value;
      if (row && TERMINAL.includes(row.status)) return true;
      const lease = await leaseOf(id);
      return Boolean(lease && lease.owner !== holder);
    };
    lastMove = Date.now();
    lastDone = -1;
    for (;;) {
      current = await batchNow();
      if (!batchTakenAt) {
        const lease = await leaseOf(batch.id);
        if ((lease && lease.owner !== holder) || TERMINAL.includes(current.status)) batchTakenAt = Date.now();
      }
      if (!rowsTakenAt && (await Promise.all(inFlightAtKill.map(rowTaken))).every(Boolean)) rowsTakenAt = Date.now();
      if (TERMINAL.includes(current.status)) break;
      if (succeededRows(current) !== lastDone) [lastDone, lastMove] = [succeededRows(current), Date.now()];
      if (Date.now() - lastMove > settings.stallSeconds * 1000) {
        log(`no row finished for ${settings.stallSeconds} s after the kill (${lastDone} done): giving up`);
        break;
      }
      await sleep(250);
    }
    const elapsedMs = Date.now() - t0;
    // A summary posted twice would come within a poll or two of the first.
    await sleep(5_000);

    const state = await control('GET', '/_sandbox/state');
    const requests = (await control('GET', '/_sandbox/requests')).slice(sentBefore);
    const prints = footprints(state, batch.rows, registration);
    const rowRequests = (await store.requests.list()).map((v) => v.value).filter((r) => r.kind === 'onboard' && r.batch && r.batch.id === batch.id);
    const final = await batchNow();
    const boundMs = bulkBounds(settings).throttleMs;
    // Per bot, from its own sockets; the simulator's arrival times flagged calls that had passed a gate
    // before the 429 reached that bot (as bench/bulkOnboarding.js found), so they are reported apart.
    const seen = ['a', 'b'].map((name) => readCalls(callsFile(name)).filter((c) => c.sentAt >= t0));
    const perBot = seen.map(earlyCalls);
    const early = { count: perBot.reduce((n, r) => n + r.early, 0), examples: perBot.flatMap((r) => r.examples) };
    const seenAtSimulator = earlyCallList(requests, settings.latencyMs);
    const takeoverMs = batchTakenAt ? batchTakenAt - killedAt : undefined;
    const result = {
      settings,
      batch: {
        status: final.status,
        elapsedMs,
        rows: settings.rows,
        rowRequests: rowRequests.length,
        rowsSucceeded: rowRequests.filter((r) => r.status === 'succeeded').length,
        rowsNotSucceeded: rowRequests.filter((r) => r.status !== 'succeeded').map((r) => ({ id: r.id, line: r.batch.line, status: r.status })),
        linesWithoutRequest: batch.rows.filter((row) => !rowRequests.some((r) => r.batch.line === row.line)).map((row) => row.line),
        linesWithTwoRequests: batch.rows.filter((row) => rowRequests.filter((r) => r.batch.line === row.line).length > 1).map((row) => row.line),
      },
      kill: { doneAtKill, inFlightAtKill: inFlightAtKill.length, atMs: killedAt - t0 },
      once: onceEach(prints),
      throttling: {
        answered429: requests.filter((r) => r.status === 429).length,
        resentBeforeRetryAfter: early.count,
        // The Partner Center and ARM calls each bot's sockets saw (and of them, the 429s), A then B.
        callsSeenPerBot: seen.map((calls) => ({ calls: calls.length, answered429: calls.filter((c) => c.status === 429).length })),
        earlyExamples: early.examples,
        // By the simulator's arrival times (a call arriving within a Retry-After of a 429, after the latency and 50 ms): an upper bound.
        arrivedWithinRetryAfter: seenAtSimulator.length,
        arrivedExamples: seenAtSimulator.slice(0, 10).map((e) => ({ ...e, at: undefined, atSeconds: (Date.parse(e.at) - t0) / 1000, beforeKill: Date.parse(e.at) < killedAt })),
      },
      takeover: {
        batchSeconds: takeoverMs === undefined ? null : takeoverMs / 1000,
        rowsInFlightSeconds: rowsTakenAt ? (rowsTakenAt - killedAt) / 1000 : null,
      },
      summary: { posted: teams.posts.length, ...(teams.posts[0] ? readSummary(teams.posts[0].text, settings.rows) : {}) },
      card: lastCard(teams.cardUpdates, killedAt, settings.rows),
      time: {
        throttleBoundMs: boundMs,
        ratio: +(elapsedMs / boundMs).toFixed(3),
        // The same, leaving out the wait for the killed instance's leases to expire.
        ratioWithoutTakeover: takeoverMs === undefined ? null : +((elapsedMs - takeoverMs) / boundMs).toFixed(3),
        target: 1.2,
      },
    };
    console.log(JSON.stringify(result, null, 2));
    if (process.env.BENCH_RESULT_FILE) fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2));
    fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
    fs.writeFileSync(path.join(__dirname, 'results', `bulkTwoInstances-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify(result, null, 2));
  } finally {
    await Promise.all(bots.map((bot) => stop(bot.child)));
    await store.close();
    await connector.close();
    await stop(sandbox.child);
    azurite.child.kill('SIGKILL');
    fs.rmSync(callsDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
