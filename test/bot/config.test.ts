// A bad configuration stops `node lib/index.js` before it listens: exit code 1 and one stderr line
// per problem, naming the variable and what is expected. Runs the built entry point (npm run build).
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startSandbox, type Sandbox } from '../../src/sandbox';

const ENTRY = path.join(__dirname, '..', '..', 'lib', 'index.js');
const APP_ID = '4f8b1c2d-0000-4000-8000-00000000b07a';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs the bot with only `env` (plus PATH), in `cwd` (default: an empty temp dir, so no stray .env). */
function runBot(env: Record<string, string>, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bot-config-'));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ENTRY], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const cases: Array<[string, Record<string, string>, RegExp]> = [
  ['PORT=abc', { PORT: 'abc' }, /^ {2}PORT: expected a whole number from 0 to 65535$/m],
  ['PORT=70000', { PORT: '70000' }, /^ {2}PORT: expected a whole number from 0 to 65535$/m],
  ['MicrosoftAppType=Foo', { MicrosoftAppType: 'Foo' }, /^ {2}MicrosoftAppType: expected SingleTenant, UserAssignedMSI or MultiTenant$/m],
  ['MicrosoftAppId without a password', { MicrosoftAppId: APP_ID }, /^ {2}MicrosoftAppPassword: is required when MicrosoftAppType=MultiTenant$/m],
  ['MicrosoftAppId that is not a GUID', { MicrosoftAppId: 'my-bot', MicrosoftAppPassword: 'x' }, /^ {2}MicrosoftAppId: expected the bot app registration id \(a GUID\)$/m],
  [
    'SingleTenant without MicrosoftAppTenantId',
    { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x', MicrosoftAppType: 'SingleTenant' },
    /^ {2}MicrosoftAppTenantId: is required when MicrosoftAppType=SingleTenant$/m,
  ],
  ['SingleTenant with an empty MicrosoftAppId', { MicrosoftAppType: 'SingleTenant' }, /^ {2}MicrosoftAppType: SingleTenant needs MicrosoftAppId to be set$/m],
  // Local mode is an explicit opt-in: an empty MicrosoftAppId is an error whatever NODE_ENV says.
  ['an empty MicrosoftAppId without LOCAL_MODE', {}, /^ {2}MicrosoftAppId: is required .*set LOCAL_MODE=true and CLOUD=sandbox$/m],
  ['NODE_ENV=production with an empty MicrosoftAppId', { NODE_ENV: 'production' }, /^ {2}MicrosoftAppId: is required .*LOCAL_MODE=true/m],
  ['NODE_ENV=Production with an empty MicrosoftAppId', { NODE_ENV: 'Production' }, /^ {2}MicrosoftAppId: is required .*LOCAL_MODE=true/m],
  ['NODE_ENV=prod with an empty MicrosoftAppId', { NODE_ENV: 'prod' }, /^ {2}MicrosoftAppId: is required .*LOCAL_MODE=true/m],
  // Outside local mode the bot serves a real organisation: whose Teams it answers, and who runs it.
  ['an app id without ALLOWED_TENANT_IDS', { MicrosoftAppId: '4f8b1c2d-0000-4000-8000-00000000b07a', MicrosoftAppPassword: 'x', APPROVER_IDS: '4f8b1c2d-0000-4000-8000-00000000a001' }, /^ {2}ALLOWED_TENANT_IDS: is required outside local mode/m],
  [
    'an app id without operators or approvers',
    { MicrosoftAppId: '4f8b1c2d-0000-4000-8000-00000000b07a', MicrosoftAppPassword: 'x', ALLOWED_TENANT_IDS: '4f8b1c2d-0000-4000-8000-00000000c001' },
    /^ {2}OPERATOR_IDS: set OPERATOR_IDS, OPERATOR_GROUP_ID, APPROVER_IDS or APPROVER_GROUP_ID outside local mode/m,
  ],
  ['ALLOWED_TENANT_IDS=not-a-guid', { ALLOWED_TENANT_IDS: 'not-a-guid' }, /^ {2}ALLOWED_TENANT_IDS\.0: expected a GUID/m],
  ['MicrosoftAppTenantId=nope', { MicrosoftAppTenantId: 'nope' }, /^ {2}MicrosoftAppTenantId: expected a GUID/m],
  ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, /^ {2}LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent$/m],
  ['STORE=mongo', { STORE: 'mongo' }, /^ {2}STORE: expected sqlite or blob$/m],
  ['CLOUD=Mars', { CLOUD: 'Mars' }, /^ {2}CLOUD: expected one of AzureCloud, AzureChinaCloud, AzureUSGovernment, sandbox$/m],
  ['APPROVER_IDS with a bad entry', { APPROVER_IDS: `${APP_ID},bob` }, /^ {2}APPROVER_IDS\.1: expected a GUID/m],
  ['ALLOW_SELF_APPROVAL=maybe', { ALLOW_SELF_APPROVAL: 'maybe' }, /^ {2}ALLOW_SELF_APPROVAL: expected true or false$/m],
  ['APPROVALS_REQUIRED=0', { APPROVALS_REQUIRED: '0' }, /^ {2}APPROVALS_REQUIRED: expected a whole number from 1 to 5$/m],
  ['APPROVAL_REMIND_HOURS=-1', { APPROVAL_REMIND_HOURS: '-1' }, /^ {2}APPROVAL_REMIND_HOURS: expected a number of hours such as 24 or 0\.5, above 0 and at most 8760$/m],
  ['APPROVAL_EXPIRE_HOURS=0', { APPROVAL_EXPIRE_HOURS: '0' }, /^ {2}APPROVAL_EXPIRE_HOURS: expected a number of hours such as 24 or 0\.5, above 0 and at most 8760$/m],
  // Azure Stack Hub stamps: <registration name>=<admin ARM endpoint>, for configured registrations, with the CSP's account.
  ['AZURESTACK_STAMPS without a name', { AZURESTACK_STAMPS: 'https://adminmanagement.east.contoso.local' }, /^ {2}AZURESTACK_STAMPS\.0: expected <registration name>=<stamp admin ARM endpoint> such as azurestack-payg-east=https:\/\/adminmanagement\.east\.contoso\.local, got 'https:\/\/adminmanagement\.east\.contoso\.local'$/m],
  [
    'AZURESTACK_STAMPS naming a registration not in REGISTRATIONS',
    {
      AZURESTACK_STAMPS: 'azurestack-2=https://adminmanagement.east.contoso.local',
      CSP_GUEST_ACCOUNT: 'azs@csp.example.com',
      REGISTRATIONS: '/subscriptions/5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/azurestack-1',
    },
    /^ {2}AZURESTACK_STAMPS: names azurestack-2, which is not a registration in REGISTRATIONS$/m,
  ],
  ['AZURESTACK_STAMPS without CSP_GUEST_ACCOUNT', { AZURESTACK_STAMPS: 'azurestack-1=https://adminmanagement.east.contoso.local' }, /^ {2}CSP_GUEST_ACCOUNT: is required with AZURESTACK_STAMPS/m],
];

