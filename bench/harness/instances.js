// Two or more bot instances (`node lib/index.js`) on one store and one simulated cloud in its own
// process, driven as Teams would drive them: Azurite for Blob storage, each instance's environment,
// the approvers' channel made known, activities posted, an Approve click. Used by bench/blobVsSqlite.js,
// bench/takeover.js and bench/bulkTwoInstances.js; Azurite and the simulated cloud's control surface
// also by bench/blobStatePairs.js and bench/bulkOnboarding.js.
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const https = require('https');
const path = require('path');
const { randomUUID } = require('crypto');
const { freePort, spawnNode, waitReady } = require('./processes');

const root = path.join(__dirname, '..', '..');
const TENANT = '11111111-2222-4333-8444-555555555555';
const CHANNEL = '19:approvals@thread.tacv2';
const AZURITE = path.join(root, 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
/** Azurite's fixed development account key (public, documented by Microsoft). */
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startAzurite() {
  const child = spawn(process.execPath, [AZURITE, '--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--skipApiVersionCheck', '--disableTelemetry', '--silent', '--loose'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (m) {
      const endpoint = `${m[1]}/devstoreaccount1`;
      return { child, connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};` };
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`Azurite did not start:\n${output}`);
    await sleep(20);
  }
}

function requestJson(url, method, body, ca) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.request(url, { method, ca, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** The simulated cloud's control surface (/_sandbox/…) of a sandbox process: the answer's body; a status ≥ 300 throws. */
function sandboxControl(sandbox) {
  const ca = fs.readFileSync(sandbox.env.NODE_EXTRA_CA_CERTS);
  const origin = sandbox.env.AZURE_AUTHORITY_HOST.replace(/\/$/, '');
  return async (method, p, body) => {
    const answer = await requestJson(`${origin}${p}`, method, body, ca);
    if (answer.status >= 300) throw new Error(`${method} ${p}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 256 });
function postActivity(url, activity) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(activity));
    const t0 = process.hrtime.bigint();
    const req = http.request(url, { method: 'POST', agent: keepAlive, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function activity({ type, id, conversationId, serviceUrl, from, text, value, name }) {
  return {
    type,
    name,
    id: id ?? `a-${randomUUID()}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from,
    recipient: { id: '28:csp-onboarding-bot', name: 'CSP Onboarding Bot' },
    conversation: { id: conversationId, conversationType: conversationId.startsWith('19:') ? 'channel' : 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    text,
    value,
  };
}

/** The environment of one bot instance on the given store. */
function botEnv(cloud, store) {
  return {
    ...cloud.env,
    CLOUD: 'sandbox',
    LOCAL_MODE: 'true',
    PARTNER_CENTER_REFRESH_TOKEN: cloud.state.delegatedRefreshToken,
    MicrosoftAppId: '',
    MicrosoftAppPassword: '',
    LOG_LEVEL: 'warn',
    ALLOWED_TENANT_IDS: TENANT,
    APPROVAL_CHANNEL_ID: CHANNEL,
    APPROVER_IDS: cloud.state.users.approver,
    POLL_INTERVAL_SECONDS: '0',
    POLL_MAX_INTERVAL_SECONDS: '0',
    LEASE_SECONDS: '10',
    ...store.env,
  };
}

/** A bot instance (`node lib/index.js`) on a free port, ready; `nodeArgs` go before the script (e.g. `--require`). */
async function startBot(env, nodeArgs = []) {
  const port = await freePort();
  // BENCH_CPU_PROF=<dir>: the bot runs with --cpu-prof, its profile written there when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.env.BENCH_CPU_PROF)] : [];
  const child = spawnNode([...profile, ...nodeArgs, path.join(root, 'lib', 'index.js')], { ...env, PORT: String(port) });
  await waitReady(`http://127.0.0.1:${port}/readyz`, child);
  return { child, port, url: `http://127.0.0.1:${port}/api/messages` };
}

/** Turns the approvers' channel into a known conversation for each instance (as after an install). */
async function greet(bots, cloud, connectorUrl) {
  const approver = { id: '29:adele', name: 'Adele Approver', aadObjectId: cloud.state.users.approver };
  for (const bot of bots) await postActivity(bot.url, activity({ type: 'message', conversationId: CHANNEL, serviceUrl: connectorUrl, from: approver, text: 'help' }));
  return approver;
}

function approveClick(approver, id, serviceUrl) {
  return activity({
    type: 'invoke',
    name: 'adaptiveCard/action',
    conversationId: CHANNEL,
    serviceUrl,
    from: approver,
    value: { action: { type: 'Action.Execute', verb: 'request.approve', data: { requestId: id } }, trigger: 'manual' },
  });
}

/** Reads a run's lease record from the Blob store (`leases/run:<id>.json`): who holds it and until when; undefined when there is none. */
function runLeaseReader(connectionString, container) {
  const { BlobServiceClient } = require('@azure/storage-blob');
  const containerClient = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  return async (id) => {
    try {
      const body = await containerClient.getBlobClient(`leases/${encodeURIComponent(`run:${id}`)}.json`).downloadToBuffer();
      return JSON.parse(body.toString('utf8'));
    } catch {
      return undefined;
    }
  };
}

module.exports = { runLeaseReader, TENANT, CHANNEL, freePort, startAzurite, requestJson, sandboxControl, postActivity, activity, botEnv, startBot, greet, approveClick };
