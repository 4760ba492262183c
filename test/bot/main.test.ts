// `node lib/index.js` as operators run it: with a good configuration it becomes ready, logs only
// JSON lines (banner included, no secrets), and on SIGTERM stops accepting, finishes, closes the
// store and exits 0.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { waitFor } from '../support/waitFor';

const ENTRY = path.join(__dirname, '..', '..', 'lib', 'index.js');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('the bot process', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: false });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('becomes ready, logs JSON without secrets, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-main-'));
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', ENTRY], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...sandbox.env, CLOUD: 'sandbox', LOCAL_MODE: 'true', PORT: String(port), STORE_PATH: path.join(dir, 'bot.db') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`exited before ready: ${stderr}${stdout}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0)) === 200;
      },
      { timeoutMs: 30_000, everyMs: 50, what: () => `/readyz: ${stderr}${stdout}` },
    );
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();

    const records = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const messages = records.map((r) => r.msg);
    expect(messages).toEqual(expect.arrayContaining([`CSP Onboarding Bot listening on http://localhost:${port}/api/messages`, 'cloud: simulated cloud — nothing real is touched', 'stopped']));
    expect(messages.some((m) => String(m).startsWith('mode: local'))).toBe(true);
    expect(stdout).not.toContain(sandbox.env.AZURE_CLIENT_SECRET);
    expect(stderr).not.toContain(sandbox.env.AZURE_CLIENT_SECRET);
  }, 60_000);
});
