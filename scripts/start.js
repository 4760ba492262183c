// `npm start`: the whole product on one machine, offline.
//  1. builds lib/ if it is missing or older than src/;
//  2. starts the simulated cloud (lib/sandbox/main.js); with Azure credentials configured it stops
//     instead, since a local bot (no token validation) may only reach the simulated cloud;
//  3. starts the bot (lib/index.js) in local mode (LOCAL_MODE=true, empty MicrosoftAppId) against that cloud, with
//     the playground's users as approvers and self-approval allowed, so the demo can be approved;
//  4. starts the Microsoft 365 Agents Playground (the local Teams client) pointed at the bot, and
//     prints the URL to open. Ctrl-C stops all three.
// Environment: PORT (bot, default 3978), PLAYGROUND_PORT (default 56150), SANDBOX_PORT (default
// any free port), STORE_PATH (default ./data/bot.db), START_SKIP_BUILD=1 to use lib/ as it is,
// START_AGREEMENT_PAUSE=1 to start the bot without the delegated Partner Center token, so a new
// Azure plan pauses at the customer agreement (confirm it on the simulated Partner Center's page).
const AGREEMENT_PAUSE = process.env.START_AGREEMENT_PAUSE === '1';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const dotenv = require('dotenv');
const { PLAYGROUND_TENANT_ID, PLAYGROUND_USERS, startPlayground, stopChild, waitFor } = require('./playground');

const root = path.join(__dirname, '..');
const SANDBOX_KEYS = [
  'AZURE_AUTHORITY_HOST',
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_DISABLE_INSTANCE_DISCOVERY',
  'ARM_ENDPOINT',
  'GRAPH_ENDPOINT',
  'PARTNER_CENTER_ENDPOINT',
  'REGISTRATIONS',
  'NODE_EXTRA_CA_CERTS',
  'CLOUD',
  // The simulated partner admin's delegated (App+User) token: the bot confirms customer agreements itself.
  'PARTNER_CENTER_REFRESH_TOKEN',
  // One simulated Azure Stack Hub per PayAsYouUse registration, and the CSP's dedicated account.
  'AZURESTACK_STAMPS',
  'CSP_GUEST_ACCOUNT',
];

const say = (line) => process.stdout.write(`[start] ${line}\n`);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function buildIfNeeded() {
  const entry = path.join(root, 'lib', 'index.js');
  if (process.env.START_SKIP_BUILD === '1' && fs.existsSync(entry)) return;
  if (fs.existsSync(entry) && fs.statSync(entry).mtimeMs >= newestMtime(path.join(root, 'src'))) return;
  say('building (lib/ is missing or older than src/)…');
  const result = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the build failed (see above)');
}

/** Variables from the environment and ./.env, as the bot will see them. */
function effectiveEnv() {
  const file = path.join(process.cwd(), '.env');
  const fromFile = fs.existsSync(file) ? dotenv.parse(fs.readFileSync(file)) : {};
  return { ...fromFile, ...process.env };
}

function hasAzureCredentials(env) {
  return Boolean(env.AZURE_CLIENT_ID || env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_CERTIFICATE_PATH) && env.CLOUD !== 'sandbox';
}

/** Starts lib/sandbox/main.js and collects its KEY=value lines. */
function startSandbox(children) {
  const args = [path.join(root, 'lib', 'sandbox', 'main.js'), '--port', process.env.SANDBOX_PORT || '0'];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.sandbox = child;
  return new Promise((resolve, reject) => {
    const env = {};
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        const eq = line.indexOf('=');
        if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
      }
      if (SANDBOX_KEYS.every((k) => k in env)) resolve(env);
    });
    child.stderr.on('data', (chunk) => process.stderr.write(`[cloud] ${chunk}`));
    child.once('exit', (code) => reject(new Error(`the simulated cloud exited (code ${code}) before it was ready`)));
  });
}

/** Prints the bot's JSON log lines readably: "[bot] level message". */
function relayBotLogs(stream, out) {
  let buffer = '';
  stream.on('data', (chunk) => {
    buffer += chunk.toString();
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      try {
        const record = JSON.parse(line);
        out.write(`[bot] ${record.level} ${record.msg}${record.referenceId ? ` (reference ${record.referenceId})` : ''}\n`);
      } catch {
        out.write(`[bot] ${line}\n`);
      }
    }
  });
}

