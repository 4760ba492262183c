// The Azure Blob store against a real Azurite on loopback: the shared contract, plus what several
// bot instances sharing one container must get right.
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { testConfig } from '../support/testConfig';
import type { RequestId } from '../../src/onboarding/model';
import { openBlobStore, openStore } from '../../src/store';
import { kept } from '../../src/store/blobStore';
import type { BotStore } from '../../src/store/types';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { BlobsStorage } from 'botbuilder-azure-blobs';
import { startAzurite, type AzuriteBlob } from '../support/azurite';
import { startResponseLosingProxy, type ResponseLosingProxy } from './responseLosingProxy';
import { describeStoreContract, sampleRequest } from './storeSuite';

let azurite: AzuriteBlob;
const freshContainer = () => `store-${randomUUID()}`;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
});

describe('the blob clients kept per name', () => {
  it('gives the client made for a name again, and makes one again only for a name pushed out by newer ones', () => {
    const made: string[] = [];
    const clientOf = kept((name) => (made.push(name), { name }), 2);
    const a = clientOf('a');
    expect(clientOf('a')).toBe(a);
    clientOf('b');
    clientOf('a'); // a is now the most recently used, b the least
    clientOf('c'); // pushes b out
    expect(clientOf('a')).toBe(a);
    clientOf('b');
    expect(made).toEqual(['a', 'b', 'c', 'b']);
  });
});

describeStoreContract('Azure Blob (Azurite)', (options) =>
  openBlobStore({ connectionString: azurite.connectionString, container: freshContainer(), ...options }),
);

describe('two bot instances on one container', () => {
  let first: BotStore;
  let second: BotStore;
  let clock: number;
  let container: string;

  beforeEach(async () => {
    clock = Date.parse('2026-11-26T08:00:00Z');
    container = freshContainer();
    first = await openBlobStore({ connectionString: azurite.connectionString, container, now: () => clock });
    second = await openBlobStore({ connectionString: azurite.connectionString, container, now: () => clock });
  });
  afterEach(async () => {
    await first.close();
    await second.close();
  });

  it('approved on both instances at once: exactly one of 20 clicks wins', async () => {
    const created = await first.requests.create(sampleRequest('ONB-TWIN'));
    const clicks = Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? first : second).requests.replace({ ...created.value, status: 'approved', updatedAt: `click-${i}` }, created.etag),
    );
    const settled = await Promise.allSettled(clicks);
    const won = settled.filter((s) => s.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(settled.filter((s) => s.status === 'rejected').map((s) => (s as PromiseRejectedResult).reason.name)).toEqual(
      Array(19).fill('ConcurrencyError'),
    );
    expect(await second.requests.get('ONB-TWIN' as RequestId)).toEqual((won[0] as PromiseFulfilledResult<unknown>).value);
  });

  it('both instances create the same request id: one create wins', async () => {
    const settled = await Promise.allSettled([
      first.requests.create(sampleRequest('ONB-SAME')),
      second.requests.create(sampleRequest('ONB-SAME')),
    ]);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('both instances go for the same run: one lease holder, the other takes over only after expiry', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).leases.acquire('run/ONB-TWIN', `instance-${i}`, 30_000)),
    );
    expect(attempts.filter(Boolean)).toHaveLength(1);
    const holder = `instance-${attempts.indexOf(true)}`;
    clock += 30_000;
    expect(await first.leases.acquire('run/ONB-TWIN', 'instance-new', 30_000)).toBe(true);
    expect(await second.leases.renew('run/ONB-TWIN', holder, 30_000)).toBe(false);
  });

  it('dialog state written by one instance is read (and CAS-checked) by the other', async () => {
    const key = 'msteams/conversations/a:1/';
    await first.state.write({ [key]: { dialogStack: [{ id: 'onboard' }] } });
    const read = (await second.state.read([key]))[key];
    expect(read.dialogStack).toEqual([{ id: 'onboard' }]);
    await first.state.write({ [key]: { dialogStack: [], eTag: read.eTag } });
    await expect(second.state.write({ [key]: { dialogStack: [{ id: 'stale' }], eTag: read.eTag } })).rejects.toThrow(/eTag conflict/);
  });

  it("dialog state written by botbuilder's BlobsStorage (an instance before this store kept state itself) is read and CAS-written under the same blob", async () => {
    const key = 'msteams/conversations/19:abc@thread.tacv2;messageid=1/';
    const older = new BlobsStorage(azurite.connectionString, container);
    await older.write({ [key]: { dialogStack: [{ id: 'onboard' }], city: 'Zürich' } });
    const read = (await first.state.read([key]))[key];
    expect(read).toMatchObject({ dialogStack: [{ id: 'onboard' }], city: 'Zürich' });
    await first.state.write({ [key]: { dialogStack: [], city: 'Genève', eTag: read.eTag } });
    expect((await older.read([key]))[key]).toMatchObject({ dialogStack: [], city: 'Genève' });
    await expect(older.write({ [key]: { dialogStack: [{ id: 'stale' }], eTag: read.eTag } })).rejects.toThrow(/eTag conflict/);
    await first.state.delete([key]);
    expect(await older.read([key])).toEqual({});
  });

  it('audit entries appended by both instances at once all arrive', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? first : second).audit.append({
          requestId: 'ONB-TWIN' as RequestId,
          at: new Date(clock).toISOString(),
          actor: 'bot',
          action: 'call',
          detail: `call ${i}`,
        }),
      ),
    );
    const details = (await first.audit.list('ONB-TWIN' as RequestId)).map((e) => e.detail).sort();
    expect(details).toEqual(Array.from({ length: 20 }, (_, i) => `call ${i}`).sort());
  });
});

