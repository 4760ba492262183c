// Kill the bot mid-conversation, start a new process on the same SQLite file: the operator clicks
// the card they still see and carries on where they were.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startSandbox, type Sandbox } from '../../src/sandbox';

// Runs a .ts file in a fresh Node process, transpiled on the fly with the project's TypeScript.
const TS_HOOK = `
const ts = require(${JSON.stringify(require.resolve('typescript'))});
const fs = require('fs');
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
  });
  module._compile(outputText, filename);
};
require(process.argv[1]);
`;
const WORKER = path.join(__dirname, 'restartWorker.ts');

function runWorker(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['-e', TS_HOOK, '--', WORKER, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => pattern.test(stdout) && resolve(stdout);
      child.stdout.on('data', check);
      void exited.then((code) => (pattern.test(stdout) ? resolve(stdout) : reject(new Error(`worker exited ${code}: ${stderr}`))));
      check();
    });
  return { child, exited, waitFor };
}

describe('restart mid-dialog', () => {
  let sandbox: Sandbox;
  let dir: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, delays: { latencyMs: 0 } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onboarding-restart-'));
  });
  afterAll(async () => {
    await sandbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a new process on the same SQLite file continues the draft from the card the operator has', async () => {
    const db = path.join(dir, 'bot.db');
    const cardFile = path.join(dir, 'card.json');
    const env = { ONBOARDING_SANDBOX_ENV: JSON.stringify(sandbox.env) };

    const first = runWorker(['start', db, cardFile], env);
    expect(await first.waitFor(/at billing: .*\n/)).toContain('at billing: Onboard a customer: billing profile of Restart Ltd');
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    const second = runWorker(['resume', db, cardFile], env);
    const out = await second.waitFor(/card: .*\n/);
    expect(out).toContain('card: Onboard a customer: subscription for Restart Ltd');
    expect(await second.exited).toBe(0);
  }, 60_000);
});
