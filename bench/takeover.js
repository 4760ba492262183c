// `node bench/takeover.js` (issue 17, target 6): with the default LEASE_SECONDS, how long after an
// instance is killed (SIGKILL, mid-run) another instance takes its run over, and how much Blob
// storage traffic two instances make meanwhile. Two bot processes on Blob storage (Azurite over
// loopback, behind a proxy that counts requests), the simulated cloud in its own process with an
// order that takes 10 minutes to complete, so the run sits polling on the instance that started it.
//   1. One request approved on instance A; once A holds the run's lease, Blob requests are counted
//      for BENCH_TRAFFIC_SECONDS (default 60; 20 with BENCH_QUICK=1): requests per minute with one
//      run in flight and two instances.
//   2. A is killed; the takeover time is kill → the lease record names B.
// Writes its results to BENCH_RESULT_FILE (for `npm run bench`) and prints them.
const fs = require('fs');
const http = require('http');
const path = require('path');
const { randomUUID } = require('crypto');
const { startSandboxProcess, stop } = require('./harness/processes');
const { createConnector } = require('./harness/connector');
const { runLeaseReader, startAzurite, requestJson, botEnv, startBot, greet, approveClick, postActivity } = require('./harness/instances');
const { seed } = require('./blobVsSqlite');

const root = path.join(__dirname, '..');
const quick = process.env.BENCH_QUICK === '1';
const settings = { trafficSeconds: Number(process.env.BENCH_TRAFFIC_SECONDS || (quick ? 20 : 60)) };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A proxy in front of Azurite that counts the requests the bots make. */
function countingProxy(target) {
  const upstream = new URL(target);
  const counts = { total: 0, byMethod: {} };
  const server = http.createServer((req, res) => {
    counts.total++;
    counts.byMethod[req.method] = (counts.byMethod[req.method] || 0) + 1;
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}`, counts })));
}

async function main() {
  const { openStore } = require(path.join(root, 'lib', 'store'));
  const sandbox = await startSandboxProcess(root, { SANDBOX_SEED: 'false', SANDBOX_LATENCY_MS: '0', SANDBOX_ORDER_DELAY_MS: String(10 * 60_000), SANDBOX_ENTITLEMENT_DELAY_MS: '0' });
  const ca = fs.readFileSync(sandbox.env.NODE_EXTRA_CA_CERTS);
  const origin = sandbox.env.AZURE_AUTHORITY_HOST.replace(/\/$/, '');
  const control = (method, p, body) => requestJson(`${origin}${p}`, method, body, ca);
  const cloud = { child: sandbox.child, env: sandbox.env, control, state: (await control('GET', '/_sandbox/state')).body };
  const azurite = await startAzurite();
  const blobEndpoint = /BlobEndpoint=(http:\/\/[^/]+)/.exec(azurite.connectionString)[1];
  const proxy = await countingProxy(blobEndpoint);
  const connectionString = azurite.connectionString.replace(blobEndpoint, proxy.url);
  const container = `takeover-${randomUUID().slice(0, 8)}`;
  const storeEnv = { STORE: 'blob', AZURE_STORAGE_CONNECTION_STRING: connectionString, AZURE_STORAGE_CONTAINER: container };
  const store = await openStore({ STORE: 'blob', STORE_PATH: '', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: container });
  const connector = createConnector();
  const connectorUrl = await connector.listen();
  // Default lease and polling: only what the instances need to run on the simulated cloud.
  const env = botEnv(cloud, { env: storeEnv });
  for (const name of ['LEASE_SECONDS', 'POLL_INTERVAL_SECONDS', 'POLL_MAX_INTERVAL_SECONDS']) delete env[name];
  const leaseOf = runLeaseReader(azurite.connectionString, container);
  const bots = [];
  try {
    const a = await startBot(env);
    const b = await startBot(env);
    bots.push(a, b);
    const approver = await greet([a], cloud, connectorUrl);
    const [request] = await seed(store, cloud, 1);
    await postActivity(a.url, approveClick(approver, request.id, connectorUrl));
    let held;
    for (let i = 0; i < 600 && !held; i++) {
      const lease = await leaseOf(request.id);
      const current = (await store.requests.get(request.id))?.value;
      if (lease && current?.steps.some((s) => s.name === 'azure-plan' && s.status === 'running')) held = lease;
      else await sleep(100);
    }
    if (!held) throw new Error('the run did not reach its polling step on instance A');
    process.stderr.write(`bench: takeover: counting Blob requests for ${settings.trafficSeconds} s…\n`);
    const before = { ...proxy.counts, byMethod: { ...proxy.counts.byMethod } };
    await sleep(settings.trafficSeconds * 1000);
    const requests = proxy.counts.total - before.total;
    const byMethod = Object.fromEntries(Object.entries(proxy.counts.byMethod).map(([m, n]) => [m, n - (before.byMethod[m] || 0)]));

    process.stderr.write('bench: takeover: killing instance A…\n');
    const holder = (await leaseOf(request.id)).owner;
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    let takenBy;
    while (!takenBy && Date.now() - killedAt < 5 * 60_000) {
      const lease = await leaseOf(request.id);
      if (lease && lease.owner !== holder) takenBy = lease.owner;
      else await sleep(100);
    }
    const takeoverSeconds = takenBy ? (Date.now() - killedAt) / 1000 : Infinity;
    const result = {
      settings,
      leaseSeconds: 'default',
      takeoverSeconds,
      takenOver: Boolean(takenBy),
      blobRequestsPerMinute: (requests / settings.trafficSeconds) * 60,
      blobRequestsByMethod: byMethod,
    };
    console.log(JSON.stringify(result, null, 2));
    if (process.env.BENCH_RESULT_FILE) fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2));
  } finally {
    await Promise.all(bots.map((bot) => stop(bot.child)));
    await store.close();
    await connector.close();
    proxy.server.close();
    await stop(sandbox.child);
    azurite.child.kill('SIGKILL');
  }
}

main().catch((err) => {
  console.error(err.stack || err.message);
  process.exit(1);
});
