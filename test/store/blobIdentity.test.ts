// The Blob store in Azure: it signs in as the managed identity (never as the Partner Center app
// whose AZURE_CLIENT_* variables sit in the same environment), and /readyz says whether the
// storage account can be reached now, not only whether the store was opened.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { randomUUID } from 'crypto';
import { storeCredential } from '../../src/store/blobStore';
import type { TokenCredential } from '@azure/core-auth';
import type { Cloud } from '../../src/onboarding/ports';
import { startBot, type BotDriver } from '../support/botDriver';
import { testConfig } from '../support/testConfig';
import { captureLogs } from '../support/logCapture';
import { startAzurite, type AzuriteBlob } from '../support/azurite';

const STORAGE_IDENTITY = '5d1f3a9e-0000-4000-8000-00000000510e';
const PARTNER_CENTER_APP = '9a7c2b1d-0000-4000-8000-0000000000ac';

interface IdentityEndpoint {
  url: string;
  asked: URL[];
  close(): Promise<void>;
}

/** App Service's managed identity endpoint (IDENTITY_ENDPOINT / IDENTITY_HEADER), on loopback. */
async function startIdentityEndpoint(): Promise<IdentityEndpoint> {
  const asked: URL[] = [];
  const server = http.createServer((req, res) => {
    asked.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        access_token: 'managed-identity-token',
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: 'https://storage.azure.com/',
        token_type: 'Bearer',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('the Blob store signs in as the managed identity', () => {
  let identity: IdentityEndpoint;
  const saved = { ...process.env };

  beforeAll(async () => {
    identity = await startIdentityEndpoint();
    // What a web app running the bot has: its managed identity endpoint and the Partner Center app.
    Object.assign(process.env, {
      IDENTITY_ENDPOINT: identity.url,
      IDENTITY_HEADER: 'identity-header',
      AZURE_TENANT_ID: '11111111-0000-4000-8000-000000000001',
      AZURE_CLIENT_ID: PARTNER_CENTER_APP,
      AZURE_CLIENT_SECRET: 'partner-center-app-secret',
    });
  });
  afterAll(async () => {
    for (const key of ['IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await identity.close();
  });

  // The credential the store builds from an account URL, asked for a Storage token as the SDK asks.
  const storageToken = (clientId?: string) =>
    (storeCredential({ managedIdentityClientId: clientId }) as TokenCredential).getToken('https://storage.azure.com/.default');

  it('AZURE_STORAGE_CLIENT_ID: the user-assigned identity, not AZURE_CLIENT_ID', async () => {
    identity.asked.length = 0;
    expect((await storageToken(STORAGE_IDENTITY))?.token).toBe('managed-identity-token');
    expect(identity.asked).toHaveLength(1);
    expect(identity.asked[0].searchParams.get('client_id')).toBe(STORAGE_IDENTITY);
    expect(identity.asked[0].searchParams.get('resource')).toMatch(/^https:\/\/storage\.azure\.com/);
  });

  it('without it: the system-assigned identity (no client id at all)', async () => {
    identity.asked.length = 0;
    expect((await storageToken())?.token).toBe('managed-identity-token');
    expect(identity.asked).toHaveLength(1);
    expect(identity.asked[0].searchParams.has('client_id')).toBe(false);
  });
});

describe('/readyz with the Blob store', () => {
  let azurite: AzuriteBlob | undefined;
  let bot: BotDriver;
  const logs = captureLogs('warn');

  beforeAll(async () => {
    azurite = await startAzurite();
    // Only the HTTP edge and the store matter here: no cloud, no features.
    bot = await startBot(
      testConfig({ STORE: 'blob', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: `ready-${randomUUID()}` }),
      { logger: logs.logger, cloud: { name: 'sandbox', simulated: true } as Cloud, features: () => ({ commands: [], cardActions: [], services: [] }) },
    );
  });
  afterAll(async () => {
    await bot?.close();
    await azurite?.close();
  });

  const readyz = () => fetch(bot.url.replace(/\/api\/messages$/, '/readyz'));

  it('ready while the account answers; 503 once it cannot be reached', async () => {
    const up = await readyz();
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ready' });

    await azurite!.close();
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'not ready' });
    // The store is still "open": only the probe knows the account is gone.
    expect(bot.app.store.isOpen()).toBe(true);
    expect(logs.records().map((r) => r.msg)).toContain('not ready: the store cannot be reached');
  });
});
