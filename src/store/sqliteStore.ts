// The embedded default store (STORE=sqlite): one SQLite file, WAL mode, every compare-and-set a
// single statement or transaction guarded by `WHERE etag = ?`, so it stays atomic even when two
// processes share the file. better-sqlite3 is synchronous; the async methods only fit the contract.
import Database from 'better-sqlite3';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { setImmediate } from 'timers';
import type { Storage, StoreItems } from 'botbuilder';
import { upgradeStoredRequest, type AuditEntry, type RequestId, type RequestStatus, type ServiceRequest } from '../onboarding/model';
import { eTagConflict, requestChanged, requestTaken, type StoreOptions } from './options';
import type { AuditLog, FactStore, LeaseStore, RequestStore, Versioned } from '../onboarding/ports';
import type { BotStore, ConversationReferenceStore } from './types';

/** Each entry moves the schema one version up; PRAGMA user_version records how far a file got. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL, etag TEXT NOT NULL);
   CREATE TABLE requests (
     id TEXT PRIMARY KEY, status TEXT NOT NULL, body TEXT NOT NULL, etag TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE INDEX requests_by_status ON requests (status, created_at);
   CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL, entry TEXT NOT NULL);
   CREATE INDEX audit_by_request ON audit (request_id, seq);
   CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL);
   CREATE TABLE conversation_refs (conversation_id TEXT PRIMARY KEY, reference TEXT NOT NULL);
   CREATE TABLE facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

export async function openSqliteStore(file: string, options: StoreOptions = {}): Promise<BotStore> {
  const db = openDatabase(file);
  const inMemory = file === ':memory:';
  const unflushed = inMemory ? db : openUnflushedConnection(file, db);
  const wal = inMemory ? undefined : walFlusher(file);
  const durable = groupCommit(db, wal ? wal.flush : async () => undefined);
  const now = options.now ?? Date.now;
  options.logger?.info({ store: 'sqlite', file, schemaVersion: MIGRATIONS.length }, 'store opened');
  return {
    kind: 'sqlite',
    state: sqliteStorage(unflushed),
    requests: sqliteRequests(db, durable),
    audit: sqliteAudit(db, durable),
    leases: sqliteLeases(unflushed, now),
    conversations: sqliteConversations(db, durable),
    facts: sqliteFacts(db, durable),
    isOpen: () => db.open,
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      if (unflushed.open) unflushed.close();
      if (db.open) db.close();
      await wal?.close();
    },
  };
}

/**
 * A second connection to the same file with synchronous = NORMAL, for what a power cut may lose:
 * botbuilder's conversation and user state (the last clicks on a draft) and the run leases (a lease
 * is a claim that times out anyway, and a power cut ends every holder). In WAL mode its commits are
 * not flushed to disk one by one; the file is never corrupted. With FULL, the flush of every dialog
 * turn blocked the event loop for most of that turn's time, and every run write paid a second flush
 * for its lease renewal (docs/performance.md, issue 17). Requests, audit entries, facts and
 * conversation references stay on the durable connection (groupCommit: each write's WAL flushed
 * before it counts as written): an approval, a run step and the key a step records before it calls
 * Partner Center survive a power cut. Flushing the WAL for those also flushes whatever this
 * connection wrote before them.
 */
function openUnflushedConnection(file: string, main: Database.Database): Database.Database {
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (err) {
    db.close();
    main.close();
    throw err;
  }
}

function openDatabase(file: string): Database.Database {
  const inMemory = file === ':memory:';
  if (!inMemory) restrictToOwner(file);
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!inMemory) db.pragma('journal_mode = WAL');
    // NORMAL: a commit does not wait for the disk on the event loop; every write on this connection
    // goes through groupCommit, which flushes the WAL off the loop before its callers hear "written".
    db.pragma('synchronous = NORMAL');
    migrate(db);
    if (!inMemory && fs.existsSync(`${file}-wal`)) {
      // What the migrations wrote, on disk before the store is used (once, at start).
      const wal = fs.openSync(`${file}-wal`, 'r');
      try {
        fs.fsyncSync(wal);
      } finally {
        fs.closeSync(wal);
      }
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * The store holds customer data: the file is the bot's alone (0600, its folder 0700 when the bot
 * creates it). SQLite creates the -wal and -shm files with the database file's permissions; a file
 * left world-readable by an older version is tightened too.
 */
