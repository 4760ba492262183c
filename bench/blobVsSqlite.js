// `node bench/blobVsSqlite.js`: the shared store (STORE=blob, on Azurite over loopback) against the
// embedded one (STORE=sqlite), in the same run, on the same simulated cloud:
//   1. message turn latency: closed-loop "help" turns (reply received at a loopback connector);
//   2. approval invoke latency: Approve clicks on pending requests (the invoke's HTTP answer; the
//      decision is a compare-and-set plus an audit entry, the run starts in the background);
//   3. runs completed per minute on Blob storage with one instance and with two (approvals spread
//      over the instances, every run to `succeeded`).
// Each measurement uses fresh bot processes (`node lib/index.js`). Prints a markdown table and writes
// bench/results/blob-vs-sqlite-<date>.json. Build first (or let it: BENCH_SKIP_BUILD=1 skips).
//
// Settings (environment): BENCH_WARMUP_TURNS (200), BENCH_TURNS (3000), BENCH_SECONDS (10),
// BENCH_CONCURRENCY (16, message turns), BENCH_INVOKE_CONCURRENCY (4, approvers clicking at once),
// BENCH_APPROVALS (200), BENCH_RUNS (40), BENCH_BLOB_PARTS (some of turns,approvals,runs; default all).
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { randomUUID } = require('crypto');
const { createConnector } = require('./harness/connector');
const { runLoad, percentile } = require('./harness/load');
const { newCustomerPlan } = require('./harness/plans');
const { cpuMs, machineBusyCores, spawnNode, stop } = require('./harness/processes');
const { TENANT, CHANNEL, startAzurite, requestJson, postActivity, activity, botEnv, startBot, greet, approveClick } = require('./harness/instances');

const root = path.join(__dirname, '..');
// BENCH_QUICK=1: short runs (a check of the harness); BENCH_RESULT_FILE: also write the results there.
const quick = process.env.BENCH_QUICK === '1';
const settings = {
  warmupTurns: Number(process.env.BENCH_WARMUP_TURNS || (quick ? 100 : 200)),
  maxTurns: Number(process.env.BENCH_TURNS || (quick ? 1000 : 3000)),
  maxSeconds: Number(process.env.BENCH_SECONDS || (quick ? 3 : 10)),
  concurrency: Number(process.env.BENCH_CONCURRENCY || 16),
  invokeConcurrency: Number(process.env.BENCH_INVOKE_CONCURRENCY || 4),
  approvals: Number(process.env.BENCH_APPROVALS || (quick ? 40 : 200)),
  runs: Number(process.env.BENCH_RUNS || (quick ? 20 : 40)),
};
/** BENCH_BLOB_PARTS: some of `turns,approvals,runs` (default all), to look at one part. */
const parts = new Set((process.env.BENCH_BLOB_PARTS || 'turns,approvals,runs').split(',').map((p) => p.trim()));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const f = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

