// `npm run sandbox` (scripts/sandbox.js → lib/sandbox/main.js): exactly the eleven KEY=value lines,
// the delegated PARTNER_CENTER_REFRESH_TOKEN, AZURESTACK_STAMPS and CSP_GUEST_ACCOUNT on stdout, a working cloud behind them, and a clean exit on SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import * as path from 'path';
import { call } from './support';

const ROOT = path.join(__dirname, '..', '..');
const KEYS = [
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
  'PARTNER_CENTER_REFRESH_TOKEN',
  'AZURESTACK_STAMPS',
  'CSP_GUEST_ACCOUNT',
];

function readLines(child: ChildProcessWithoutNullStreams, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      if (lines.length > count) resolve(lines.slice(0, count));
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited (${code}) before printing: ${out}${err}`)));
  });
}

test('prints exactly the eleven contract lines and the delegated token, serves them, and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'sandbox.js')], {
    cwd: ROOT,
    env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_ORDER_DELAY_MS: '10' },
  });
  try {
    const lines = await readLines(child, KEYS.length);
    expect(lines.map((l) => l.split('=')[0])).toEqual(KEYS);
    const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(env.AZURE_AUTHORITY_HOST).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(env.ARM_ENDPOINT).toBe(`${env.AZURE_AUTHORITY_HOST}/arm`);
    expect(env.GRAPH_ENDPOINT).toBe(`${env.AZURE_AUTHORITY_HOST}/graph`);
    expect(env.PARTNER_CENTER_ENDPOINT).toBe(`${env.AZURE_AUTHORITY_HOST}/partnercenter`);
    expect(env.AZURE_DISABLE_INSTANCE_DISCOVERY).toBe('true');
    expect(env.REGISTRATIONS.split(',')).toHaveLength(4);
    expect(path.isAbsolute(env.NODE_EXTRA_CA_CERTS)).toBe(true);
    // The bot knows the cloud is simulated by this line alone (local mode is allowed only then).
    expect(env.CLOUD).toBe('sandbox');

    // The printed credentials work against the printed authority.
    const token = await call(`${env.AZURE_AUTHORITY_HOST}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: env.AZURE_CLIENT_ID, client_secret: env.AZURE_CLIENT_SECRET, scope: `${env.ARM_ENDPOINT}/.default` }).toString(),
    });
    expect(token.status).toBe(200);
    const registration = await call(`${env.ARM_ENDPOINT}${env.REGISTRATIONS.split(',')[0]}?api-version=2017-06-01`, {
      token: (token.body as { access_token: string }).access_token,
    });
    expect(registration.status).toBe(200);

    // The refresh token is a delegated (App+User) one for the simulated partner admin: Partner Center's
    // customer agreements, refused to the app-only token, answer it.
    const delegated = await call(`${env.AZURE_AUTHORITY_HOST}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: env.AZURE_CLIENT_ID,
        client_secret: env.AZURE_CLIENT_SECRET,
        refresh_token: env.PARTNER_CENTER_REFRESH_TOKEN,
        scope: `${env.PARTNER_CENTER_ENDPOINT}/user_impersonation`,
      }).toString(),
    });
    expect(delegated.status).toBe(200);
    const appOnly = await call(`${env.AZURE_AUTHORITY_HOST}/${env.AZURE_TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: env.AZURE_CLIENT_ID, client_secret: env.AZURE_CLIENT_SECRET, scope: `${env.PARTNER_CENTER_ENDPOINT}/.default` }).toString(),
    });
    const metadata = `${env.PARTNER_CENTER_ENDPOINT}/v1/agreements?agreementType=MicrosoftCustomerAgreement`;
    expect((await call(metadata, { token: (delegated.body as { access_token: string }).access_token })).status).toBe(200);
    expect((await call(metadata, { token: (appOnly.body as { access_token: string }).access_token })).status).toBe(403);

    // One simulated stamp per PayAsYouUse registration, named after it; each answers its metadata.
    const stamps = env.AZURESTACK_STAMPS.split(',').map((pair) => pair.split('='));
    expect(stamps.map(([name]) => name).sort()).toEqual(['azurestack-payg-east', 'azurestack-payg-south', 'azurestack-payg-west']);
    for (const [name, endpoint] of stamps) {
      expect(env.REGISTRATIONS).toContain(`/registrations/${name}`);
      expect((await call(`${endpoint}/metadata/endpoints?api-version=2015-01-01`)).status).toBe(200);
    }
    expect(env.CSP_GUEST_ACCOUNT).toMatch(/^[^@]+@csp-partner\.onmicrosoft\.com$/);

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('nothing but those lines reaches stdout', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'lib', 'sandbox', 'main.js'), '--port', '0'], { cwd: ROOT });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  try {
    const lines = await readLines(child, KEYS.length);
    // A request served: start-up is over, and serving it printed nothing either.
    const authority = lines.find((l) => l.startsWith('AZURE_AUTHORITY_HOST='))!.slice('AZURE_AUTHORITY_HOST='.length);
    await call(`${authority}/arm/subscriptions?api-version=2022-12-01`);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout.trimEnd().split('\n')).toHaveLength(KEYS.length);
    expect(stdout.trimEnd().split('\n').every((l) => /^[A-Z_]+=\S+$/.test(l))).toBe(true);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
