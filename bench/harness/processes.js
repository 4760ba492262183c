// Spawning the bots under test, a free port for them, and reading their CPU time and peak memory from /proc.
const net = require('net');
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');

const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** User + system CPU of a process, in ms (Linux). */
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Peak resident memory (VmHWM) in MiB (Linux). */
function peakRssMiB(pid) {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU used by everything else on the machine over an interval, in cores (a noise indicator). */
function machineBusyCores() {
  const [user, nice, system, , , irq, softirq, steal] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / TICKS_PER_SECOND;
}

function spawnNode(args, env) {
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  child.output = () => output;
  return child;
}

async function waitReady(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited (code ${child.exitCode}):\n${child.output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resident memory now (VmRSS) in MiB (Linux). */
function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/**
 * The simulated cloud in its own process (`lib/sandbox/main.js`); resolves with the KEY=value lines
 * it prints (the bot's environment, PARTNER_CENTER_REFRESH_TOKEN included) once they are all there.
 */
async function startSandboxProcess(root, env = {}) {
  const path = require('path');
  const child = spawnNode([path.join(root, 'lib', 'sandbox', 'main.js'), '--port', '0'], env);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const lines = Object.fromEntries(
      child
        .output()
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    if (lines.PARTNER_CENTER_REFRESH_TOKEN) return { child, env: lines };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the simulated cloud did not start:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The simulated cloud in its own process, unseeded, with a bench's latency and delays (ms). */
function startSimulatedCloud(root, { latencyMs, orderMs, entitlementMs }) {
  return startSandboxProcess(root, {
    SANDBOX_SEED: 'false',
    SANDBOX_LATENCY_MS: String(latencyMs),
    SANDBOX_ORDER_DELAY_MS: String(orderMs),
    SANDBOX_ENTITLEMENT_DELAY_MS: String(entitlementMs),
  });
}

const cores = () => os.cpus().length;

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

module.exports = { freePort, cpuMs, peakRssMiB, rssMiB, machineBusyCores, spawnNode, waitReady, stop, cores, startSandboxProcess, startSimulatedCloud };
