// The SQLite store: the shared contract on real files, plus what only a file shared by processes
// can show: a crash loses nothing that was written, and two processes never both win a CAS.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RequestId } from '../../src/onboarding/model';
import { openSqliteStore } from '../../src/store/sqliteStore';
import { runTs, type Child } from './childProcess';
import { waitFor } from '../support/waitFor';
import { describeStoreContract, sampleRequest } from './storeSuite';

const WORKER = path.join(__dirname, 'sqliteWorker.ts');
let dir: string;
let files = 0;
const nextFile = () => path.join(dir, `nested-${++files}`, 'bot.db');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-store-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Releases the children only once all have opened the file, so their writes really overlap. */
async function startTogether(children: Child[]): Promise<void> {
  await Promise.all(children.map((c) => c.waitFor(/ready/)));
  await Promise.all(children.map((c) => new Promise<void>((resolve) => c.process.stdin.end('go\n', () => resolve()))));
}

describeStoreContract('SQLite (file)', (options) => openSqliteStore(nextFile(), options));
describeStoreContract('SQLite (:memory:)', (options) => openSqliteStore(':memory:', options));

describe('SQLite store file', () => {
  it('creates the directory, uses WAL and records its schema version', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    await store.close();
    expect(fs.existsSync(file)).toBe(true);
    const reopened = await openSqliteStore(file); // migrations already applied: nothing to redo
    await reopened.requests.create(sampleRequest('ONB-AAAA'));
    await reopened.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('the file and its -wal and -shm files are readable by the bot\'s user only (0600), an old world-readable file too', async () => {
    const mode = (f: string) => fs.statSync(f).mode & 0o777;
    const file = nextFile();
    const store = await openSqliteStore(file);
    await store.requests.create(sampleRequest('ONB-PERM'));
    // While open, SQLite keeps the -wal and -shm files beside the database.
    expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    expect(mode(path.dirname(file))).toBe(0o700);
    await store.close();

    const old = nextFile();
    fs.mkdirSync(path.dirname(old), { recursive: true });
    fs.writeFileSync(old, '');
    fs.chmodSync(old, 0o644);
    const reopened = await openSqliteStore(old);
    await reopened.requests.create(sampleRequest('ONB-PERM'));
    expect([mode(old), mode(`${old}-wal`), mode(`${old}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    await reopened.close();
  });

  it('writes asked for in one turn (one group commit, issue 17): a refused write fails alone, what settled is on disk', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    const first = await store.requests.create(sampleRequest('ONB-AAAA'));
    const approved = { ...first.value, status: 'approved' as const };
    // In one turn of the event loop: a new request, an audit entry, a fact, a good and a stale compare-and-set.
    const outcomes = await Promise.allSettled([
      store.requests.create(sampleRequest('ONB-BBBB')),
      store.audit.append({ requestId: 'ONB-AAAA' as RequestId, at: '2026-11-26T08:00:01.000Z', actor: 'bench', action: 'approved', detail: 'approved' }),
      store.facts.set('registration:x', { refused: true }),
      store.requests.replace(approved, first.etag),
      store.requests.replace({ ...first.value, status: 'rejected' }, 'an-old-etag'),
      store.requests.create(sampleRequest('ONB-AAAA')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
    await store.close();

    // Settled means on disk: a new process reads every write that was not refused.
    const reopened = await openSqliteStore(file);
    expect((await reopened.requests.get('ONB-AAAA' as RequestId))?.value.status).toBe('approved');
    expect(await reopened.requests.get('ONB-BBBB' as RequestId)).toBeDefined();
    expect((await reopened.audit.list('ONB-AAAA' as RequestId)).map((e) => e.action)).toEqual(['approved']);
    expect(await reopened.facts.get('registration:x')).toEqual({ refused: true });
    await reopened.close();
  });

  it('a change and its trail entry in one commit (replaceAndAudit, issue 17): the entry only with the change, both on disk', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    const first = await store.requests.create(sampleRequest('ONB-AAAA'));
    const entry = (action: string) => ({ requestId: 'ONB-AAAA' as RequestId, at: '2026-12-02T06:00:00.000Z', actor: 'bot', action, detail: action });
    const running = await store.requests.replaceAndAudit!({ ...first.value, status: 'running' }, first.etag, [entry('run-started')]);
    // A stale compare-and-set writes neither the request nor its entry.
    await expect(store.requests.replaceAndAudit!({ ...first.value, status: 'cancelled' }, first.etag, [entry('cancelled')])).rejects.toThrow(/changed by someone else/);
    await store.close();

    const reopened = await openSqliteStore(file);
    expect(await reopened.requests.get('ONB-AAAA' as RequestId)).toEqual(running);
    expect((await reopened.audit.list('ONB-AAAA' as RequestId)).map((e) => e.action)).toEqual(['run-started']);
    await reopened.close();
  });

  it('a write counts as written only once the WAL is flushed, and the flush is not on the event loop (issue 17)', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    // The flush as the thread pool would do it, held until the test lets it go.
    const flushes: Array<{ path: string; done: () => void; fail: (e: Error) => void }> = [];
    const realOpen = fs.promises.open;
    const open = jest.spyOn(fs.promises, 'open').mockImplementation(async (p, flags) => {
      const handle = await realOpen(p, flags);
      return Object.assign(handle, {
        sync: () => new Promise<void>((resolve, reject) => flushes.push({ path: String(p), done: resolve, fail: reject })),
      });
    });
    try {
      let settled = false;
      const created = store.requests.create(sampleRequest('ONB-AAAA')).then(() => (settled = true));
      await waitFor(() => (flushes.length === 1 ? true : undefined), { what: 'the WAL flush' });
      // Committed (other readers see it) but not yet durable: the writer does not hear "written" yet,
      // and the event loop is free meanwhile (this very wait runs on it).
      expect(flushes[0].path).toBe(`${file}-wal`);
      expect(await store.requests.get('ONB-AAAA' as RequestId)).toBeDefined();
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      flushes[0].done();
      await created;
      expect(settled).toBe(true);

      // A failed flush fails the writes of its group.
      const failed = store.facts.set('registration:x', { refused: true });
      await waitFor(() => (flushes.length === 2 ? true : undefined), { what: 'the second flush' });
      flushes[1].fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
      await expect(failed).rejects.toThrow(/EIO/);
    } finally {
      open.mockRestore();
      await store.close();
    }
  });

  it('commits made while a WAL flush runs share the one flush after it, not one each (issue 17)', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    const flushes: Array<() => void> = [];
    const realOpen = fs.promises.open;
    const open = jest.spyOn(fs.promises, 'open').mockImplementation(async (p, flags) =>
      Object.assign(await realOpen(p, flags), { sync: () => new Promise<void>((resolve) => flushes.push(resolve)) }),
    );
    try {
      const settled: string[] = [];
      const write = (id: string) => store.requests.create(sampleRequest(id)).then(() => settled.push(id));
      const first = write('ONB-AAAA');
      await waitFor(() => (flushes.length === 1 ? true : undefined), { what: 'the first flush' });
      // Two more group commits (two turns of the event loop) while the first flush runs.
      const second = write('ONB-BBBB');
      await new Promise((resolve) => setImmediate(resolve));
      const third = write('ONB-CCCC');
      await new Promise((resolve) => setImmediate(resolve));
      expect(await store.requests.get('ONB-CCCC' as RequestId)).toBeDefined();
      expect(flushes).toHaveLength(1);
      flushes[0]();
      await first;
      await waitFor(() => (flushes.length === 2 ? true : undefined), { what: 'the flush after it' });
      expect(settled).toEqual(['ONB-AAAA']);
      flushes[1]();
      await Promise.all([second, third]);
      expect(settled.sort()).toEqual(['ONB-AAAA', 'ONB-BBBB', 'ONB-CCCC']);
      expect(flushes).toHaveLength(2);
    } finally {
      open.mockRestore();
      await store.close();
    }
  });

  it('refuses a file written by a newer bot', async () => {
    const file = nextFile();
    await (await openSqliteStore(file)).close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    await expect(openSqliteStore(file)).rejects.toThrow(/schema version 99/);
  });

  it('killed mid-conversation, the next process continues where it was', async () => {
    const file = nextFile();
    const child = runTs(WORKER, ['crash', file], dir);
    await child.waitFor(/written/);
    child.process.kill('SIGKILL');
    await child.exited;

    const store = await openSqliteStore(file);
    const state = await store.state.read(['msteams/conversations/a:1/']);
    expect(state['msteams/conversations/a:1/']).toMatchObject({ dialogStack: [{ id: 'onboard', state: { step: 'address' } }] });
    expect((await store.requests.get('ONB-CRSH' as RequestId))?.value).toEqual(sampleRequest('ONB-CRSH'));
    expect((await store.audit.list('ONB-CRSH' as RequestId)).map((e) => e.detail)).toEqual(['before the crash']);
    expect(await store.leases.acquire('run/ONB-CRSH', 'new-worker', 60_000)).toBe(false);
    expect(await store.conversations.get('a:1')).toMatchObject({ serviceUrl: 'https://smba.trafficmanager.net/emea/' });
    await store.close();
  });

  it('two processes approving the same request at once: exactly one click wins', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    const { etag } = await store.requests.create(sampleRequest('ONB-RACE'));
    const children = [runTs(WORKER, ['race', file, etag], dir), runTs(WORKER, ['race', file, etag], dir)];
    await startTogether(children);
    const outputs = await Promise.all(children.map((c) => c.waitFor(/won \d+/)));
    const wins = outputs.map((o) => Number(/won (\d+)/.exec(o)![1]));
    expect(wins.reduce((a, b) => a + b, 0)).toBe(1);
    const stored = await store.requests.get('ONB-RACE' as RequestId);
    expect(stored?.value.status).toBe('approved');
    expect(stored?.etag).not.toBe(etag);
    await store.close();
  });

  it('two processes updating one request 2 x 100 times lose no update', async () => {
    const file = nextFile();
    const store = await openSqliteStore(file);
    await store.requests.create(sampleRequest('ONB-CTR1'));
    const children = [runTs(WORKER, ['increment', file, '100'], dir), runTs(WORKER, ['increment', file, '100'], dir)];
    await startTogether(children);
    await Promise.all(children.map((c) => c.waitFor(/done/)));
    expect((await store.requests.get('ONB-CTR1' as RequestId))?.value.results.cartId).toBe('200');
    await store.close();
  }, 60_000);
});