describe('AZURESTACK_STAMPS and CSP_GUEST_ACCOUNT', () => {
  it('parse into the registration name and its admin ARM endpoint (trailing slash dropped)', () => {
    const config = loadConfig({
      LOCAL_MODE: 'true',
      CLOUD: 'sandbox',
      AZURESTACK_STAMPS: ' azurestack-1=https://adminmanagement.east.contoso.local/ , azurestack-2=https://adminmanagement.west.contoso.local',
      CSP_GUEST_ACCOUNT: 'azs-operations@contoso-csp.onmicrosoft.com',
    });
    expect(config.AZURESTACK_STAMPS).toEqual([
      { registration: 'azurestack-1', endpoint: 'https://adminmanagement.east.contoso.local' },
      { registration: 'azurestack-2', endpoint: 'https://adminmanagement.west.contoso.local' },
    ]);
    expect(config.CSP_GUEST_ACCOUNT).toBe('azs-operations@contoso-csp.onmicrosoft.com');
    expect(loadConfig({ LOCAL_MODE: 'true', CLOUD: 'sandbox' }).AZURESTACK_STAMPS).toEqual([]);
  });

  it('refuse an http endpoint, a tenant ARM endpoint, a name twice and an account that is not a UPN', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ LOCAL_MODE: 'true', CLOUD: 'sandbox', CSP_GUEST_ACCOUNT: 'azs@csp.example.com', ...env });
        return [];
      } catch (e) {
        return (e as { problems: string[] }).problems;
      }
    };
    expect(problems({ AZURESTACK_STAMPS: 'a=http://adminmanagement.east.contoso.local' })[0]).toMatch(/^AZURESTACK_STAMPS\.0: expected <registration name>=/);
    expect(problems({ AZURESTACK_STAMPS: 'a=https://management.east.contoso.local' })[0]).toMatch(/^AZURESTACK_STAMPS\.0: expected/);
    expect(problems({ AZURESTACK_STAMPS: 'a=https://adminmanagement.e.contoso.local,A=https://adminmanagement.w.contoso.local' })).toEqual(['AZURESTACK_STAMPS: names the registration A twice']);
    expect(problems({ CSP_GUEST_ACCOUNT: 'not an account' })[0]).toMatch(/^CSP_GUEST_ACCOUNT: expected the user principal name/);
  });
});