/** Lines KEY=value printed by a child, as an object. */
function envLines(output) {
  return Object.fromEntries(
    output
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

async function startSandbox() {
  const child = spawnNode([path.join(root, 'lib', 'sandbox', 'main.js'), '--port', '0'], {
    SANDBOX_ORDER_DELAY_MS: '5',
    SANDBOX_ENTITLEMENT_DELAY_MS: '5',
    SANDBOX_LATENCY_MS: '0',
    SANDBOX_SEED: 'false',
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const env = envLines(child.output());
    if (env.ARM_ENDPOINT && env.NODE_EXTRA_CA_CERTS && env.REGISTRATIONS !== undefined) {
      const ca = fs.readFileSync(env.NODE_EXTRA_CA_CERTS);
      const origin = env.AZURE_AUTHORITY_HOST.replace(/\/$/, '');
      return { child, env, control: (method, p, body) => requestJson(`${origin}${p}`, method, body, ca) };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the simulated cloud did not start:\n${child.output()}`);
    await sleep(20);
  }
}

/** A request as the onboarding dialog stores it once its approval card is in the approvals channel. */
function pendingRequest(cloud, registration) {
  const id = `ONB-${randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase().replace(/[IO]/g, 'X')}`;
  const prefix = `b${id.slice(4).toLowerCase()}`;
  const now = new Date().toISOString();
  return {
    id,
    status: 'pending_approval',
    teamsTenantId: TENANT,
    requester: { aadObjectId: 'aaaaaaaa-0000-4000-8000-000000000001', teamsUserId: '29:requester', name: 'Rita Requester' },
    conversationId: 'a:requester-chat',
    ...newCustomerPlan(prefix, `Bench ${id}`),
    registration,
    approvalCard: { conversationId: CHANNEL, activityId: `card-${id}` },
    steps: [],
    results: {},
    createdAt: now,
    updatedAt: now,
  };
}

async function seed(store, cloud, count) {
  const { parseRegistrationId } = require(path.join(root, 'lib', 'onboarding', 'model'));
  const registration = parseRegistrationId(cloud.env.REGISTRATIONS.split(',')[0]);
  const requests = Array.from({ length: count }, () => pendingRequest(cloud, registration));
  for (let i = 0; i < requests.length; i += 16) await Promise.all(requests.slice(i, i + 16).map((r) => store.requests.create(r)));
  return requests;
}

async function inBatches(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}

/** What a message turn costs: `help` touches no state; `onboard` reads and writes the operator's dialog state every turn. */
const MESSAGES = {
  help: (body) => body.includes('application/vnd.microsoft.card.adaptive'),
  onboard: (body) => body.includes('Onboard a customer') || body.includes('already have an onboarding draft'),
};

async function messageTurns(label, text, env, connector, connectorUrl) {
  const bot = await startBot(env);
  try {
    let cpuStart = 0;
    let machineStart = 0;
    const result = await runLoad({
      runId: `${label}-${randomUUID().slice(0, 6)}`,
      botUrl: bot.url,
      connector,
      connectorUrl,
      concurrency: settings.concurrency,
      warmupTurns: settings.warmupTurns,
      maxTurns: settings.maxTurns,
      maxSeconds: settings.maxSeconds,
      activity: ({ id, conversationId, serviceUrl }) =>
        activity({ type: 'message', id, conversationId, serviceUrl, from: { id: '29:bench', name: 'Bench', aadObjectId: 'a1e0c0de-0000-4000-8000-000000000001' }, text }),
      checkReply: MESSAGES[text],
      onMeasureStart: () => {
        cpuStart = cpuMs(bot.child.pid);
        machineStart = machineBusyCores();
      },
    });
    const botCpu = cpuMs(bot.child.pid) - cpuStart;
    const busy = (machineBusyCores() - machineStart) / (result.seconds * 1000);
    return { store: label, message: text, ...result, cpuMsPerTurn: botCpu / result.turns, machineBusyCores: busy };
  } finally {
    await stop(bot.child);
  }
}

async function approvalInvokes(label, env, storeHandle, cloud, connectorUrl) {
  // The runs these approvals start stop at their first step (the registration read is refused), so
  // the invokes are measured beside the decision's own work, not beside a hundred onboardings.
  const fault = await cloud.control('POST', '/_sandbox/faults', { method: 'GET', path: { regex: '/registrations/[^/]+$' }, kind: 'status', status: 403, times: null });
  const bot = await startBot(env);
  try {
    const approver = await greet([bot], cloud, connectorUrl);
    const requests = await seed(storeHandle, cloud, settings.approvals);
    const warm = Math.min(20, Math.floor(requests.length / 10));
    await inBatches(requests.slice(0, warm), settings.invokeConcurrency, (r) => postActivity(bot.url, approveClick(approver, r.id, connectorUrl)));
    const started = Date.now();
    const answers = await inBatches(requests.slice(warm), settings.invokeConcurrency, (r) => postActivity(bot.url, approveClick(approver, r.id, connectorUrl)));
    const seconds = (Date.now() - started) / 1000;
    const ok = answers.filter((a) => a.status === 200 && a.text.includes('approved by Adele Approver'));
    const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
    return { store: label, invokes: answers.length, errors: answers.length - ok.length, seconds, p50: percentile(ms, 50), p95: percentile(ms, 95), p99: percentile(ms, 99) };
  } finally {
    await stop(bot.child);
    await cloud.control('DELETE', `/_sandbox/faults/${fault.body.id}`);
  }
}

async function runsPerMinute(instances, env, storeHandle, cloud, connectorUrl, azuriteChild) {
  const bots = await Promise.all(Array.from({ length: instances }, () => startBot(env)));
  try {
    const approver = await greet(bots, cloud, connectorUrl);
    const requests = await seed(storeHandle, cloud, settings.runs);
    const before = (await cloud.control('GET', '/_sandbox/state')).body.counts;
    const cpu = cpuMeter({ bots: bots.map((b) => b.child.pid), simulatedCloud: [cloud.child.pid], azurite: [azuriteChild.pid] });
    const started = Date.now();
    await inBatches(requests, 8, (r, i) => postActivity(bots[i % bots.length].url, approveClick(approver, r.id, connectorUrl)));
    const ids = new Set(requests.map((r) => r.id));
    const deadline = Date.now() + 15 * 60_000;
    let done = [];
    for (;;) {
      const listed = await storeHandle.requests.list({ status: ['succeeded', 'failed', 'paused'] });
      done = listed.filter((r) => ids.has(r.value.id));
      if (done.length === ids.size || Date.now() > deadline) break;
      await sleep(250);
    }
    const seconds = (Date.now() - started) / 1000;
    const cores = cpu.cores();
    const after = (await cloud.control('GET', '/_sandbox/state')).body.counts;
    const succeeded = done.filter((r) => r.value.status === 'succeeded').length;
    return {
      instances,
      runs: requests.length,
      succeeded,
      seconds,
      runsPerMinute: (succeeded / seconds) * 60,
      customersCreated: after.customersCreated - before.customersCreated,
      // Where the CPU went while the runs ran (cores used, of os.cpus().length), and who ran them.
      cores,
      // Load-independent: the CPU the bot instances spent per finished run (ms).
      botCpuMsPerRun: Math.round((cores.bots.reduce((a, b) => a + b, 0) * seconds * 1000) / Math.max(1, succeeded)),
      runsByInstance: await runsByWorker(storeHandle, requests),
    };
  } finally {
    await Promise.all(bots.map((b) => stop(b.child)));
  }
}

/**
 * CPU used by each process while a measurement runs, in cores: the bot instances, the simulated cloud,
 * Azurite, this script (it lists the requests every 250 ms) and everything else on the machine.
 */
function cpuMeter(pids) {
  const start = Date.now();
  const read = () => Object.fromEntries(Object.entries(pids).map(([name, list]) => [name, list.map((pid) => safeCpuMs(pid))]));
  const first = read();
  const own = process.cpuUsage();
  const machine = machineBusyCores();
  return {
    cores() {
      const ms = Date.now() - start;
      const now = read();
      const per = Object.fromEntries(Object.entries(now).map(([name, list]) => [name, list.map((v, i) => +((v - first[name][i]) / ms).toFixed(2))]));
      const ownUsage = process.cpuUsage(own);
      const bench = (ownUsage.user + ownUsage.system) / 1000 / ms;
      const total = (machineBusyCores() - machine) / ms;
      const known = Object.values(per).flat().reduce((a, b) => a + b, 0) + bench;
      return { ...per, benchScript: +bench.toFixed(2), otherProcesses: +Math.max(0, total - known).toFixed(2), machineTotal: +total.toFixed(2), machineCores: os.cpus().length };
    },
  };
}

function safeCpuMs(pid) {
  try {
    return cpuMs(pid);
  } catch {
    return NaN;
  }
}

/** How many runs each instance started or resumed (the audit trail's run-started / run-resumed entries name the worker). */
async function runsByWorker(storeHandle, requests) {
  const counts = {};
  let resumed = 0;
  for (const r of requests) {
    const trail = await storeHandle.audit.list(r.id);
    const started = trail.find((e) => e.action === 'run-started');
    const worker = /by (\S+?)\.?$/.exec(started?.detail ?? '')?.[1] ?? 'none';
    counts[worker] = (counts[worker] ?? 0) + 1;
    resumed += trail.filter((e) => e.action === 'run-resumed').length;
  }
  return { started: Object.values(counts).sort((a, b) => b - a), resumedElsewhere: resumed };
}

function markdown(results) {
  const t = results.turns;
  const a = results.approvals;
  const byStore = (list, store) => list.find((r) => r.store === store);
  const lines = [
    `Message turns (closed loop, c=${settings.concurrency}, fresh bot per row; "help" touches no state, "onboard" reads and writes dialog state):`,
    '',
    '| store | message | turns | turns/s | reply p50 / p95 / p99 ms | CPU ms/turn | errors | other load (cores) |',
    '|---|---|---:|---:|---|---:|---:|---:|',
  ];
  for (const turn of t) {
    lines.push(
      `| ${turn.store} | ${turn.message} | ${turn.turns} | ${f(turn.turnsPerSecond, 0)} | ${f(turn.reply.p50)} / ${f(turn.reply.p95)} / ${f(turn.reply.p99)} | ${f(turn.cpuMsPerTurn, 2)} | ${turn.errors} | ${f(turn.machineBusyCores, 2)} |`,
    );
  }
  lines.push(
    '',
    `Approve invokes (c=${settings.invokeConcurrency}; each decision starts a run, which stops at its first step here):`,
    '',
    '| store | invokes | invoke p50 / p95 / p99 ms | errors |',
    '|---|---:|---|---:|',
  );
  for (const inv of a) lines.push(`| ${inv.store} | ${inv.invokes} | ${f(inv.p50)} / ${f(inv.p95)} / ${f(inv.p99)} | ${inv.errors} |`);
  const ratio = (x, y) => f(x / y, 2);
  const turnOf = (store, message) => t.find((r) => r.store === store && r.message === message);
  lines.push(
    '',
    `Blob ÷ SQLite p99: "help" turn ×${ratio(turnOf('blob', 'help')?.reply.p99, turnOf('sqlite', 'help')?.reply.p99)}, "onboard" turn ×${ratio(turnOf('blob', 'onboard')?.reply.p99, turnOf('sqlite', 'onboard')?.reply.p99)}, approval invoke ×${ratio(byStore(a, 'blob')?.p99, byStore(a, 'sqlite')?.p99)}.`,
    '',
    `Runs to the end on Blob storage (${settings.runs} approved at once, simulated cloud with 5 ms order/subscription delays):`,
    '',
    '| instances | runs | succeeded | seconds | runs/min | customers created | runs started per instance | bots\' CPU ms per run | CPU cores: bots / simulated cloud / Azurite / bench script / other (machine total of N) |',
    '|---:|---:|---:|---:|---:|---:|---|---:|---|',
  );
  for (const r of results.runsPerMinute) {
    const c = r.cores;
    const cpu = `${c.bots.map((v) => f(v, 2)).join(' + ')} / ${f(c.simulatedCloud[0], 2)} / ${f(c.azurite[0], 2)} / ${f(c.benchScript, 2)} / ${f(c.otherProcesses, 2)} (${f(c.machineTotal, 2)} of ${c.machineCores})`;
    lines.push(`| ${r.instances} | ${r.runs} | ${r.succeeded} | ${f(r.seconds)} | ${f(r.runsPerMinute)} | ${r.customersCreated} | ${r.runsByInstance.started.join(' / ')} | ${r.botCpuMsPerRun} | ${cpu} |`);
  }
  lines.push('', `machine: ${results.machine.cpus} cores, load average at start ${results.machine.loadavg.map((l) => l.toFixed(1)).join(' / ')}`);
  return lines.join('\n');
}

async function main() {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    const built = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('build failed');
  }
  const { openStore } = require(path.join(root, 'lib', 'store'));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-blob-'));
  const machine = { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg() };
  const [sandbox, azurite] = await Promise.all([startSandbox(), startAzurite()]);
  const cloud = { ...sandbox, state: (await sandbox.control('GET', '/_sandbox/state')).body };
  const connector = createConnector();
  const connectorUrl = await connector.listen();
  const opened = [];
  const store = async (kind) => {
    const env =
      kind === 'sqlite'
        ? { STORE: 'sqlite', STORE_PATH: path.join(workDir, `bot-${randomUUID()}.db`) }
        : { STORE: 'blob', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: `bench-${randomUUID()}` };
    const handle = await openStore({ STORE: env.STORE, STORE_PATH: env.STORE_PATH ?? '', AZURE_STORAGE_CONNECTION_STRING: env.AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_CONTAINER: env.AZURE_STORAGE_CONTAINER ?? 'x' });
    opened.push(handle);
    return { env, handle };
  };
  const results = { date: new Date().toISOString(), machine, settings, turns: [], approvals: [], runsPerMinute: [] };
  try {
    for (const kind of parts.has('turns') || parts.has('approvals') ? ['sqlite', 'blob'] : []) {
      for (const text of parts.has('turns') ? Object.keys(MESSAGES) : []) {
        process.stderr.write(`bench: ${kind} "${text}" turns…\n`);
        const s1 = await store(kind);
        results.turns.push(await messageTurns(kind, text, botEnv(cloud, s1), connector, connectorUrl));
      }
      if (!parts.has('approvals')) continue;
      process.stderr.write(`bench: ${kind} approval invokes…\n`);
      const s2 = await store(kind);
      results.approvals.push(await approvalInvokes(kind, botEnv(cloud, s2), s2.handle, cloud, connectorUrl));
    }
    for (const instances of parts.has('runs') ? [1, 2] : []) {
      process.stderr.write(`bench: runs per minute, ${instances} instance(s) on blob…\n`);
      const s = await store('blob');
      results.runsPerMinute.push(await runsPerMinute(instances, botEnv(cloud, s), s.handle, cloud, connectorUrl, azurite.child));
    }
    const outDir = path.join(__dirname, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `blob-vs-sqlite-${results.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(results, null, 2));
    if (process.env.BENCH_RESULT_FILE) fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(results, null, 2));
    console.log(markdown(results));
    console.log(`\n(raw results: ${path.relative(root, file)})`);
  } finally {
    for (const handle of opened) await handle.close();
    await connector.close();
    await stop(sandbox.child);
    azurite.child.kill('SIGKILL');
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err.stack || err.message);
    process.exit(1);
  });
}

// Pieces bench/takeover.js reuses.
module.exports = { main, seed };
