// `npm run bench [scenario…]` (`-- --quick`, or BENCH_QUICK=1, for a short check of the harness):
// what our bot costs against bare botbuilder bots (the floors), measured in the same run, and the
// issue 17 targets, each printed with its measured ratio and ✓/✗ at the end.
//   Turn scenarios (this file): each (scenario, bot, concurrency) in a fresh bot process, replies
//   received by a loopback connector. Floors: the bare echo bot (bench/bareBot.js) for `help-turn`,
//   the bare waterfall dialog bot (bench/bareDialogBot.js) for `onboard-turn` and `next-click`.
//   `drafts`: what 1,000 open onboarding drafts add to our resident memory. `cold-start`: spawn →
//   /readyz 200, ours against the bare echo bot.
//   Scripts with their own harness, run after: `approval-invoke` (bench/approvalInvoke.js),
//   `blob-vs-sqlite` (bench/blobVsSqlite.js), `takeover` (bench/takeover.js); each hands its
//   results back in a JSON file (BENCH_RESULT_FILE).
// Results go to bench/results/<date>.json and markdown tables on stdout.
//
// Settings (environment): BENCH_WARMUP_TURNS (default 500), BENCH_TURNS (max measured turns per
// run, default 5000), BENCH_SECONDS (max measured seconds per run, default 10), BENCH_SPAWNS
// (cold starts to time, default 7), BENCH_DRAFTS (default 1000), BENCH_SKIP_BUILD=1,
// BENCH_CPU_PROF=<dir> (our bot runs with --cpu-prof, profiles written there; for short runs).
// Adding a scenario: a module in bench/scenarios/ exporting { name, description, bots, concurrency,
// botEnv?, activity(ids), checkReply(bot, body, conversation), finalReply?(bot, body) } and listed in SCENARIOS.
// `bulk-onboarding` (bench/bulkOnboarding.js) and `bulk-two-instances` (bench/bulkTwoInstances.js, the
// same on two instances on Blob storage, one killed half-way) have their own harness and run after the turn scenarios.
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { createConnector } = require('./harness/connector');
const { runLoad } = require('./harness/load');
const { cpuMs, freePort, peakRssMiB, rssMiB, machineBusyCores, spawnNode, waitReady, stop, startSandboxProcess } = require('./harness/processes');
const { message } = require('./scenarios/teamsActivity');

const root = path.join(__dirname, '..');
const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const SCENARIOS = {
  'help-turn': require('./scenarios/helpTurn'),
  'onboard-turn': require('./scenarios/onboardTurn'),
  'next-click': require('./scenarios/nextClick'),
};
/** Measured here, besides the scenarios. */
const PARTS = ['drafts', 'cold-start'];
// Benchmarks with their own harness (several processes, the durable run), run after the turn scenarios.
const SCRIPTS = {
  'approval-invoke': path.join(__dirname, 'approvalInvoke.js'),
  'blob-vs-sqlite': path.join(__dirname, 'blobVsSqlite.js'),
  takeover: path.join(__dirname, 'takeover.js'),
  'bulk-onboarding': path.join(__dirname, 'bulkOnboarding.js'),
  'bulk-two-instances': path.join(__dirname, 'bulkTwoInstances.js'),
};
const BOTS = { bare: path.join(__dirname, 'bareBot.js'), bareDialog: path.join(__dirname, 'bareDialogBot.js') };
const settings = {
  quick,
  warmupTurns: Number(process.env.BENCH_WARMUP_TURNS || (quick ? 150 : 500)),
  maxTurns: Number(process.env.BENCH_TURNS || (quick ? 1500 : 5000)),
  maxSeconds: Number(process.env.BENCH_SECONDS || (quick ? 3 : 10)),
  spawns: Number(process.env.BENCH_SPAWNS || (quick ? 3 : 7)),
  drafts: Number(process.env.BENCH_DRAFTS || 1000),
  cpuProfileDir: process.env.BENCH_CPU_PROF ? path.resolve(process.env.BENCH_CPU_PROF) : undefined,
};

