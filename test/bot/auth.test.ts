// With MicrosoftAppId set, /api/messages accepts only Bot Framework channel tokens. The tokens here
// are real RS256 JWTs checked by botbuilder against an OpenID metadata document and a JWKS served
// on loopback. The one thing replaced is Entra's token endpoint for the bot's *outbound* token
// (unreachable here): a credential that signs its own token, which the loopback connector checks.
import * as http from 'http';
import { AddressInfo } from 'net';
import { exportJWK, generateKeyPair, SignJWT, jwtVerify, type KeyLike } from 'jose';
import { AppCredentials, PasswordServiceClientCredentialFactory, type ServiceClientCredentials } from 'botframework-connector';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { gzipBomb, MiB } from '../support/gzipBomb';
import { captureLogs, type LogCapture } from '../support/logCapture';
import { message } from '../support/activities';
import { ALEX, TEAMS_TENANT } from '../support/people';

const APP_ID = '4f8b1c2d-0000-4000-8000-00000000b07a';
const APP_PASSWORD = 'app-password-that-must-never-be-logged';
const ISSUER = 'https://api.botframework.com';
const KID = 'loopback-channel-key';

interface Received {
  path: string;
  authorization?: string;
  body: Record<string, unknown>;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => resolve(body));
  });
}