function restrictToOwner(file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
  }
}

/** Runs the migrations this file has not seen yet; IMMEDIATE so two processes starting together take turns. */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`The store file has schema version ${version}; this bot knows up to ${MIGRATIONS.length}. Upgrade the bot.`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

/** One durable write: runs inside the group's transaction; its result or error goes to its caller. */
type DurableWrite = <T>(write: () => T) => Promise<T>;

/**
 * The durable connection's flush, off the event loop: an fsync of the write-ahead log (in the
 * thread pool), which is what `synchronous = FULL` does at every commit in WAL mode, but there it
 * blocked the event loop for the disk's time (better-sqlite3 is synchronous): with a hundred runs
 * in flight every approval click waited behind those flushes (docs/performance.md, issue 17). The
 * WAL holds every commit in order, so one flush makes everything committed before it durable. The
 * WAL stays the same file while the store's connections are open; its handle is opened once.
 */
function walFlusher(file: string): { flush: () => Promise<void>; close: () => Promise<void> } {
  let handle: Promise<fs.promises.FileHandle> | undefined;
  /** The fsync running now, and the one that waits for it (joined by every commit made meanwhile). */
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  async function sync(): Promise<void> {
    handle ??= fs.promises.open(`${file}-wal`, 'r');
    const opened = handle;
    try {
      await (await opened).sync();
    } catch (err) {
      // Opened again at the next flush.
      if (handle === opened) handle = undefined;
      await opened.then((h) => h.close()).catch(() => undefined);
      throw err;
    }
  }
  function flush(): Promise<void> {
    if (!running) {
      running = sync().finally(() => (running = undefined));
      return running;
    }
    // A flush that started before this commit may miss it: one more flush after it, for every
    // commit made while it runs, not one each (with a hundred runs writing, the fsyncs queued up
    // in the thread pool, and a click's write waited behind all of them).
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return flush();
      });
    return next;
  }
  return {
    flush,
    async close() {
      const opened = handle;
      handle = undefined;
      await opened?.then((h) => h.close()).catch(() => undefined);
    },
  };
}

/**
 * Group commit on the durable connection. Writes asked for in the same turn of the event loop run in
 * one IMMEDIATE transaction; then the WAL is flushed off the loop (`flush`), and only then does each
 * caller's promise settle, so "written" still means "on disk", as with `synchronous = FULL`, without
 * the event loop waiting for the disk. A write's own refusal (an eTag that no longer matches, a
 * taken id) fails that write alone; any other SQLite error rolls the whole group back and fails every
 * write in it; a failed flush fails every write of its group. `setImmediate` from 'timers', not the
 * global one, so fake timers in tests cannot hold writes back.
 */
function groupCommit(db: Database.Database, flushToDisk: () => Promise<void>): DurableWrite {
  type Job = { write: () => unknown; resolve: (value: unknown) => void; reject: (err: unknown) => void };
  type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
  let queue: Job[] = [];
  const commit = db.transaction((jobs: Job[]): Outcome[] =>
    jobs.map((job) => {
      try {
        return { ok: true, value: job.write() };
      } catch (error) {
        if (error instanceof Database.SqliteError) throw error;
        return { ok: false, error };
      }
    }),
  );
  const flush = () => {
    const jobs = queue;
    queue = [];
    let outcomes: Outcome[];
    try {
      outcomes = commit.immediate(jobs);
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return;
    }
    flushToDisk().then(
      () => outcomes.forEach((outcome, i) => (outcome.ok ? jobs[i].resolve(outcome.value) : jobs[i].reject(outcome.error))),
      (err: unknown) => jobs.forEach((job) => job.reject(err)),
    );
  };
  return <T>(write: () => T) =>
    new Promise<T>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
    });
}

function newEtag(): string {
  return randomUUID();
}

