// The simulated Entra ID, driven by the real @azure/identity ClientSecretCredential (MSAL inside).
import { ClientSecretCredential } from '@azure/identity';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { ensureSandboxCa } from '../../src/sandbox/ca';
import type { Sandbox } from '../../src/sandbox';
import { CA_DIR, appToken, call, claimsOf, testSandbox } from './support';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());

function credential(secret = sandbox.clientSecret) {
  return new ClientSecretCredential(sandbox.env.AZURE_TENANT_ID, sandbox.env.AZURE_CLIENT_ID, secret, {
    authorityHost: sandbox.env.AZURE_AUTHORITY_HOST,
    disableInstanceDiscovery: true,
    additionallyAllowedTenants: ['*'],
  });
}

describe('the sandbox CA', () => {
  test('is created once and reused while valid', () => {
    const first = ensureSandboxCa(CA_DIR);
    const again = ensureSandboxCa(CA_DIR);
    expect(again.certPem).toBe(first.certPem);
    expect(new crypto.X509Certificate(first.certPem).ca).toBe(true);
  });

  test('replaces a damaged CA', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-ca-'));
    const first = ensureSandboxCa(dir);
    fs.writeFileSync(first.certPath, 'not a certificate');
    const second = ensureSandboxCa(dir);
    expect(second.certPem).not.toBe(first.certPem);
    expect(new crypto.X509Certificate(second.certPem).checkPrivateKey(crypto.createPrivateKey(second.keyPem))).toBe(true);
  });

  test('recovers from a key left without its certificate by a process that died', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-ca-'));
    const orphan = path.join(dir, 'ca.key.pem');
    fs.writeFileSync(orphan, 'half-made');
    const longAgo = new Date(Date.now() - 60_000);
    fs.utimesSync(orphan, longAgo, longAgo);
    const ca = ensureSandboxCa(dir);
    expect(new crypto.X509Certificate(ca.certPem).checkPrivateKey(crypto.createPrivateKey(ca.keyPem))).toBe(true);
  });

  test('signs the server certificate for the loopback names', async () => {
    const ca = new crypto.X509Certificate(fs.readFileSync(sandbox.env.NODE_EXTRA_CA_CERTS));
    const served = await new Promise<crypto.X509Certificate>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: Number(new URL(sandbox.url).port), rejectUnauthorized: true }, () => {
        resolve(new crypto.X509Certificate(socket.getPeerX509Certificate()!.raw));
        socket.end();
      });
      socket.on('error', reject);
    });
    expect(served.verify(ca.publicKey)).toBe(true);
    expect(served.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(served.checkIP('::1')).toBe('::1');
    expect(served.checkHost('localhost')).toBe('localhost');
  });
});

describe('Entra', () => {
  test('a real ClientSecretCredential gets tokens for each service in the partner tenant', async () => {
    const cred = credential();
    const arm = await cred.getToken(`${sandbox.env.ARM_ENDPOINT}/.default`);
    const pc = await cred.getToken('https://api.partnercenter.microsoft.com/.default');
    expect(claimsOf(arm.token)).toMatchObject({ aud: sandbox.env.ARM_ENDPOINT, tid: sandbox.partnerTenantId, appid: sandbox.clientId });
    expect(claimsOf(pc.token).aud).toBe('https://api.partnercenter.microsoft.com');
    expect(arm.expiresOnTimestamp).toBeGreaterThan(Date.now() + 30 * 60 * 1000);
  });

  test('issues tokens in a customer tenant (per-call tenant override)', async () => {
    const customer = sandbox.seedCustomer({ companyName: 'Tailspin', domain: 'tailspin.onmicrosoft.com' });
    const token = await credential().getToken(`${sandbox.env.GRAPH_ENDPOINT}/.default`, { tenantId: customer.customerTenantId });
    expect(claimsOf(token.token).tid).toBe(customer.customerTenantId);
  });

  test('a wrong secret is refused with invalid_client', async () => {
    await expect(credential('wrong').getToken(`${sandbox.env.ARM_ENDPOINT}/.default`)).rejects.toThrow(/invalid_client|7000215/);
    const raw = await call(`${sandbox.url}/${sandbox.partnerTenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: 'wrong', scope: 'https://graph.microsoft.com/.default' }).toString(),
    });
    expect(raw.status).toBe(401);
    expect(raw.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(Object.keys(raw.body as object).sort()).toEqual(['correlation_id', 'error', 'error_codes', 'error_description', 'error_uri', 'timestamp', 'trace_id']);
  });

  test('an unknown application is unauthorized_client; a scope without /.default is invalid_scope', async () => {
    const ask = (clientId: string, scope: string) =>
      call(`${sandbox.url}/${sandbox.partnerTenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: sandbox.clientSecret, scope }).toString(),
      });
    const unknownApp = await ask(crypto.randomUUID(), 'https://graph.microsoft.com/.default');
    expect([unknownApp.status, (unknownApp.body as { error: string }).error]).toEqual([400, 'unauthorized_client']);
    const badScope = await ask(sandbox.clientId, 'https://graph.microsoft.com/User.Read');
    expect([badScope.status, (badScope.body as { error: string }).error]).toEqual([400, 'invalid_scope']);
  });

  test('an unknown tenant is not found (AADSTS90002)', async () => {
    const raw = await call(`${sandbox.url}/${crypto.randomUUID()}/v2.0/.well-known/openid-configuration`);
    expect(raw.status).toBe(400);
    expect(raw.body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
  });

  test('discovery names the token endpoint and issuer of the tenant', async () => {
    const raw = await call(`${sandbox.url}/${sandbox.partnerTenantId}/v2.0/.well-known/openid-configuration`);
    expect(raw.status).toBe(200);
    expect(raw.body).toMatchObject({
      issuer: `${sandbox.url}/${sandbox.partnerTenantId}/v2.0`,
      token_endpoint: `${sandbox.url}/${sandbox.partnerTenantId}/oauth2/v2.0/token`,
      jwks_uri: `${sandbox.url}/${sandbox.partnerTenantId}/discovery/v2.0/keys`,
    });
    const keys = await call((raw.body as { jwks_uri: string }).jwks_uri);
    expect((keys.body as { keys: unknown[] }).keys).toHaveLength(1);
  });

  test('the delegated refresh token redeems for an App+User Partner Center token', async () => {
    const raw = await call(`${sandbox.url}/${sandbox.partnerTenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: sandbox.clientId,
        client_secret: sandbox.clientSecret,
        refresh_token: sandbox.delegatedRefreshToken,
        scope: 'https://api.partnercenter.microsoft.com/user_impersonation',
      }).toString(),
    });
    expect(raw.status).toBe(200);
    const token = (raw.body as { access_token: string }).access_token;
    expect(claimsOf(token)).toMatchObject({ scp: 'user_impersonation', idtyp: 'user', oid: sandbox.users.partnerAdmin });
    const bad = await call(`${sandbox.url}/${sandbox.partnerTenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: sandbox.clientId, refresh_token: 'stolen', scope: 'https://api.partnercenter.microsoft.com/user_impersonation' }).toString(),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid_grant' });
  });

  test('tokens from another sandbox are worthless here', async () => {
    const other = await testSandbox({ seed: false });
    try {
      const foreign = await appToken(other, `${sandbox.env.ARM_ENDPOINT}`);
      const answer = await call(`${sandbox.env.ARM_ENDPOINT}${sandbox.registrations.payAsYouUse}?api-version=2017-06-01`, { token: foreign });
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
    } finally {
      await other.close();
    }
  });
});