function build() {
  if (process.env.BENCH_SKIP_BUILD === '1') return;
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('build failed');
}

/** Starts one bot process; resolves once /readyz answers 200. */
async function startBot(kind, extraEnv, cloudEnv, workDir) {
  const port = await freePort();
  const started = Date.now();
  const profile = settings.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', settings.cpuProfileDir] : [];
  const child = BOTS[kind]
    ? spawnNode([BOTS[kind]], { PORT: String(port) })
    : spawnNode([...profile, path.join(root, 'lib', 'index.js')], {
        ...cloudEnv,
        CLOUD: 'sandbox',
        LOCAL_MODE: 'true',
        PORT: String(port),
        MicrosoftAppId: '',
        MicrosoftAppPassword: '',
        LOG_LEVEL: 'info',
        STORE_PATH: path.join(workDir, `bot-${port}.db`),
        ...extraEnv,
      });
  await waitReady(`http://127.0.0.1:${port}/readyz`, child);
  // CPU spent to get ready: less sensitive than the wall time to what else runs on the machine.
  return { child, port, readyMs: Date.now() - started, readyCpuMs: cpuMs(child.pid) };
}

async function measure(scenario, kind, concurrency, cloudEnv, workDir, connector, connectorUrl) {
  const bot = await startBot(kind, scenario.botEnv ?? {}, cloudEnv, workDir);
  try {
    let cpuStart = 0;
    let machineStart = 0;
    let selfStart;
    const result = await runLoad({
      runId: `${scenario.name}-${kind}${concurrency}`,
      botUrl: `http://127.0.0.1:${bot.port}/api/messages`,
      connector,
      connectorUrl,
      concurrency,
      warmupTurns: settings.warmupTurns,
      maxTurns: settings.maxTurns,
      maxSeconds: settings.maxSeconds,
      activity: (ids) => scenario.activity({ ...ids, bot: kind }),
      checkReply: (body, conversation) => scenario.checkReply(kind, body, conversation),
      finalReply: scenario.finalReply && ((body) => scenario.finalReply(kind, body)),
      onMeasureStart: () => {
        cpuStart = cpuMs(bot.child.pid);
        machineStart = machineBusyCores();
        selfStart = process.cpuUsage();
      },
    });
    const botCpu = cpuMs(bot.child.pid) - cpuStart;
    const self = process.cpuUsage(selfStart);
    const machine = machineBusyCores() - machineStart;
    const foreignCores = Math.max(0, (machine - botCpu - (self.user + self.system) / 1000) / (result.seconds * 1000));
    return {
      scenario: scenario.name,
      bot: kind,
      concurrency,
      ...result,
      cpuMsPerTurn: botCpu / result.turns,
      peakRssMiB: peakRssMiB(bot.child.pid),
      foreignCores,
    };
  } finally {
    await stop(bot.child);
  }
}

/**
 * What open onboarding drafts add to our resident memory: RSS after a warm-up of `onboard` turns in
 * a few conversations, then after `onboard` in `settings.drafts` more conversations (one draft each,
 * its dialog state in the store).
 */
async function draftsMemory(cloudEnv, workDir, connector, connectorUrl) {
  const bot = await startBot('csp', SCENARIOS['onboard-turn'].botEnv, cloudEnv, workDir);
  try {
    const run = (runId, conversations) =>
      runLoad({
        runId,
        botUrl: `http://127.0.0.1:${bot.port}/api/messages`,
        connector,
        connectorUrl,
        concurrency: 16,
        warmupTurns: 0,
        maxTurns: conversations,
        maxSeconds: 600,
        activity: (ids) => message({ ...ids, conversationId: `${ids.conversationId}-${ids.id}` }, 'onboard'),
        checkReply: (body) => body.includes('Onboard a customer'),
      });
    await run('drafts-warm', 300);
    const before = rssMiB(bot.child.pid);
    const result = await run('drafts', settings.drafts);
    const after = rssMiB(bot.child.pid);
    return { drafts: result.turns, errors: result.errors, rssBeforeMiB: before, rssAfterMiB: after, addedMiB: after - before, peakRssMiB: peakRssMiB(bot.child.pid) };
  } finally {
    await stop(bot.child);
  }
}

