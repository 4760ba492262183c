// The Azure Blob store against a real Azurite on loopback: the shared contract, plus what several
// bot instances sharing one container must get right.
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import type { RequestId } from '../../src/onboarding/model';
import { openBlobStore, openStore } from '../../src/store';
import type { BotStore } from '../../src/store/types';
import { startAzurite, type AzuriteBlob } from '../support/azurite';
import { describeStoreContract, sampleRequest } from './storeSuite';

let azurite: AzuriteBlob;
const freshContainer = () => `store-${randomUUID()}`;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.close();
});

describeStoreContract('Azure Blob (Azurite)', (options) =>
  openBlobStore({ connectionString: azurite.connectionString, container: freshContainer(), ...options }),
);

describe('two bot instances on one container', () => {
  let first: BotStore;
  let second: BotStore;
  let clock: number;

  beforeEach(async () => {
    clock = Date.parse('2026-11-26T08:00:00Z');
    const container = freshContainer();
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

describe('openStore', () => {
  it('opens the blob store for STORE=blob with a connection string', async () => {
    const config = loadConfig({
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
      const store = await openStore(loadConfig({ STORE_PATH: path.join(dir, 'data', 'bot.db') }));
      expect(store.kind).toBe('sqlite');
      await store.close();
      expect(fs.existsSync(path.join(dir, 'data', 'bot.db'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
