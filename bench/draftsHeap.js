// `node --expose-gc bench/draftsHeap.js` (after `npm run build`): the heap that 1,000 open onboarding
// drafts keep, after full garbage collections — what the `drafts` part of `npm run bench` measures
// as resident memory, without V8's uncollected garbage and heap headroom. Our bot in this process
// (SQLite, local mode; `onboard` needs no cloud call, so the cloud endpoints point nowhere), a
// loopback connector; 300 warm-up `onboard` turns in as many conversations, then 1,000 more.
const path = require('path');
const root = path.join(__dirname, '..');
const { loadConfig } = require(path.join(root, 'lib/config.js'));
const { createApp } = require(path.join(root, 'lib/app.js'));
const http = require('http');
(async () => {
  const fs = require('fs'); const os = require('os');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drafts-'));
  const connector = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, {'content-type':'application/json'}); res.end('{"id":"1"}'); }); });
  await new Promise((r) => connector.listen(0, '127.0.0.1', r));
  const serviceUrl = `http://127.0.0.1:${connector.address().port}/`;
  const config = loadConfig({ CLOUD: 'sandbox', LOCAL_MODE: 'true', STORE_PATH: path.join(dir, 'b.db'), LOG_LEVEL: 'fatal', ALLOWED_TENANT_IDS: '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f', ARM_ENDPOINT: 'https://127.0.0.1:1/', AZURE_AUTHORITY_HOST: 'https://127.0.0.1:1/', PARTNER_CENTER_ENDPOINT: 'https://127.0.0.1:1/', GRAPH_ENDPOINT: 'https://127.0.0.1:1/', AZURE_TENANT_ID: '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f', AZURE_CLIENT_ID: '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f', AZURE_CLIENT_SECRET: 'x', REGISTRATIONS: '' });
  const app = await createApp(config);
  const port = await app.listen(0);
  const send = (conv, i) => fetch(`http://127.0.0.1:${port}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'message', id: `a${i}`, channelId: 'msteams', serviceUrl, from: { id: '29:u', name: 'U', aadObjectId: 'a1e0c0de-0000-4000-8000-000000000001' }, recipient: { id: '28:b' }, conversation: { id: conv, conversationType: 'personal', tenantId: '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f' }, channelData: { tenant: { id: '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f' } }, text: 'onboard' }) });
  const batch = async (from, n) => { for (let i = from; i < from + n; i += 16) await Promise.all(Array.from({ length: 16 }, (_, k) => send(`c-${i + k}`, i + k))); };
  const heap = () => { global.gc(); global.gc(); return process.memoryUsage(); };
  await batch(0, 300);
  await new Promise((r) => setTimeout(r, 500));
  const a = heap();
  await batch(300, 1000);
  await new Promise((r) => setTimeout(r, 500));
  const b = heap();
  console.log('heapUsed MiB', (a.heapUsed / 2 ** 20).toFixed(1), '→', (b.heapUsed / 2 ** 20).toFixed(1), 'rss', (a.rss / 2 ** 20).toFixed(0), '→', (b.rss / 2 ** 20).toFixed(0));
  await app.close(); connector.close(); process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