async function coldStarts(kind, cloudEnv, workDir) {
  const times = [];
  const cpu = [];
  for (let i = 0; i < settings.spawns; i++) {
    const bot = await startBot(kind, {}, cloudEnv, workDir);
    times.push(bot.readyMs);
    cpu.push(bot.readyCpuMs);
    await stop(bot.child);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  return { bot: kind, runs: times.length, medianMs: median(times), minMs: sorted[0], maxMs: sorted[sorted.length - 1], medianCpuMs: median(cpu), times, cpuMs: cpu };
}

const f = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const mark = (ok) => (ok === undefined ? '(not measured)' : ok ? '✓' : '✗');

function markdown(results) {
  const lines = [
    '| scenario | bot | conc | turns | turns/s | reply p50 / p95 / p99 ms | POST p99 ms | CPU ms/turn | peak RSS MiB | errors | other load (cores) |',
    '|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of results.runs) {
    lines.push(
      `| ${r.scenario} | ${r.bot} | ${r.concurrency} | ${r.turns} | ${f(r.turnsPerSecond, 0)} | ${f(r.reply.p50)} / ${f(r.reply.p95)} / ${f(r.reply.p99)} | ${f(r.post.p99)} | ${f(r.cpuMsPerTurn)} | ${f(r.peakRssMiB, 0)} | ${r.errors} | ${f(r.foreignCores)} |`,
    );
  }
  lines.push('', '| scenario | floor | conc | turns/s ratio | reply p50 ratio | reply p99 ratio | CPU/turn ratio | peak RSS ratio |', '|---|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results.ratios) {
    lines.push(`| ${r.scenario} | ${r.floor} | ${r.concurrency} | ${f(r.turnsPerSecond)} | ${f(r.replyP50)} | ${f(r.replyP99)} | ${f(r.cpuMsPerTurn)} | ${f(r.peakRss)} |`);
  }
  if (results.drafts) {
    const d = results.drafts;
    lines.push('', `Open drafts: ${d.drafts} \`onboard\` turns in as many conversations (${d.errors} errors): RSS ${f(d.rssBeforeMiB, 0)} → ${f(d.rssAfterMiB, 0)} MiB (+${f(d.addedMiB, 1)}), peak ${f(d.peakRssMiB, 0)} MiB.`);
  }
  if (results.coldStart.length > 0) {
    lines.push('', '| bot | spawn → /readyz 200, median (min–max) ms | CPU to ready, median ms | runs |', '|---|---|---:|---:|');
    for (const c of results.coldStart) lines.push(`| ${c.bot} | ${c.medianMs} (${c.minMs}–${c.maxMs}) | ${f(c.medianCpuMs, 0)} | ${c.runs} |`);
  }
  return lines.join('\n');
}

function ratios(runs) {
  const out = [];
  for (const ours of runs.filter((r) => r.bot === 'csp')) {
    const floor = runs.find((r) => r.bot !== 'csp' && r.scenario === ours.scenario && r.concurrency === ours.concurrency);
    if (!floor) continue;
    out.push({
      scenario: ours.scenario,
      floor: floor.bot,
      concurrency: ours.concurrency,
      turnsPerSecond: ours.turnsPerSecond / floor.turnsPerSecond,
      replyP50: ours.reply.p50 / floor.reply.p50,
      replyP99: ours.reply.p99 / floor.reply.p99,
      cpuMsPerTurn: ours.cpuMsPerTurn / floor.cpuMsPerTurn,
      peakRss: ours.peakRssMiB / floor.peakRssMiB,
    });
  }
  return out;
}

/** Issue 17's targets, each with the measured ratio and ✓/✗ (✓/✗ left out when its part did not run). */
function targets(turns, scripts) {
  const rows = [];
  const ratioOf = (scenario) => turns.ratios.find((r) => r.scenario === scenario);
  const dialog = ['onboard-turn', 'next-click'].map(ratioOf).filter(Boolean);
  rows.push({
    target: '1. dialog turns (onboard, Next click; SQLite, c=16): CPU/turn and reply p99 ≤ 1.5 × the bare waterfall dialog bot',
    measured: dialog.map((r) => `${r.scenario}: CPU ${f(r.cpuMsPerTurn)}×, p99 ${f(r.replyP99)}×`).join('; '),
    ok: dialog.length === 0 ? undefined : dialog.every((r) => r.cpuMsPerTurn <= 1.5 && r.replyP99 <= 1.5),
  });
  const inv = scripts['approval-invoke'];
  rows.push({
    target: `2. approval click p99 ≤ 150 ms with 100 runs in flight (bot and simulated cloud in separate processes)`,
    measured: inv ? `p99 ${inv.clicks.p99} ms (p50 ${inv.clicks.p50}) with ${inv.settings.inFlight} in flight` : '',
    ok: inv ? inv.clicks.p99 <= 150 && inv.settings.inFlight >= 100 : undefined,
  });
  rows.push({
    target: '3. one run: wall time ≤ 1.05 × the unavoidable sequential time',
    measured: inv ? `${inv.singleRun.wallMs} / ${inv.singleRun.floorMs} ms = ${f(inv.singleRun.ratio, 3)}×` : '',
    ok: inv ? inv.singleRun.ratio <= 1.05 : undefined,
  });
  const help = turns.ratios.filter((r) => r.scenario === 'help-turn');
  const worstRss = help.length > 0 ? Math.max(...help.map((r) => r.peakRss)) : undefined;
  const drafts = turns.drafts;
  rows.push({
    target: '4. memory: peak RSS in the turn bench ≤ 1.25 × the bare echo bot; 1,000 open drafts add ≤ 50 MiB',
    measured: [worstRss !== undefined ? `peak RSS ${f(worstRss)}× (worst concurrency)` : '', drafts ? `${drafts.drafts} drafts +${f(drafts.addedMiB, 1)} MiB` : ''].filter(Boolean).join('; '),
    ok: worstRss === undefined || !drafts ? undefined : worstRss <= 1.25 && drafts.addedMiB <= 50 && drafts.drafts >= 1000,
  });
  const cold = turns.coldStart;
  const bare = cold.find((c) => c.bot === 'bare');
  const ours = cold.find((c) => c.bot === 'csp');
  rows.push({
    target: '5. cold start: spawn → /readyz 200 ≤ 1.5 × the bare echo bot, median',
    measured: bare && ours ? `${ours.medianMs} / ${bare.medianMs} ms = ${f(ours.medianMs / bare.medianMs)}× (median of ${ours.runs}; CPU to ready ${f(ours.medianCpuMs / bare.medianCpuMs)}×)` : '',
    ok: bare && ours ? ours.medianMs / bare.medianMs <= 1.5 : undefined,
  });
  const t = scripts.takeover;
  rows.push({
    target: '6. takeover: a killed instance\'s run resumed by another within 45 s, default settings',
    measured: t ? `${f(t.takeoverSeconds, 1)} s (LEASE_SECONDS ${t.leaseSeconds}); Blob requests/min with one run in flight, 2 instances: ${f(t.blobRequestsPerMinute, 0)}` : '',
    ok: t ? t.takeoverSeconds <= 45 : undefined,
  });
  const b = scripts['blob-vs-sqlite'];
  let blob;
  if (b) {
    const turn = (store) => b.turns.find((r) => r.store === store && r.message === 'onboard');
    const [one, two] = [1, 2].map((n) => b.runsPerMinute.find((r) => r.instances === n));
    blob = { cpu: turn('blob').cpuMsPerTurn / turn('sqlite').cpuMsPerTurn, p99: turn('blob').reply.p99 / turn('sqlite').reply.p99, scale: two.runsPerMinute / one.runsPerMinute };
    // Whether the machine had room for a second instance: with every core busy, two instances share the same CPU.
    const c = two.cores;
    if (c) blob.machine = `2 instances: ${f(c.machineTotal)} of ${c.machineCores} cores busy (bots ${c.bots.map((v) => f(v)).join(' + ')}, simulated cloud ${f(c.simulatedCloud[0])}, Azurite ${f(c.azurite[0])}); runs started ${two.runsByInstance.started.join(' / ')}`;
  }
  rows.push({
    target: '7. Blob: onboard turn ≤ 1.3 × SQLite (CPU, p99); runs/min with 2 instances ≥ 1.8 × one',
    measured: blob ? `CPU ${f(blob.cpu)}×, p99 ${f(blob.p99)}×; runs/min ${f(blob.scale)}×${blob.machine ? ` (${blob.machine})` : ''}` : '',
    ok: blob ? blob.cpu <= 1.3 && blob.p99 <= 1.3 && blob.scale >= 1.8 : undefined,
  });
  rows.push(bulkTarget('issue 16, bulk: 200 rows on a throttled cloud', scripts['bulk-onboarding']));
  const two = scripts['bulk-two-instances'];
  const twoRow = bulkTarget('issue 16, bulk: the same with two instances on Blob, one killed half-way', two);
  if (two) {
    twoRow.measured += `; takeover ${f(two.takeover.batchSeconds, 1)} s (LEASE_SECONDS ${two.settings.leaseSeconds}; without that wait ${f(two.time.ratioWithoutTakeover)}×); summary posted ${two.summary.posted}×`;
    twoRow.ok = twoRow.ok && two.summary.posted === 1 && two.batch.linesWithTwoRequests.length === 0;
  }
  rows.push(twoRow);
  return rows;
}

/** A bulk bench's line: every row succeeded, once each in the simulated cloud, none re-sent before its Retry-After, ≤ 1.2× the throttle bound. */
function bulkTarget(label, r) {
  const target = `${label}: every row once, 0 calls before their Retry-After, ≤ 1.2 × the throttle-bound minimum`;
  if (!r) return { target, measured: '', ok: undefined };
  const allOnce = r.once.rowsOnce !== undefined ? r.once.rowsOnce === r.batch.rows : ['customersCreated', 'mappings'].every((k) => r.once[k] === r.batch.rows);
  return {
    target,
    measured: `${r.batch.rowsSucceeded}/${r.batch.rows} rows succeeded, ${r.once.customersCreated} customers and ${r.once.mappings} mappings; ${r.throttling.resentBeforeRetryAfter} early of ${r.throttling.answered429} 429s; ${f(r.batch.elapsedMs / 1000, 1)} s = ${f(r.time.ratio)}× the bound`,
    ok: r.batch.rowsSucceeded === r.batch.rows && allOnce && r.throttling.resentBeforeRetryAfter === 0 && r.time.ratio <= 1.2,
  };
}

function targetsMarkdown(rows, results) {
  const load = results.machine.loadavg.map((l) => l.toFixed(1)).join(' / ');
  return [
    `## Targets (issue 17) — ${results.date}${settings.quick ? ', QUICK mode (short runs: a check of the harness, not a measurement)' : ''}`,
    `machine: ${results.machine.cpus} cores, load average at start ${load}`,
    '',
    '| target | measured | |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.target} | ${r.measured || '–'} | ${mark(r.ok)} |`),
  ].join('\n');
}

/** Runs a script with its own harness; returns the results it wrote to BENCH_RESULT_FILE. */
function runScript(name, workDir) {
  process.stderr.write(`bench: ${name}…\n`);
  const file = path.join(workDir, `${name}.json`);
  const env = { ...process.env, BENCH_SKIP_BUILD: '1', BENCH_RESULT_FILE: file, ...(quick ? { BENCH_QUICK: '1' } : {}) };
  // The earlier parts leave store files behind: flushed now, their writeback does not slow this
  // script's own fsyncs (the approval click waits for one).
  spawnSync('sync');
  const result = spawnSync(process.execPath, [SCRIPTS[name]], { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    process.stderr.write(`bench: ${name} failed (exit ${result.status})\n`);
    return undefined;
  }
  if (!fs.existsSync(file)) {
    process.stderr.write(`bench: ${name} wrote no results to BENCH_RESULT_FILE\n`);
    return undefined;
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

async function main() {
  const asked = process.argv.slice(2).filter((a) => a !== '--quick');
  const all = [...Object.keys(SCENARIOS), ...PARTS, ...Object.keys(SCRIPTS)];
  const unknown = asked.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new Error(`Unknown scenario(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  const wanted = asked.length > 0 ? asked : all;
  build();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
  const date = new Date().toISOString();
  const turns = await runTurnScenarios(wanted, workDir);
  const scripts = {};
  for (const name of wanted.filter((n) => SCRIPTS[n])) scripts[name] = runScript(name, workDir);
  const results = { date, machine, settings, ...turns, scripts };
  results.targets = targets(turns, scripts);
  const outDir = path.join(__dirname, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `${date.replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  if (turns.runs.length > 0 || turns.coldStart.length > 0 || turns.drafts) console.log(`\n${markdown(results)}`);
  console.log(`\n${targetsMarkdown(results.targets, results)}`);
  const bulk = scripts['bulk-onboarding'];
  if (bulk?.summary) console.log(`\n## Bulk onboarding (issue 16)\n\n${bulk.summary.join('\n\n')}`);
  console.log(`\n(raw results: ${path.relative(root, file)})`);
  fs.rmSync(workDir, { recursive: true, force: true });
}

async function runTurnScenarios(wanted, workDir) {
  const out = { runs: [], ratios: [], coldStart: [], drafts: undefined };
  const names = wanted.filter((n) => SCENARIOS[n]);
  if (names.length === 0 && !wanted.some((n) => PARTS.includes(n))) return out;
  const sandbox = await startSandboxProcess(root);
  const connector = createConnector();
  const connectorUrl = await connector.listen();
  try {
    for (const name of names) {
      const scenario = SCENARIOS[name];
      // Quick mode: one level (16 where the scenario has it).
      const levels = quick ? [scenario.concurrency.includes(16) ? 16 : scenario.concurrency[0]] : scenario.concurrency;
      for (const concurrency of levels) {
        // The floor and ours back to back at each level, so both see the same machine load.
        for (const kind of scenario.bots) {
          process.stderr.write(`bench: ${name} ${kind} c=${concurrency}…\n`);
          out.runs.push(await measure(scenario, kind, concurrency, sandbox.env, workDir, connector, connectorUrl));
        }
      }
    }
    out.ratios = ratios(out.runs);
    if (wanted.includes('drafts')) {
      process.stderr.write(`bench: ${settings.drafts} open drafts…\n`);
      out.drafts = await draftsMemory(sandbox.env, workDir, connector, connectorUrl);
    }
    if (wanted.includes('cold-start')) {
      process.stderr.write('bench: cold starts…\n');
      out.coldStart = [await coldStarts('bare', sandbox.env, workDir), await coldStarts('csp', sandbox.env, workDir)];
    }
    return out;
  } finally {
    await connector.close();
    await stop(sandbox.child);
  }
}

main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