describe('a write whose response is lost on the network', () => {
  let proxy: ResponseLosingProxy;
  let store: BotStore;

  beforeAll(async () => {
    proxy = await startResponseLosingProxy(new URL(azurite.blobEndpoint).origin);
  });
  afterAll(async () => {
    await proxy.close();
  });
  beforeEach(async () => {
    // Same account and key, but every request goes through the proxy.
    const connectionString = azurite.connectionString.replace(new URL(azurite.blobEndpoint).origin, proxy.origin);
    store = await openBlobStore({ connectionString, container: freshContainer() });
  });
  afterEach(async () => {
    await store.close();
  });

  const putOf = (blobPath: string) => (method: string, url: string) => method === 'PUT' && url.includes(blobPath);

  it('a create retried by the SDK after it landed counts as created, once', async () => {
    const before = proxy.lost();
    proxy.loseNextResponse(putOf('/requests/ONB-LOST.json'));
    const created = await store.requests.create(sampleRequest('ONB-LOST'));
    expect(proxy.lost()).toBe(before + 1);
    expect(await store.requests.get('ONB-LOST' as RequestId)).toEqual(created);
    await expect(store.requests.create(sampleRequest('ONB-LOST'))).rejects.toThrow(/already exists/);
  });

  it('a replace retried by the SDK after it landed is reported as won, with the new etag', async () => {
    const created = await store.requests.create(sampleRequest('ONB-LOST'));
    const before = proxy.lost();
    proxy.loseNextResponse(putOf('/requests/ONB-LOST.json'));
    const approved = await store.requests.replace({ ...created.value, status: 'approved' }, created.etag);
    expect(proxy.lost()).toBe(before + 1);
    expect(await store.requests.get('ONB-LOST' as RequestId)).toEqual(approved);
    await expect(store.requests.replace({ ...created.value, status: 'rejected' }, created.etag)).rejects.toThrow(/changed by someone else/);
  });

  it('a lease write retried by the SDK after it landed is held, not "lost" (acquire and renew)', async () => {
    const leasePut = (method: string, url: string) => method === 'PUT' && url.includes('/leases/') && url.includes('ONB-LOST');
    const before = proxy.lost();
    proxy.loseNextResponse(leasePut);
    expect(await store.leases.acquire('run:ONB-LOST', 'worker-a', 60_000)).toBe(true);
    proxy.loseNextResponse(leasePut);
    expect(await store.leases.renew('run:ONB-LOST', 'worker-a', 60_000)).toBe(true);
    expect(proxy.lost()).toBe(before + 2);
    // Still a fence: another owner cannot take it, and the holder still can renew.
    expect(await store.leases.acquire('run:ONB-LOST', 'worker-b', 60_000)).toBe(false);
    expect(await store.leases.renew('run:ONB-LOST', 'worker-a', 60_000)).toBe(true);
  });

  it('an audit entry appended twice by a retry is listed once', async () => {
    await store.audit.append({ requestId: 'ONB-LOST' as RequestId, at: '2026-11-26T08:00:00Z', actor: 'bot', action: 'submitted', detail: 'one' });
    const before = proxy.lost();
    proxy.loseNextResponse((method, url) => method === 'PUT' && url.includes('/audit/ONB-LOST.jsonl') && url.includes('comp=appendblock'));
    await store.audit.append({ requestId: 'ONB-LOST' as RequestId, at: '2026-11-26T08:00:01Z', actor: 'bot', action: 'call', detail: 'two' });
    expect(proxy.lost()).toBe(before + 1);
    expect((await store.audit.list('ONB-LOST' as RequestId)).map((e) => e.detail)).toEqual(['one', 'two']);
  });
});

describe('openStore', () => {
  it('opens the blob store by account URL and credential (here Azurite\'s shared key)', async () => {
    const credential = new StorageSharedKeyCredential(
      'devstoreaccount1',
      /AccountKey=([^;]+)/.exec(azurite.connectionString)![1],
    );
    const container = freshContainer();
    const store = await openBlobStore({ accountUrl: azurite.blobEndpoint, credential, container });
    await store.state.write({ 'msteams/users/u1': { locale: 'de-CH' } });
    await store.requests.create(sampleRequest('ONB-URL1'));
    const byConnectionString = await openBlobStore({ connectionString: azurite.connectionString, container });
    expect((await byConnectionString.state.read(['msteams/users/u1']))['msteams/users/u1'].locale).toBe('de-CH');
    expect((await byConnectionString.requests.get('ONB-URL1' as RequestId))?.value.id).toBe('ONB-URL1');
    await Promise.all([store.close(), byConnectionString.close()]);
  });

  it('opens the blob store for STORE=blob with a connection string', async () => {
    const config = testConfig({
      STORE: 'blob',
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
      AZURE_STORAGE_CONTAINER: 'open-store-test',
    });
    const store = await openStore(config);
    expect(store.kind).toBe('blob');
    await store.requests.create(sampleRequest('ONB-OPEN'));
    const again = await openBlobStore({ connectionString: azurite.connectionString, container: 'open-store-test' });
    expect((await again.requests.get('ONB-OPEN' as RequestId))?.value.id).toBe('ONB-OPEN');
    await Promise.all([store.close(), again.close()]);
  });

  it('opens SQLite at STORE_PATH by default', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'open-store-'));
    try {
      const store = await openStore(testConfig({ STORE_PATH: path.join(dir, 'data', 'bot.db') }));
      expect(store.kind).toBe('sqlite');
      await store.close();
      expect(fs.existsSync(path.join(dir, 'data', 'bot.db'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