function sqliteStorage(db: Database.Database): Storage {
  const select = db.prepare<[string], { value: string; etag: string }>('SELECT value, etag FROM state WHERE key = ?');
  const upsert = db.prepare(
    'INSERT INTO state (key, value, etag) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag',
  );
  const updateIfMatch = db.prepare('UPDATE state SET value = ?, etag = ? WHERE key = ? AND etag = ?');
  const remove = db.prepare('DELETE FROM state WHERE key = ?');

  // All changes of one write commit together or not at all.
  const writeAll = db.transaction((changes: StoreItems) => {
    for (const [key, item] of Object.entries(changes)) {
      const { eTag, ...value } = (item ?? {}) as { eTag?: string };
      const json = JSON.stringify(value);
      if (eTag === undefined || eTag === '' || eTag === '*') {
        upsert.run(key, json, newEtag());
      } else if (updateIfMatch.run(json, newEtag(), key, eTag).changes !== 1) {
        // Stale, or deleted since it was read: either way the writer worked from an old copy.
        throw eTagConflict(key);
      }
    }
  });
  const deleteAll = db.transaction((keys: string[]) => keys.forEach((key) => remove.run(key)));

  return {
    read: async (keys: string[]) => {
      const items: StoreItems = {};
      for (const key of keys) {
        const row = select.get(key);
        // The parsed object is already a fresh copy: the eTag goes on it rather than on another copy.
        if (row) items[key] = Object.assign(JSON.parse(row.value) as object, { eTag: row.etag });
      }
      return items;
    },
    write: async (changes: StoreItems) => writeAll.immediate(changes),
    delete: async (keys: string[]) => deleteAll.immediate(keys),
  };
}

interface RequestRow {
  body: string;
  etag: string;
}

function sqliteRequests(db: Database.Database, durable: DurableWrite): RequestStore {
  const insert = db.prepare('INSERT INTO requests (id, status, body, etag, created_at) VALUES (?, ?, ?, ?, ?)');
  const select = db.prepare<[string], RequestRow>('SELECT body, etag FROM requests WHERE id = ?');
  const replaceIfMatch = db.prepare('UPDATE requests SET status = ?, body = ?, etag = ? WHERE id = ? AND etag = ?');
  const selectAll = db.prepare<[], RequestRow>('SELECT body, etag FROM requests ORDER BY created_at, id');
  const insertAudit = db.prepare('INSERT INTO audit (request_id, entry) VALUES (?, ?)');
  // Requests stored in an older shape are read in the current one.
  const toVersioned = (row: RequestRow): Versioned<ServiceRequest> => ({ value: upgradeStoredRequest(JSON.parse(row.body)), etag: row.etag });

  return {
    create: async (request) => {
      const etag = newEtag();
      const body = JSON.stringify(request);
      await durable(() => {
        try {
          insert.run(request.id, request.status, body, etag, request.createdAt);
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw requestTaken(request.id);
          throw err;
        }
      });
      return { value: structuredClone(request), etag };
    },
    get: async (id: RequestId) => {
      const row = select.get(id);
      return row && toVersioned(row);
    },
    replace: async (request, etag) => {
      const next = newEtag();
      const body = JSON.stringify(request);
      // One statement: the etag comparison and the write cannot be separated by another writer.
      await durable(() => {
        if (replaceIfMatch.run(request.status, body, next, request.id, etag).changes !== 1) throw requestChanged(request.id);
      });
      return { value: structuredClone(request), etag: next };
    },
    replaceAndAudit: async (request, etag, entries) => {
      const next = newEtag();
      const body = JSON.stringify(request);
      const lines = entries.map((entry) => JSON.stringify(entry));
      // One job of the group: the entries are written only with the request, in the same commit.
      await durable(() => {
        if (replaceIfMatch.run(request.status, body, next, request.id, etag).changes !== 1) throw requestChanged(request.id);
        entries.forEach((entry, i) => insertAudit.run(entry.requestId, lines[i]));
      });
      return { value: structuredClone(request), etag: next };
    },
    list: async (filter) => {
      const statuses = filter?.status;
      if (!statuses) return selectAll.all().map(toVersioned);
      if (statuses.length === 0) return [];
      return selectByStatus(db, statuses).map(toVersioned);
    },
    ids: async (filter) => {
      if (filter.status.length === 0) return [];
      const marks = filter.status.map(() => '?').join(', ');
      return db
        .prepare<RequestStatus[], { id: string }>(`SELECT id FROM requests WHERE status IN (${marks})`)
        .all(...filter.status)
        .map((row) => row.id as RequestId);
    },
  };
}