describe('configuration checks at start-up', () => {
  it.each(cases)('%s: exits 1 with the variable named, before listening', async (_name, env, line) => {
    const port = await freePort();
    const result = await runBot({ ...env, PORT: env.PORT ?? String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^The bot cannot start\. Fix these environment variables \(or \.env\):$/m);
    expect(result.stderr).toMatch(line);
    expect(result.stdout).toBe('');
    expect(await isListening(port)).toBe(false);
  });

  it('lists every problem, one line each', async () => {
    const result = await runBot({ LOCAL_MODE: 'true', CLOUD: 'sandbox', PORT: 'abc', LOG_LEVEL: 'loud', MicrosoftAppType: 'Foo' });
    expect(result.code).toBe(1);
    const problems = result.stderr.split('\n').filter((l) => l.startsWith('  '));
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.trim().split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'MicrosoftAppType', 'PORT']);
  });

  // Local mode checks no tokens, so it is refused unless the cloud is the simulated one, which the
  // bot knows by CLOUD=sandbox alone: one line naming LOCAL_MODE, exit 1, nothing listening.
  const localModeRefusals: Array<[string, Record<string, string>]> = [
    ['without CLOUD', { LOCAL_MODE: 'true' }],
    ['without CLOUD, on sandbox-looking endpoints', { LOCAL_MODE: 'true', ARM_ENDPOINT: 'https://127.0.0.1:9443/arm', GRAPH_ENDPOINT: 'https://127.0.0.1:9443/graph' }],
    [
      'with CLOUD=AzureCloud and credentials',
      {
        LOCAL_MODE: 'true',
        CLOUD: 'AzureCloud',
        AZURE_TENANT_ID: APP_ID,
        AZURE_CLIENT_ID: APP_ID,
        AZURE_CLIENT_SECRET: 'x',
        REGISTRATIONS: '/subscriptions/5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/azurestack-1',
      },
    ],
  ];
  it.each(localModeRefusals)('LOCAL_MODE=true %s: one line naming LOCAL_MODE, exit 1', async (_name, env) => {
    const port = await freePort();
    const result = await runBot({ ...env, PORT: String(port) });
    expect(result.code).toBe(1);
    const problems = result.stderr.split('\n').filter((l) => l.startsWith('  '));
    expect(problems).toEqual(['  LOCAL_MODE: LOCAL_MODE=true (no token validation) is allowed only with CLOUD=sandbox, the simulated cloud']);
    expect(await isListening(port)).toBe(false);
  });

  it('LOCAL_MODE=true with a MicrosoftAppId is refused too (it would say local but check tokens)', async () => {
    const result = await runBot({ LOCAL_MODE: 'true', CLOUD: 'sandbox', MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ {2}LOCAL_MODE: LOCAL_MODE=true checks no tokens/m);
  });

  it('reads a .env file in the working directory', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bot-dotenv-'));
    fs.writeFileSync(path.join(dir, '.env'), 'LOG_LEVEL=chatty\n');
    const result = await runBot({}, dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ {2}LOG_LEVEL: expected one of/m);
  });
});

describe('where the bot listens', () => {
  let sandbox: Sandbox;
  const apps: App[] = [];
  beforeAll(async () => {
    sandbox = await startSandbox({ seed: false });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await sandbox?.close();
  });

  const start = async (env: Record<string, string>) => {
    const app = await createApp(loadConfig({ ...sandbox.env, STORE_PATH: ':memory:', LOG_LEVEL: 'silent', ...env }));
    apps.push(app);
    const port = await app.listen(0);
    return { address: (app.server.server.address() as net.AddressInfo).address, url: `http://127.0.0.1:${port}/api/messages` };
  };
  const emulatorActivity = { type: 'conversationUpdate', id: 'emu-1', channelId: 'emulator', serviceUrl: 'http://127.0.0.1:9/', from: { id: 'u' }, recipient: { id: 'b' }, conversation: { id: 'c' } };
  const post = (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(emulatorActivity) });

  it('in local mode on 127.0.0.1 only, Emulator welcome; with an app id on every interface, Teams only', async () => {
    const local = await start({ LOCAL_MODE: 'true' });
    expect(local.address).toBe('127.0.0.1');
    expect((await post(local.url)).status).not.toBe(403);
    const authenticated = await start({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'x', ALLOWED_TENANT_IDS: APP_ID, APPROVER_IDS: APP_ID });
    expect(authenticated.address).not.toBe('127.0.0.1');
    expect((await post(authenticated.url)).status).toBe(403);
  });
});
