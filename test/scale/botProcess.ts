// A bot instance as App Service runs it: `node lib/index.js` in its own process, configured only by
// environment variables, its JSON log lines kept for the test to read. Build first (npm run build).
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as path from 'path';
import { waitFor } from '../support/waitFor';

const ENTRY = path.join(__dirname, '..', '..', 'lib', 'index.js');
const START_TIMEOUT_MS = 60_000;

export interface BotProcess {
  name: string;
  pid: number;
  /** http://127.0.0.1:PORT/api/messages */
  messagesUrl: string;
  origin: string;
  /** The durable runner's worker id (as written in the audit trail: "Run started by <id>"). */
  workerId: string;
  /** Every line the process printed on stdout and stderr, in order. */
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startBotProcess(name: string, env: Record<string, string>): Promise<BotProcess> {
  // BOT_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the instances when measuring.
  const nodeArgs = process.env.BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [...nodeArgs, ENTRY], {
    // NODE_EXTRA_CA_CERTS (the simulated cloud's CA) comes from the test runner's environment.
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const collect = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.length > 0));
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const found = (re: RegExp) => lines.map((l) => re.exec(l)).find((m) => m !== null);
  let port: string | undefined;
  let workerId: string | undefined;
  try {
    await waitFor(
      () => {
        port ??= found(/listening on http:\/\/localhost:(\d+)\/api\/messages/)?.[1];
        workerId ??= found(/"workerId":"([^"]+)".*onboarding runner started/)?.[1];
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before listening:\n${lines.join('\n')}`);
        return port && workerId;
      },
      { timeoutMs: START_TIMEOUT_MS, everyMs: 25, what: () => `${name} to start:\n${lines.join('\n')}` },
    );
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const origin = `http://127.0.0.1:${port}`;
  return {
    name,
    pid: child.pid!,
    origin,
    messagesUrl: `${origin}/api/messages`,
    workerId: workerId!,
    lines,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Log records of a process (its JSON lines), for asserting on what it logged. */
export function records(bot: BotProcess): Array<Record<string, unknown>> {
  return bot.lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
