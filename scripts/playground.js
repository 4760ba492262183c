// Starts the Microsoft 365 Agents Playground (the local Teams client) offline, with a generated
// tenant, users and team. Shared by `npm start` (scripts/start.js) and the e2e tests
// (test/support/playground.ts). Offline flags: docs/reference/local-teams-client.md §LTC-3.
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const PLAYGROUND_CLI = require.resolve('@microsoft/m365agentsplayground/cli.js');

/** The local demo organisation. The users' aadObjectIds are what APPROVER_IDS names in `npm start`. */
const PLAYGROUND_TENANT_ID = '6f1c2b8e-3d4a-4c5b-9e7f-0a1b2c3d4e5f';
const PLAYGROUND_BOT = { id: '28:csp-onboarding-bot', name: 'CSP Onboarding Bot' };
const PLAYGROUND_USERS = [
  ['user-alex', 'Alex Wilber', 'Alex', 'Wilber', 'a1e0c0de-0000-4000-8000-000000000001'],
  ['user-megan', 'Megan Bowen', 'Megan', 'Bowen', 'a1e0c0de-0000-4000-8000-000000000002'],
  ['user-adele', 'Adele Vance', 'Adele', 'Vance', 'a1e0c0de-0000-4000-8000-000000000003'],
  ['user-isaiah', 'Isaiah Langer', 'Isaiah', 'Langer', 'a1e0c0de-0000-4000-8000-000000000004'],
  ['user-patti', 'Patti Fernandez', 'Patti', 'Fernandez', 'a1e0c0de-0000-4000-8000-000000000005'],
  ['user-lynne', 'Lynne Robbins', 'Lynne', 'Robbins', 'a1e0c0de-0000-4000-8000-000000000006'],
].map(([id, name, givenName, surname, aadObjectId]) => {
  const email = `${givenName.toLowerCase()}@contoso-csp.example`;
  return { id, name, userPrincipleName: email, aadObjectId, givenName, surname, email };
});
const PLAYGROUND_CONVERSATIONS = {
  personalChat: 'personal-chat-alex',
  groupChat: 'group-chat-onboarding',
  team: 'team-csp-ops',
  channel: 'channel-onboarding',
};

/** The playground's config (.m365agentsplayground.yml). JSON is valid YAML, so no YAML writer is needed. */
function playgroundConfig(tenantId = PLAYGROUND_TENANT_ID) {
  const [currentUser, ...users] = PLAYGROUND_USERS;
  return {
    version: '0.1.1',
    tenantId,
    bot: PLAYGROUND_BOT,
    currentUser,
    users, // exactly 5: the playground refuses any other count
    personalChat: { id: PLAYGROUND_CONVERSATIONS.personalChat },
    groupChat: { id: PLAYGROUND_CONVERSATIONS.groupChat, name: 'Onboarding group chat' },
    team: {
      id: PLAYGROUND_CONVERSATIONS.team,
      name: 'CSP Operations',
      aadGroupId: 'a1e0c0de-0000-4000-8000-0000000000aa',
      channels: [{ id: PLAYGROUND_CONVERSATIONS.channel, name: 'Onboarding' }],
    },
  };
}

/**
 * Spawns the playground and resolves once it listens and answers /_debug/ping.
 * @param {{ botEndpoint: string, port?: number, tenantId?: string, workDir?: string, stdio?: 'pipe'|'inherit' }} options
 * @returns {Promise<{ port: number, url: string, child: import('child_process').ChildProcess, workDir: string, stop(): Promise<void> }>}
 */
async function startPlayground(options) {
  const workDir = options.workDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'playground-'));
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(path.join(workDir, '.m365agentsplayground.yml'), JSON.stringify(playgroundConfig(options.tenantId), null, 2));
  const args = [PLAYGROUND_CLI, '--port', String(options.port ?? 56150), '--app-endpoint', options.botEndpoint, '--channel-id', 'msteams', '--disable-telemetry'];
  const child = spawn(process.execPath, args, {
    cwd: workDir,
    env: {
      ...process.env,
      TEAMSAPPTESTER_BROWSER: 'none',
      APPLICATION_INSIGHTS_NO_STATSBEAT: 'true',
      M365_AGENTS_PLAYGROUND_LOGFILE: path.join(workDir, 'playground.log'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk.toString();
      if (options.stdio === 'inherit') process.stdout.write(chunk);
      const m = /Listening on (\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`The Agents Playground exited (code ${code}) before listening; see ${path.join(workDir, 'playground.log')}\n${output}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(workDir, 'playground.log');
  await waitFor(
    async () => {
      // Config errors appear only in its log, after "Listening on N", and then it exits.
      if (child.exitCode !== null) throw new Error(`The Agents Playground exited: ${tail(logFile)}`);
      return (await fetch(`${url}/_debug/ping`)).ok;
    },
    20000,
    'the Agents Playground to answer /_debug/ping',
  );
  return {
    port,
    url,
    child,
    workDir,
    stop: () => stopChild(child),
  };
}

function tail(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('error')).join(' ').slice(-600);
  } catch {
    return `(no log at ${file})`;
  }
}

/** Polls `check` every 100 ms; a check that throws an Error whose message starts with "The " fails at once. */
async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('The ')) throw err;
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
function stopChild(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill(signal);
  });
}

module.exports = {
  PLAYGROUND_TENANT_ID,
  PLAYGROUND_BOT,
  PLAYGROUND_USERS,
  PLAYGROUND_CONVERSATIONS,
  playgroundConfig,
  startPlayground,
  stopChild,
  waitFor,
};
