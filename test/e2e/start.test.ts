// `npm start` as a user runs it: the simulated cloud, the bot and the Agents Playground come up,
// the printed URL serves a local Teams client in which `help` gets the help card, and Ctrl-C
// (SIGINT) stops all three processes.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { adaptiveCardOf, PLAYGROUND_CONVERSATIONS, PlaygroundClient } from '../support/playground';

const root = path.join(__dirname, '..', '..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  let start: ChildProcess | undefined;
  let output = '';

  afterAll(() => {
    if (start && start.exitCode === null) start.kill('SIGKILL');
  });

  it('runs the bot and a local Teams client, prints the URL, and stops everything on Ctrl-C', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
    const botPort = await freePort();
    start = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
      cwd: dataDir,
      env: { ...process.env, PORT: String(botPort), PLAYGROUND_PORT: '0', STORE_PATH: path.join(dataDir, 'bot.db'), START_SKIP_BUILD: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout!.on('data', (c) => (output += c));
    start.stderr!.on('data', (c) => (output += c));
    const exited = new Promise<number | null>((resolve) => start!.once('exit', (code) => resolve(code)));

    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL line within 60 s:\n${output}`)), 60_000);
      const check = () => {
        const m = /^Open (http:\/\/localhost:(\d+))$/m.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      start!.stdout!.on('data', check);
      void exited.then(() => reject(new Error(`npm start exited early:\n${output}`)));
    });
    expect(output).toContain('simulated cloud — nothing real is touched');
    expect(output).toContain('ALLOW_SELF_APPROVAL=true');
    // The bot got the simulated partner admin's delegated token, so a new Azure plan finishes without pausing.
    expect(output).toContain("Partner Center: the bot holds the simulated partner admin's delegated token and confirms customer agreements itself (START_AGREEMENT_PAUSE=1 rehearses the pause).");
    const pids = /pids: sandbox=(\d+) bot=(\d+) playground=(\d+)/.exec(output)!.slice(1).map(Number);
    expect(pids.every(isAlive)).toBe(true);

    const client = new PlaygroundClient(url.replace('localhost', '127.0.0.1'));
    await client.connect();
    try {
      const sent = await client.sendText(PLAYGROUND_CONVERSATIONS.personalChat, 'help');
      const reply = await client.waitForMessage((m) => adaptiveCardOf(m) !== undefined, { after: sent, timeoutMs: 15_000 });
      expect(JSON.stringify(adaptiveCardOf(reply))).toContain('Here is what I can do');
    } finally {
      await client.close();
    }

    start.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('[start] stopped');
    expect(pids.filter(isAlive)).toEqual([]);
  }, 120_000);
});
