// `npm start` as a user runs it (scripts/start.js): the simulated cloud, the bot and the Agents
// Playground in child processes, in a fresh working directory; the printed "Open http://…" URL is
// the local Teams client.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface NpmStart {
  child: ChildProcess;
  /** The local Teams client's URL (127.0.0.1). */
  url: string;
  /** Everything printed so far. */
  output(): string;
  exited: Promise<number | null>;
  /** Ctrl-C (start.js stops its three processes), then SIGKILL if it has not exited after 20 s. */
  stop(): Promise<void>;
}

/** Starts `npm start` with extra environment variables and waits for its "Open http://…" line. */
export async function startNpmStart(env: Record<string, string> = {}): Promise<NpmStart> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-'));
  const botPort = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.js')], {
    cwd: dataDir,
    env: { ...process.env, PORT: String(botPort), PLAYGROUND_PORT: '0', STORE_PATH: path.join(dataDir, 'bot.db'), START_SKIP_BUILD: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL line within 60 s:\n${output}`)), 60_000);
    const check = () => {
      const m = /^Open (http:\/\/localhost:(\d+))$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`npm start exited early:\n${output}`)));
  });
  return {
    child,
    url: url.replace('localhost', '127.0.0.1'),
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
