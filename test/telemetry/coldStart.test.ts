// Without APPLICATIONINSIGHTS_CONNECTION_STRING and OTEL_EXPORTER_OTLP_ENDPOINT the bot starts as
// before: not one module of OpenTelemetry (not even its API) or of the Azure Monitor distro is
// loaded. With OTEL_EXPORTER_OTLP_ENDPOINT they are, which shows the check can see them.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startSandbox, type Sandbox } from '../../src/sandbox';

const ENTRY = path.join(__dirname, '..', '..', 'lib', 'index.js');
const TELEMETRY_MODULES = /[\\/]node_modules[\\/](@opentelemetry|@azure[\\/]monitor-opentelemetry)/;

/** Starts the bot as `node lib/index.js` does (main()), lists the telemetry modules it loaded, and stops it. */
function loadedTelemetryModules(env: Record<string, string>): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-cold-'));
  const script = `
    const { main } = require(${JSON.stringify(ENTRY)});
    main().then(async (app) => {
      const loaded = Object.keys(require.cache).filter((p) => ${TELEMETRY_MODULES}.test(p));
      process.stderr.write('LOADED ' + JSON.stringify(loaded) + '\\n');
      await app.close();
      process.exit(0);
    }, (err) => { process.stderr.write('FAILED ' + err.message + '\\n'); process.exit(1); });`;
  const child = spawn(process.execPath, ['--disable-warning=DEP0111', '-e', script], {
    cwd: dir,
    env: { ...process.env, PORT: '0', STORE_PATH: path.join(dir, 'bot.db'), ...env },
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  child.stdout.resume();
  return new Promise((resolve, reject) =>
    child.once('exit', () => {
      fs.rmSync(dir, { recursive: true, force: true });
      const line = stderr.split('\n').find((l) => l.startsWith('LOADED '));
      if (!line) reject(new Error(`the bot did not start: ${stderr}`));
      else resolve(JSON.parse(line.slice('LOADED '.length)) as string[]);
    }),
  );
}

describe('cold start without telemetry settings', () => {
  let sandbox: Sandbox;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: false });
    env = { ...sandbox.env, CLOUD: 'sandbox', LOCAL_MODE: 'true', APPLICATIONINSIGHTS_CONNECTION_STRING: '', OTEL_EXPORTER_OTLP_ENDPOINT: '' };
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('loads nothing of OpenTelemetry without the settings', async () => {
    expect(await loadedTelemetryModules(env)).toEqual([]);
  });

  it('loads the SDK and the OTLP exporter with OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    // Nothing listens there: the exporter's failures are its own, the bot runs on.
    const loaded = await loadedTelemetryModules({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(loaded.some((p) => p.includes(`${path.sep}sdk-node${path.sep}`))).toBe(true);
    expect(loaded.some((p) => p.includes(`${path.sep}exporter-trace-otlp-http${path.sep}`))).toBe(true);
  });
});