/** The status list varies in length, so this statement is prepared per call (the index still serves it). */
function selectByStatus(db: Database.Database, statuses: RequestStatus[]): RequestRow[] {
  const marks = statuses.map(() => '?').join(', ');
  return db
    .prepare<RequestStatus[], RequestRow>(`SELECT body, etag FROM requests WHERE status IN (${marks}) ORDER BY created_at, id`)
    .all(...statuses);
}

function sqliteAudit(db: Database.Database, durable: DurableWrite): AuditLog {
  const insert = db.prepare('INSERT INTO audit (request_id, entry) VALUES (?, ?)');
  const select = db.prepare<[string], { entry: string }>('SELECT entry FROM audit WHERE request_id = ? ORDER BY seq');
  return {
    append: async (entry: AuditEntry) => {
      const json = JSON.stringify(entry);
      await durable(() => insert.run(entry.requestId, json));
    },
    appendAll: async (entries: AuditEntry[]) => {
      const rows = entries.map((entry) => [entry.requestId, JSON.stringify(entry)] as const);
      await durable(db.transaction(() => rows.forEach(([requestId, json]) => insert.run(requestId, json))));
    },
    list: async (requestId) => select.all(requestId).map((row) => JSON.parse(row.entry) as AuditEntry),
  };
}

function sqliteLeases(db: Database.Database, now: () => number): LeaseStore {
  // Taken when free, expired, or already ours; the WHERE on the upsert makes it one atomic decision.
  const acquire = db.prepare(
    `INSERT INTO leases (name, owner, expires_at) VALUES (@name, @owner, @expiresAt)
     ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
     WHERE leases.owner = excluded.owner OR leases.expires_at <= @now`,
  );
  // An expired lease is no longer held, even if nobody has taken it yet: the owner must acquire again.
  const renew = db.prepare('UPDATE leases SET expires_at = @expiresAt WHERE name = @name AND owner = @owner AND expires_at > @now');
  const release = db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?');
  const expiry = db.prepare<[string], { expires_at: number }>('SELECT expires_at FROM leases WHERE name = ?');
  return {
    acquire: async (name, owner, ttlMs) => {
      const at = now();
      return acquire.run({ name, owner, expiresAt: at + ttlMs, now: at }).changes === 1;
    },
    renew: async (name, owner, ttlMs) => {
      const at = now();
      return renew.run({ name, owner, expiresAt: at + ttlMs, now: at }).changes === 1;
    },
    release: async (name, owner) => {
      release.run(name, owner);
    },
    expiresAt: async (name) => expiry.get(name)?.expires_at,
  };
}

function sqliteConversations(db: Database.Database, durable: DurableWrite): ConversationReferenceStore {
  const upsert = db.prepare(
    'INSERT INTO conversation_refs (conversation_id, reference) VALUES (?, ?) ON CONFLICT (conversation_id) DO UPDATE SET reference = excluded.reference',
  );
  const select = db.prepare<[string], { reference: string }>('SELECT reference FROM conversation_refs WHERE conversation_id = ?');
  const selectAll = db.prepare<[], { conversation_id: string; reference: string }>(
    'SELECT conversation_id, reference FROM conversation_refs ORDER BY conversation_id',
  );
  const remove = db.prepare('DELETE FROM conversation_refs WHERE conversation_id = ?');
  return {
    save: async (conversationId, reference) => {
      const json = JSON.stringify(reference);
      await durable(() => upsert.run(conversationId, json));
    },
    get: async (conversationId) => {
      const row = select.get(conversationId);
      return row && JSON.parse(row.reference);
    },
    list: async () => selectAll.all().map((row) => ({ conversationId: row.conversation_id, reference: JSON.parse(row.reference) })),
    delete: async (conversationId) => {
      await durable(() => remove.run(conversationId));
    },
  };
}

function sqliteFacts(db: Database.Database, durable: DurableWrite): FactStore {
  const upsert = db.prepare('INSERT INTO facts (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const select = db.prepare<[string], { value: string }>('SELECT value FROM facts WHERE key = ?');
  return {
    get: async <T>(key: string) => {
      const row = select.get(key);
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    set: async <T>(key: string, value: T) => {
      const json = JSON.stringify(value);
      await durable(() => upsert.run(key, json));
    },
  };
}
