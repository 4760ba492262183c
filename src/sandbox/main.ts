// `npm run sandbox`: the simulated cloud on its own. Prints exactly the eleven KEY=value lines a bot
// needs, then PARTNER_CENTER_REFRESH_TOKEN (a delegated App+User refresh token standing for the
// simulated partner admin, so the bot can confirm customer agreements; leave it out to rehearse the
// pause), AZURESTACK_STAMPS (one simulated Azure Stack Hub per PayAsYouUse registration) and
// CSP_GUEST_ACCOUNT — stdout, one per line; `npm start` parses them — then a human line on stderr, and runs
// until SIGINT/SIGTERM.
import * as path from 'path';
import { startSandbox, type Sandbox, type SandboxDelays } from './index';

const DEFAULT_PORT = 9443;

function portFromArgs(argv: string[], env: NodeJS.ProcessEnv): number | undefined {
  const flag = argv.findIndex((a) => a === '--port' || a.startsWith('--port='));
  const raw = flag < 0 ? env.SANDBOX_PORT : argv[flag].includes('=') ? argv[flag].split('=')[1] : argv[flag + 1];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Not a port: ${raw}`);
  return port;
}

function delaysFromEnv(env: NodeJS.ProcessEnv): Partial<SandboxDelays> {
  const read = (name: string) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const ms = Number(raw);
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`${name} must be a number of milliseconds, got ${raw}`);
    return ms;
  };
  const delays: Partial<SandboxDelays> = {
    orderCompleteMs: read('SANDBOX_ORDER_DELAY_MS'),
    entitlementActiveMs: read('SANDBOX_ENTITLEMENT_DELAY_MS'),
    latencyMs: read('SANDBOX_LATENCY_MS'),
  };
  return Object.fromEntries(Object.entries(delays).filter(([, v]) => v !== undefined));
}

async function start(port: number | undefined, env: NodeJS.ProcessEnv): Promise<Sandbox> {
  const options = {
    caDir: env.SANDBOX_CA_DIR || path.join(__dirname, '..', '..', '.sandbox'),
    delays: delaysFromEnv(env),
    seed: env.SANDBOX_SEED !== 'false',
  };
  if (port !== undefined) return startSandbox({ ...options, port });
  try {
    return await startSandbox({ ...options, port: DEFAULT_PORT });
  } catch (e) {
    // The usual port is taken (another sandbox?): any free port will do.
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    return startSandbox({ ...options, port: 0 });
  }
}

async function main(): Promise<void> {
  const sandbox = await start(portFromArgs(process.argv.slice(2), process.env), process.env);
  const lines = { ...sandbox.env, PARTNER_CENTER_REFRESH_TOKEN: sandbox.delegatedRefreshToken, ...sandbox.stampEnv };
  process.stdout.write(Object.entries(lines).map(([k, v]) => `${k}=${v}\n`).join(''));
  process.stderr.write(`\nSimulated cloud ready at ${sandbox.url} (portal: ${sandbox.url}/portal/, Partner Center: ${sandbox.url}/partner-center/, control: ${sandbox.url}/_sandbox/state)\n`);
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`The simulated cloud could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
