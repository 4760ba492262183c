// `npm run bench [scenario…]`: per-turn cost of our bot against a bare botbuilder echo bot (the
// floor), measured in the same run, plus spawn → /readyz. Each (scenario, bot, concurrency) runs in
// a fresh bot process; replies are received by a loopback connector. Results go to
// bench/results/<date>.json and a markdown table on stdout (copy it into docs/performance.md).
//
// Settings (environment): BENCH_WARMUP_TURNS (default 500), BENCH_TURNS (max measured turns per
// run, default 5000), BENCH_SECONDS (max measured seconds per run, default 10), BENCH_SPAWNS
// (cold starts to time, default 7), BENCH_SKIP_BUILD=1.
// Adding a scenario: a module in bench/scenarios/ exporting { name, description, bots, concurrency,
// botEnv?, activity(ids), checkReply(bot, body) } and listed in SCENARIOS below. `approval-invoke`
// (bench/approvalInvoke.js), `blob-vs-sqlite` (bench/blobVsSqlite.js) and `bulk-onboarding` (bench/bulkOnboarding.js) have their own harness and
// run after the turn scenarios; name scenarios to run only those (`npm run bench help-turn`).
const { spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const { createConnector } = require('./harness/connector');
const { runLoad } = require('./harness/load');
const { cpuMs, peakRssMiB, machineBusyCores, spawnNode, waitReady, stop } = require('./harness/processes');

const root = path.join(__dirname, '..');
const SCENARIOS = { 'help-turn': require('./scenarios/helpTurn') };
// Benchmarks with their own harness (several processes, the durable run), run after the turn scenarios.
const SCRIPTS = {
  'approval-invoke': path.join(__dirname, 'approvalInvoke.js'),
  'blob-vs-sqlite': path.join(__dirname, 'blobVsSqlite.js'),
  'bulk-onboarding': path.join(__dirname, 'bulkOnboarding.js'),
};
const settings = {
  warmupTurns: Number(process.env.BENCH_WARMUP_TURNS || 500),
  maxTurns: Number(process.env.BENCH_TURNS || 5000),
  maxSeconds: Number(process.env.BENCH_SECONDS || 10),
  spawns: Number(process.env.BENCH_SPAWNS || 7),
};
const TARGETS = { p99RatioToBare: 1.5, spawnToReadyMs: 1500 };

/** A port nobody listens on right now (the OS picks it). */
function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function build() {
  if (process.env.BENCH_SKIP_BUILD === '1') return;
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('build failed');
}

async function startSandbox() {
  const child = spawnNode([path.join(root, 'lib', 'sandbox', 'main.js'), '--port', '0'], {});
  const deadline = Date.now() + 30_000;
  for (;;) {
    const env = Object.fromEntries(
      child
        .output()
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    if (env.ARM_ENDPOINT && env.NODE_EXTRA_CA_CERTS && env.REGISTRATIONS !== undefined) return { child, env };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the simulated cloud did not start:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts one bot process; resolves once /readyz answers 200. */
async function startBot(kind, extraEnv, cloudEnv, workDir) {
  const port = await freePort();
  const started = Date.now();
  const child =
    kind === 'bare'
      ? spawnNode([path.join(__dirname, 'bareBot.js')], { PORT: String(port) })
      : spawnNode([path.join(root, 'lib', 'index.js')], {
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
  return { child, port, readyMs: Date.now() - started };
}

async function measure(scenario, kind, concurrency, cloudEnv, workDir, connector, connectorUrl) {
  const bot = await startBot(kind, scenario.botEnv ?? {}, cloudEnv, workDir);
  try {
    let cpuStart = 0;
    let machineStart = 0;
    let selfStart;
    const result = await runLoad({
      runId: `${kind}${concurrency}`,
      botUrl: `http://127.0.0.1:${bot.port}/api/messages`,
      connector,
      connectorUrl,
      concurrency,
      warmupTurns: settings.warmupTurns,
      maxTurns: settings.maxTurns,
      maxSeconds: settings.maxSeconds,
      activity: scenario.activity,
      checkReply: (body) => scenario.checkReply(kind, body),
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

async function coldStarts(kind, cloudEnv, workDir) {
  const times = [];
  for (let i = 0; i < settings.spawns; i++) {
    const bot = await startBot(kind, {}, cloudEnv, workDir);
    times.push(bot.readyMs);
    await stop(bot.child);
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { bot: kind, runs: times.length, medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], maxMs: sorted[sorted.length - 1], times };
}

const f = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

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
  lines.push('', '| scenario | conc | turns/s ratio | reply p50 ratio | reply p99 ratio (target ≤ 1.5) | CPU/turn ratio |', '|---|---:|---:|---:|---:|---:|');
  for (const ratio of results.ratios) {
    lines.push(`| ${ratio.scenario} | ${ratio.concurrency} | ${f(ratio.turnsPerSecond)} | ${f(ratio.replyP50)} | ${f(ratio.replyP99)} ${ratio.replyP99 <= TARGETS.p99RatioToBare ? '✓' : '✗'} | ${f(ratio.cpuMsPerTurn)} |`);
  }
  lines.push('', '| bot | spawn → /readyz 200, median (min–max) ms | runs |', '|---|---|---:|');
  for (const c of results.coldStart) lines.push(`| ${c.bot} | ${c.medianMs} (${c.minMs}–${c.maxMs})${c.bot === 'csp' ? (c.medianMs < TARGETS.spawnToReadyMs ? ' ✓' : ' ✗') : ''} | ${c.runs} |`);
  return lines.join('\n');
}

function ratios(runs) {
  const out = [];
  for (const ours of runs.filter((r) => r.bot === 'csp')) {
    const bare = runs.find((r) => r.bot === 'bare' && r.scenario === ours.scenario && r.concurrency === ours.concurrency);
    if (!bare) continue;
    out.push({
      scenario: ours.scenario,
      concurrency: ours.concurrency,
      turnsPerSecond: ours.turnsPerSecond / bare.turnsPerSecond,
      replyP50: ours.reply.p50 / bare.reply.p50,
      replyP99: ours.reply.p99 / bare.reply.p99,
      cpuMsPerTurn: ours.cpuMsPerTurn / bare.cpuMsPerTurn,
    });
  }
  return out;
}

function runScripts(names) {
  for (const name of names) {
    process.stderr.write(`bench: ${name}…\n`);
    const result = spawnSync(process.execPath, [SCRIPTS[name]], { cwd: root, stdio: 'inherit', env: { ...process.env, BENCH_SKIP_BUILD: '1' } });
    if (result.status !== 0) throw new Error(`${name} failed (exit ${result.status})`);
  }
}

async function main() {
  const asked = process.argv.slice(2);
  const all = [...Object.keys(SCENARIOS), ...Object.keys(SCRIPTS)];
  const unknown = asked.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new Error(`Unknown scenario(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  const wanted = asked.length > 0 ? asked : all;
  build();
  await runTurnScenarios(wanted.filter((n) => SCENARIOS[n]));
  runScripts(wanted.filter((n) => SCRIPTS[n]));
}

async function runTurnScenarios(names) {
  if (names.length === 0) return;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  const sandbox = await startSandbox();
  const connector = createConnector();
  const connectorUrl = await connector.listen();
  const runs = [];
  try {
    for (const name of names) {
      const scenario = SCENARIOS[name];
      for (const concurrency of scenario.concurrency) {
        // Bare and ours back to back at each level, so both see the same machine load.
        for (const kind of scenario.bots) {
          process.stderr.write(`bench: ${name} ${kind} c=${concurrency}…\n`);
          runs.push(await measure(scenario, kind, concurrency, sandbox.env, workDir, connector, connectorUrl));
        }
      }
    }
    process.stderr.write('bench: cold starts…\n');
    const coldStart = [await coldStarts('bare', sandbox.env, workDir), await coldStarts('csp', sandbox.env, workDir)];
    const results = {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() },
      settings,
      targets: TARGETS,
      runs,
      ratios: ratios(runs),
      coldStart,
    };
    const outDir = path.join(__dirname, 'results');
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `${results.date.replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(results, null, 2));
    console.log(markdown(results));
    console.log(`\n(raw results: ${path.relative(root, file)})`);
  } finally {
    await connector.close();
    await stop(sandbox.child);
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