describe('channel token validation (MicrosoftAppId set)', () => {
  let channelKey: { privateKey: KeyLike; publicKey: KeyLike };
  let attackerKey: { privateKey: KeyLike; publicKey: KeyLike };
  let outboundKey: { privateKey: KeyLike; publicKey: KeyLike };
  let metadataServer: http.Server;
  let connector: http.Server;
  let connectorUrl: string;
  const received: Received[] = [];
  let app: App;
  let botUrl: string;
  let logs: LogCapture;
  let sandbox: Sandbox;

  /** Signs the bot's outbound token (stands in for Entra's token endpoint, unreachable offline). */
  class LoopbackAppCredentials extends AppCredentials {
    protected async refreshToken() {
      const accessToken = await new SignJWT({ appid: APP_ID })
        .setProtectedHeader({ alg: 'RS256' })
        .setAudience('https://api.botframework.com')
        .setExpirationTime('1h')
        .sign(outboundKey.privateKey);
      return { accessToken, expiresOn: new Date(Date.now() + 3_600_000) };
    }
  }
  class LoopbackCredentialsFactory extends PasswordServiceClientCredentialFactory {
    override async createCredentials(appId: string, audience?: string): Promise<ServiceClientCredentials> {
      if (!(await this.isValidAppId(appId))) throw new Error('Invalid appId.');
      return new LoopbackAppCredentials(appId, undefined, audience);
    }
  }

  beforeAll(async () => {
    // botbuilder's CloudAdapter console.errors every refused request with a stack; keep the test output readable.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    channelKey = await generateKeyPair('RS256');
    attackerKey = await generateKeyPair('RS256');
    outboundKey = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(channelKey.publicKey)), kid: KID, use: 'sig', endorsements: ['msteams'] };

    metadataServer = http.createServer((req, res) => {
      const base = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}`;
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/.well-known/openidconfiguration') {
        res.end(JSON.stringify({ issuer: ISSUER, jwks_uri: `${base}/v1/.well-known/keys`, id_token_signing_alg_values_supported: ['RS256'] }));
      } else if (req.url === '/v1/.well-known/keys') {
        res.end(JSON.stringify({ keys: [jwk] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    const metadataUrl = await listen(metadataServer);

    connector = http.createServer(async (req, res) => {
      received.push({ path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse((await readBody(req)) || '{}') });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ id: `reply-${received.length}` }));
    });
    connectorUrl = await listen(connector);

    logs = captureLogs('debug');
    sandbox = await startSandbox({ seed: false });
    const config = loadConfig({ ...sandbox.env, CLOUD: 'sandbox', MicrosoftAppId: APP_ID, MicrosoftAppPassword: APP_PASSWORD, MicrosoftAppType: 'MultiTenant', STORE_PATH: ':memory:', ALLOWED_TENANT_IDS: TEAMS_TENANT, APPROVER_IDS: sandbox.users.approver });
    app = await createApp(config, {
      logger: logs.logger,
      channelAuth: {
        ToBotFromChannelOpenIdMetadataUrl: `${metadataUrl}/v1/.well-known/openidconfiguration`,
        ToBotFromChannelTokenIssuer: ISSUER,
      },
      credentialsFactory: new LoopbackCredentialsFactory(APP_ID, APP_PASSWORD),
    });
    botUrl = `http://127.0.0.1:${await app.listen(0)}/api/messages`;
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((r) => metadataServer?.close(r));
    await new Promise((r) => connector?.close(r));
    await sandbox?.close();
  });

  function activity(id: string) {
    return message('help', { id, from: ALEX, conversation: { id: `a:personal-${id}`, conversationType: 'personal' }, serviceUrl: connectorUrl, recipient: { id: `28:${APP_ID}`, name: 'CSP Onboarding Bot' } });
  }

  function token(options: { key?: KeyLike; kid?: string; audience?: string; expiresAt?: number; serviceUrl?: string } = {}) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ serviceurl: options.serviceUrl ?? connectorUrl })
      .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? KID })
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? APP_ID)
      .setIssuedAt(now - 60)
      .setNotBefore(now - 60)
      .setExpirationTime(options.expiresAt ?? now + 3600)
      .sign(options.key ?? channelKey.privateKey);
  }

  async function post(id: string, authorization?: string) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (authorization) headers.authorization = authorization;
    return fetch(botUrl, { method: 'POST', headers, body: JSON.stringify(activity(id)) });
  }

  const refused: Array<[string, () => Promise<string | undefined>]> = [
    ['no token', async () => undefined],
    ['a token that is not a JWT', async () => 'Bearer not-a-jwt'],
    ['a forged token (right kid, attacker key)', async () => `Bearer ${await token({ key: attackerKey.privateKey })}`],
    ['a forged token (unknown kid)', async () => `Bearer ${await token({ key: attackerKey.privateKey, kid: 'attacker' })}`],
    ['an expired token', async () => `Bearer ${await token({ expiresAt: Math.floor(Date.now() / 1000) - 3600 })}`],
    ['a token for another audience', async () => `Bearer ${await token({ audience: '11111111-2222-4333-8444-555555555555' })}`],
    ['a token for another serviceUrl', async () => `Bearer ${await token({ serviceUrl: 'https://smba.trafficmanager.net/amer/' })}`],
  ];

  it.each(refused)('%s gets 401 and the bot sends nothing', async (_name, authorization) => {
    const before = received.length;
    const res = await post(`refused-${before}-${Math.random()}`, await authorization());
    expect(res.status).toBe(401);
    // A turn that ran would have replied by now (the POST returns after the turn).
    expect(received.length).toBe(before);
  });

  it('a valid channel token gets 200, and the reply carries the bot\'s own token', async () => {
    const res = await post('valid-1', `Bearer ${await token()}`);
    expect(res.status).toBe(200);
    expect(received).toHaveLength(1);
    const [reply] = received;
    expect(reply.path).toBe(`/v3/conversations/${encodeURIComponent('a:personal-valid-1')}/activities/valid-1`);
    expect((reply.body.attachments as Array<{ contentType: string }>)[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const outbound = reply.authorization?.replace(/^Bearer /, '') ?? '';
    await expect(jwtVerify(outbound, outboundKey.publicKey)).resolves.toMatchObject({ payload: { appid: APP_ID } });
  });

  it('refuses a gzip body (415) before reading it or checking the token: inflating to 40 MiB costs < 20 MB', async () => {
    const bomb = await gzipBomb(40 * MiB);
    const before = received.length;
    const rssBefore = process.memoryUsage().rss;
    for (const authorization of [undefined, `Bearer ${await token()}`]) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
      if (authorization) headers.authorization = authorization;
      expect((await fetch(botUrl, { method: 'POST', headers, body: bomb })).status).toBe(415);
    }
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(20 * MiB);
    expect(received.length).toBe(before);
  });

  it.each([['webchat'], ['emulator'], ['directline']])('an activity from channel %s gets 403 even with a valid token, and the bot sends nothing', async (channelId) => {
    const before = received.length;
    const res = await fetch(botUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token()}` },
      body: JSON.stringify({ ...activity(`channel-${channelId}`), channelId }),
    });
    expect(res.status).toBe(403);
    expect(received.length).toBe(before);
  });

  it('never logs the app password or a token', () => {
    const all = logs.lines.join('\n');
    expect(all).not.toContain(APP_PASSWORD);
    expect(all).not.toContain(sandbox.clientSecret);
    expect(all).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