async function startBot(children, cloudEnv) {
  const port = process.env.PORT || '3978';
  const env = {
    ...process.env,
    ...cloudEnv,
    PORT: port,
    // Local mode: the Agents Playground sends no tokens (docs/reference/local-teams-client.md §LTC-4).
    // The bot allows it only with CLOUD=sandbox, which the simulated cloud printed among its lines.
    LOCAL_MODE: 'true',
    MicrosoftAppId: '',
    MicrosoftAppPassword: '',
    MicrosoftAppType: 'MultiTenant',
    ALLOW_SELF_APPROVAL: 'true',
    APPROVER_IDS: PLAYGROUND_USERS.map((u) => u.aadObjectId).join(','),
  };
  if (AGREEMENT_PAUSE) env.PARTNER_CENTER_REFRESH_TOKEN = '';
  // restify 11 triggers a harmless DEP0111 warning on Node 20; keep the demo output readable.
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', path.join(root, 'lib', 'index.js')], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.bot = child;
  relayBotLogs(child.stdout, process.stdout);
  child.stderr.on('data', (chunk) => process.stderr.write(`[bot] ${chunk}`));
  const exited = new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`the bot exited (code ${code}) before it was ready`))));
  const ready = waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 60000, 'the bot to be ready');
  await Promise.race([ready, exited]);
  return Number(port);
}

async function main() {
  const children = {};
  let stopping = false;
  const stopAll = async (code) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    // Playground first (it calls the bot), then the bot (it drains its turns), then the cloud.
    for (const name of ['playground', 'bot', 'sandbox']) {
      if (children[name]) await stopChild(children[name]);
    }
    say('stopped');
    process.exit(code);
  };
  process.once('SIGINT', () => stopAll(0));
  process.once('SIGTERM', () => stopAll(0));

  try {
    buildIfNeeded();
    const env = effectiveEnv();
    let cloudEnv;
    if (hasAzureCredentials(env)) {
      // A local bot checks no tokens: it may only ever reach the simulated cloud.
      throw new Error(
        `Azure credentials are configured (CLOUD=${env.CLOUD || 'AzureCloud'}), but npm start runs a local bot (LOCAL_MODE=true, no token validation), ` +
          'which is allowed only on the simulated cloud. Remove the AZURE_CLIENT_* variables (environment or .env) for the demo, ' +
          'or run the bot with a MicrosoftAppId (docs/operations.md).',
      );
    }
    say('starting the simulated cloud…');
    cloudEnv = await startSandbox(children);
    say('starting the bot…');
    const botPort = await startBot(children, cloudEnv);
    say('starting the Microsoft 365 Agents Playground (local Teams client)…');
    const playground = await startPlayground({
      botEndpoint: `http://127.0.0.1:${botPort}/api/messages`,
      port: Number(process.env.PLAYGROUND_PORT || 56150),
    });
    children.playground = playground.child;
    for (const [name, child] of Object.entries(children)) {
      child.once('exit', (code) => {
        if (!stopping) {
          say(`${name} exited unexpectedly (code ${code})`);
          stopAll(1);
        }
      });
    }
    const bar = '='.repeat(78);
    process.stdout.write(
      [
        bar,
        'LOCAL DEMO — not for production:',
        '  * local mode (LOCAL_MODE=true): the bot checks no tokens and listens on 127.0.0.1 only;',
        `  * ALLOW_SELF_APPROVAL=true and APPROVER_IDS = all ${PLAYGROUND_USERS.length} playground users: anyone here can approve;`,
        '  * simulated cloud — nothing real is touched.',
        AGREEMENT_PAUSE
          ? 'Partner Center: no delegated token (START_AGREEMENT_PAUSE=1): a new Azure plan pauses at the customer agreement; confirm it on the page the card links to, then click Continue.'
          : 'Partner Center: the bot holds the simulated partner admin\'s delegated token and confirms customer agreements itself (START_AGREEMENT_PAUSE=1 rehearses the pause).',
        `Playground tenant ${PLAYGROUND_TENANT_ID}, you are ${PLAYGROUND_USERS[0].name}.`,
        `pids: sandbox=${children.sandbox?.pid ?? '-'} bot=${children.bot.pid} playground=${playground.child.pid}`,
        bar,
        `Open http://localhost:${playground.port}`,
        '(Ctrl-C stops the playground, the bot and the simulated cloud.)',
        '',
      ].join('\n'),
    );
  } catch (err) {
    process.stderr.write(`[start] ${err.message}\n`);
    await stopAll(1);
  }
}

main();
