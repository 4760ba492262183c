// The shared store (STORE=blob) for several bot instances: Azure Blob Storage, one blob per record.
// Every compare-and-set is a conditional request the service decides atomically: If-None-Match: *
// to create, If-Match: <etag> to change; 409/412 means someone else wrote first.
//
// Layout in the container:
//   <encoded botbuilder key>             conversation/dialog/user state (named and written as
//                                        botbuilder's BlobsStorage does: URL-encoded keys, so these
//                                        names never contain '/')
//   requests/<id>.json                   the request; metadata.status lets list() filter from a listing
//   audit/<request id>.jsonl             append blob, one JSON line per entry, in append order
//   leases/<name>.json                   { owner, expiresAt }, changed only with If-Match
//   conversations/<conversation id>.json a ConversationReference
//   facts/<key>.json                     a small JSON fact
import { randomUUID } from 'crypto';
import consumers from 'stream/consumers';
import type { TokenCredential } from '@azure/core-auth';
import { ManagedIdentityCredential } from '@azure/identity';
import {
  BlobServiceClient,
  ContainerClient,
  type AppendBlobClient,
  type BlobClient,
  type BlobRequestConditions,
  type BlockBlobClient,
  type StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { Storage, StoreItem, StoreItems } from 'botbuilder';
import { sanitizeBlobKey } from 'botbuilder-azure-blobs/lib/sanitizeBlobKey';
import { upgradeStoredRequest, type AuditEntry, type RequestId, type RequestStatus, type ServiceRequest } from '../onboarding/model';
import { requestChanged, requestTaken, type StoreOptions } from './options';
import type { AuditLog, FactStore, LeaseStore, RequestStore, Versioned } from '../onboarding/ports';
import type { BotStore, ConversationReferenceStore } from './types';

export interface BlobStoreOptions extends StoreOptions {
  connectionString?: string;
  /** e.g. https://<account>.blob.core.windows.net, used with `credential` (default: the managed identity). */
  accountUrl?: string;
  /** The store's Azure credential; a shared-key credential also works (e.g. against Azurite). */
  credential?: TokenCredential | StorageSharedKeyCredential;
  /**
   * AZURE_STORAGE_CLIENT_ID: the user-assigned managed identity the store signs in as when no
   * `credential` is given; unset: the system-assigned identity. Never the Partner Center app.
   */
  managedIdentityClientId?: string;
  container: string;
}

/** Parallel reads when a list needs the bodies of many blobs: quick for hundreds, gentle on the account. */
const READ_CONCURRENCY = 16;
/** Clients kept per blob name (the most recently used): the hot ones are the conversations' state and the runs' requests and leases. */
const CLIENTS_KEPT = 1000;

/**
 * The container and a client per blob name, built once and kept for the next call. Building a
 * blob client (its URL parsed, its generated operation groups and pipeline options) was about 5% of
 * the CPU of Blob `onboard` turns, which built two each (docs/performance.md, change 23).
 */
interface Blobs {
  container: ContainerClient;
  /** A block blob's client: reads, conditional writes and deletes of every JSON record. */
  block(name: string): BlockBlobClient;
  append(name: string): AppendBlobClient;
}

function blobClients(container: ContainerClient): Blobs {
  return {
    container,
    block: kept((name) => container.getBlockBlobClient(name)),
    append: kept((name) => container.getAppendBlobClient(name)),
  };
}

/** `make`, remembering what it made for the last `size` names it was asked for (a Map keeps insertion order: the first key is the least recently used). */
export function kept<T>(make: (name: string) => T, size = CLIENTS_KEPT): (name: string) => T {
  const clients = new Map<string, T>();
  return (name) => {
    let client = clients.get(name);
    if (client !== undefined) clients.delete(name);
    else client = make(name);
    clients.set(name, client);
    if (clients.size > size) clients.delete(clients.keys().next().value as string);
    return client;
  };
}

export async function openBlobStore(options: BlobStoreOptions): Promise<BotStore> {
  const { container, probe } = connect(options);
  await container.createIfNotExists();
  const blobs = blobClients(container);
  const now = options.now ?? Date.now;
  let open = true;
  const guard = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => (open ? fn(...args) : Promise.reject(new Error('The store is closed.')));
  const guardAll = <T extends object>(api: T): T =>
    Object.fromEntries(Object.entries(api).map(([k, fn]) => [k, guard(fn as (...a: unknown[]) => Promise<unknown>)])) as T;

  options.logger?.info({ store: 'blob', container: container.containerName, url: container.url }, 'store opened');
  return {
    kind: 'blob',
    state: guardAll(stateStorage(blobs)),
    requests: guardAll(blobRequests(blobs)),
    audit: guardAll(blobAudit(blobs)),
    leases: guardAll(blobLeases(blobs, now)),
    conversations: guardAll(blobConversations(blobs)),
    facts: guardAll(blobFacts(blobs)),
    isOpen: () => open,
    ping: guard(async (signal?: AbortSignal) => {
      await probe.getProperties({ abortSignal: signal });
    }),
    close: async () => {
      open = false;
    },
  };
}

/** The readiness probe tries once: an unreachable account should fail /readyz now, not after the retries. */
const PROBE_OPTIONS = { retryOptions: { maxTries: 1 } };

function connect(options: BlobStoreOptions): { container: ContainerClient; probe: ContainerClient } {
  if (options.connectionString) {
    return {
      container: new ContainerClient(options.connectionString, options.container),
      probe: new ContainerClient(options.connectionString, options.container, PROBE_OPTIONS),
    };
  }
  if (!options.accountUrl) throw new Error('The blob store needs AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL.');
  // Only the managed identity: DefaultAzureCredential would read AZURE_CLIENT_ID/AZURE_CLIENT_SECRET,
  // the Partner Center app's, and the store would sign in as an app with rights over customers
  // (docs/reference/deployment-and-telemetry.md §DT-3).
  const credential = storeCredential(options);
  const container = new BlobServiceClient(options.accountUrl, credential).getContainerClient(options.container);
  const probe = new BlobServiceClient(options.accountUrl, credential, PROBE_OPTIONS).getContainerClient(options.container);
  return { container, probe };
}

/**
 * Who the store signs in as with an account URL: the given credential, else the managed identity
 * (user-assigned by AZURE_STORAGE_CLIENT_ID, or the system identity).
 */
export function storeCredential(
  options: Pick<BlobStoreOptions, 'credential' | 'managedIdentityClientId'>,
): TokenCredential | StorageSharedKeyCredential {
  if (options.credential) return options.credential;
  const clientId = options.managedIdentityClientId;
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

/**
 * botbuilder's state `Storage` on the store's container, blob for blob as botbuilder's BlobsStorage
 * keeps it (the same names, `sanitizeBlobKey`; the same JSON; the blob's ETag as the item's eTag;
 * If-Match when an item carries an eTag other than '*'; a 412 is its "eTag conflict" error, which
 * src/bot/concurrentState.ts turns into "try again"). An `onboard` turn on Blob is one read and one
 * write of this: BlobsStorage checked its arguments with zod, ran each key through p-map and copied
 * every item on the way in and out, about a third of the client's CPU for the two requests
 * (docs/performance.md, issue 17).
 */
function stateStorage(blobs: Blobs): Storage {
  const readItem = async (key: string): Promise<StoreItem | undefined> => {
    try {
      const response = await blobs.block(sanitizeBlobKey(key)).download();
      if (!response.readableStreamBody) return undefined;
      const item = (await consumers.json(response.readableStreamBody)) as StoreItem;
      item.eTag = response.etag;
      return item;
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw err;
    }
  };
  const writeItem = async (key: string, { eTag = '', ...change }: StoreItem): Promise<void> => {
    const body = JSON.stringify(change);
    try {
      await blobs.block(sanitizeBlobKey(key)).upload(body, Buffer.byteLength(body), {
        conditions: typeof eTag === 'string' && eTag !== '*' ? { ifMatch: eTag } : {},
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (err) {
      if (statusCode(err) === 412) throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
      throw err;
    }
  };
  return {
    read: async (keys: string[]) => {
      const items = await Promise.all(keys.map(readItem));
      const found: StoreItems = {};
      keys.forEach((key, i) => {
        if (items[i]) found[key] = items[i];
      });
      return found;
    },
    write: async (changes: StoreItems) => {
      await Promise.all(Object.entries(changes).map(([key, item]) => writeItem(key, item as StoreItem)));
    },
    delete: async (keys: string[]) => {
      await Promise.all(
        keys.map((key) =>
          blobs.block(sanitizeBlobKey(key)).delete().catch((err: unknown) => {
            if (statusCode(err) !== 404) throw err;
          }),
        ),
      );
    },
  };
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number } | undefined)?.statusCode;
}

/** 409 (already exists) and 412 (ETag no longer matches) are how the service says a CAS lost. */
function lostCas(err: unknown): boolean {
  const code = statusCode(err);
  return code === 409 || code === 412 || code === 404;
}

async function readJson<T>(blob: BlobClient): Promise<Versioned<T> | undefined> {
  try {
    const response = await blob.download();
    // The body and the etag come from the same response, so they always belong together.
    return { value: (await consumers.json(response.readableStreamBody!)) as T, etag: response.etag! };
  } catch (err) {
    if (statusCode(err) === 404) return undefined;
    throw err;
  }
}

async function writeJson(
  blob: BlockBlobClient,
  value: unknown,
  conditions: BlobRequestConditions = {},
  metadata?: Record<string, string>,
): Promise<string> {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  const response = await blob.upload(body, body.length, {
    conditions,
    metadata,
    blobHTTPHeaders: { blobContentType: 'application/json' },
  });
  return response.etag!;
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function listNames(container: ContainerClient, prefix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const item of container.listBlobsFlat({ prefix })) names.push(item.name);
  return names;
}

/** Reads the blobs named; one deleted between listing and reading is skipped. Each through a client of its own, not kept: a listing would push the hot clients out. */
async function readAll<T>(container: ContainerClient, names: string[]): Promise<Array<{ name: string } & Versioned<T>>> {
  const read = await mapLimited(names, READ_CONCURRENCY, async (name) => {
    const found = await readJson<T>(container.getBlobClient(name));
    return found && { name, ...found };
  });
  return read.filter((r): r is { name: string } & Versioned<T> => r !== undefined);
}

/**
 * Writes a request under an ETag condition. Each call tags its write with a fresh id in the blob's
 * metadata: when the SDK retries a write whose first response was lost (the write landed), the
 * retry fails its condition, and the tag tells "that was our own write" from "someone else won".
 */
async function writeRequestIf(
  blob: BlockBlobClient,
  request: ServiceRequest,
  conditions: BlobRequestConditions,
): Promise<string | undefined> {
  const writeId = randomUUID();
  try {
    return await writeJson(blob, request, conditions, { status: request.status, writeid: writeId });
  } catch (err) {
    if (!lostCas(err)) throw err;
    const stored = await blob.getProperties().catch((e: unknown) => (statusCode(e) === 404 ? undefined : Promise.reject(e)));
    return stored?.metadata?.writeid === writeId ? stored.etag : undefined;
  }
}

/** Requests stored in an older shape are read in the current one. */
function upgraded(stored: Versioned<ServiceRequest> | undefined): Versioned<ServiceRequest> | undefined {
  return stored && { value: upgradeStoredRequest(stored.value), etag: stored.etag };
}

function blobRequests(blobs: Blobs): RequestStore {
  const blobOf = (id: string) => blobs.block(`requests/${encodeURIComponent(id)}.json`);
  const byAge = (a: Versioned<ServiceRequest>, b: Versioned<ServiceRequest>) =>
    a.value.createdAt.localeCompare(b.value.createdAt) || a.value.id.localeCompare(b.value.id);

  return {
    create: async (request) => {
      const etag = await writeRequestIf(blobOf(request.id), request, { ifNoneMatch: '*' });
      if (!etag) throw requestTaken(request.id);
      return { value: structuredClone(request), etag };
    },
    get: async (id) => upgraded(await readJson<ServiceRequest>(blobOf(id))),
    replace: async (request, etag) => {
      const next = await writeRequestIf(blobOf(request.id), request, { ifMatch: etag });
      if (!next) throw requestChanged(request.id);
      return { value: structuredClone(request), etag: next };
    },
    // The status is in each blob's metadata, so one listing (5000 names a page) finds the matches
    // and only those are read. The listing still walks every request ever made; blob index tags
    // would filter on the service but their index is updated asynchronously, so a just-approved
    // request could be missed or listed twice under two statuses.
    list: async (filter) => {
      const wanted = filter?.status && new Set<RequestStatus>(filter.status);
      const names = await namesWithStatus(wanted);
      const read = await readAll<ServiceRequest>(blobs.container, names);
      // A request may have changed status between the listing and the read: trust the body.
      return read
        .filter((r) => !wanted || wanted.has(r.value.status))
        .map(({ value, etag }) => ({ value: upgradeStoredRequest(value), etag }))
        .sort(byAge);
    },
    // The metadata is written in the same upload as the body, so the listing shows each request's
    // status as of its last write; no body is read.
    ids: async (filter) => {
      const names = await namesWithStatus(new Set(filter.status));
      return names.map((name) => decodeURIComponent(name.slice('requests/'.length, -'.json'.length)) as RequestId);
    },
  };

  async function namesWithStatus(wanted: Set<RequestStatus> | undefined): Promise<string[]> {
    const names: string[] = [];
    for await (const item of blobs.container.listBlobsFlat({ prefix: 'requests/', includeMetadata: true })) {
      if (!wanted || wanted.has(item.metadata?.status as RequestStatus)) names.push(item.name);
    }
    return names;
  }
}

/** One line of an audit blob. The id lets a reader drop a line the SDK's retry appended twice. */
interface AuditLine {
  id: string;
  entry: AuditEntry;
}

function blobAudit(blobs: Blobs): AuditLog {
  const blobOf = (requestId: string) => blobs.append(`audit/${encodeURIComponent(requestId)}.jsonl`);
  // Each appendBlock is atomic, so two instances appending at once never interleave inside a line,
  // and entries appended together stay together, in order.
  const appendAll = async (entries: AuditEntry[]) => {
    const byRequest = new Map<string, AuditEntry[]>();
    for (const entry of entries) byRequest.set(entry.requestId, [...(byRequest.get(entry.requestId) ?? []), entry]);
    for (const [requestId, mine] of byRequest) {
      const blob = blobOf(requestId);
      const lines = Buffer.from(mine.map((entry) => `${JSON.stringify({ id: randomUUID(), entry } satisfies AuditLine)}\n`).join(''), 'utf8');
      try {
        await blob.appendBlock(lines, lines.length);
      } catch (err) {
        if (statusCode(err) !== 404) throw err;
        await blob.createIfNotExists();
        await blob.appendBlock(lines, lines.length);
      }
    }
  };
  return {
    append: (entry) => appendAll([entry]),
    appendAll,
    list: async (requestId) => {
      let text: string;
      try {
        text = (await blobOf(requestId).downloadToBuffer()).toString('utf8');
      } catch (err) {
        if (statusCode(err) === 404) return [];
        throw err;
      }
      const seen = new Set<string>();
      const entries: AuditEntry[] = [];
      for (const raw of text.split('\n')) {
        if (!raw) continue;
        const line = JSON.parse(raw) as AuditLine;
        if (seen.has(line.id)) continue;
        seen.add(line.id);
        entries.push(line.entry);
      }
      return entries;
    },
  };
}

interface LeaseRecord {
  owner: string;
  /** Milliseconds since the epoch, by the clock of the instance that wrote it. */
  expiresAt: number;
}

// Not native blob leases: those last 15–60 s or forever, and a crashed holder of an infinite one
// blocks everyone. A JSON record changed with If-Match supports any TTL and a heartbeat. Expiry
// compares instance clocks, so keep the TTL well above the clock skew between instances.
function blobLeases(blobs: Blobs, now: () => number): LeaseStore {
  const blobOf = (name: string) => blobs.block(`leases/${encodeURIComponent(name)}.json`);
  const writeIf = async (blob: BlockBlobClient, record: LeaseRecord, conditions: BlobRequestConditions) => {
    try {
      await writeJson(blob, record, conditions);
      return true;
    } catch (err) {
      if (!lostCas(err)) throw err;
      // The SDK resends a write whose response was lost; if the first one landed, the resend fails
      // its own condition. The lease is ours when the stored record is the one we wrote.
      const stored = await readJson<LeaseRecord>(blob);
      return stored?.value.owner === record.owner && stored.value.expiresAt === record.expiresAt;
    }
  };
  return {
    acquire: async (name, owner, ttlMs) => {
      const blob = blobOf(name);
      const current = await readJson<LeaseRecord>(blob);
      const at = now();
      const record = { owner, expiresAt: at + ttlMs };
      if (!current) return writeIf(blob, record, { ifNoneMatch: '*' });
      if (current.value.owner !== owner && current.value.expiresAt > at) return false;
      return writeIf(blob, record, { ifMatch: current.etag });
    },
    renew: async (name, owner, ttlMs) => {
      const blob = blobOf(name);
      const current = await readJson<LeaseRecord>(blob);
      const at = now();
      // An expired lease is no longer held, even if nobody has taken it yet: the owner must acquire again.
      if (!current || current.value.owner !== owner || current.value.expiresAt <= at) return false;
      return writeIf(blob, { owner, expiresAt: at + ttlMs }, { ifMatch: current.etag });
    },
    release: async (name, owner) => {
      const blob = blobOf(name);
      const current = await readJson<LeaseRecord>(blob);
      if (!current || current.value.owner !== owner) return;
      try {
        await blob.delete({ conditions: { ifMatch: current.etag } });
      } catch (err) {
        // Taken over or already gone: either way it is no longer ours to release.
        if (!lostCas(err)) throw err;
      }
    },
    expiresAt: async (name) => (await readJson<LeaseRecord>(blobOf(name)))?.value.expiresAt,
  };
}

function blobConversations(blobs: Blobs): ConversationReferenceStore {
  const prefix = 'conversations/';
  const nameOf = (conversationId: string) => `${prefix}${encodeURIComponent(conversationId)}.json`;
  const idOf = (name: string) => decodeURIComponent(name.slice(prefix.length, -'.json'.length));
  return {
    save: async (conversationId, reference) => {
      await writeJson(blobs.block(nameOf(conversationId)), reference);
    },
    get: async (conversationId) => (await readJson<Record<string, unknown>>(blobs.block(nameOf(conversationId))))?.value,
    list: async () => {
      const read = await readAll<Record<string, unknown>>(blobs.container, await listNames(blobs.container, prefix));
      return read.map(({ name, value }) => ({ conversationId: idOf(name), reference: value }));
    },
    delete: async (conversationId) => {
      await blobs.block(nameOf(conversationId)).deleteIfExists();
    },
  };
}

function blobFacts(blobs: Blobs): FactStore {
  const blobOf = (key: string) => blobs.block(`facts/${encodeURIComponent(key)}.json`);
  return {
    get: async <T>(key: string) => (await readJson<T>(blobOf(key)))?.value,
    set: async <T>(key: string, value: T) => {
      await writeJson(blobOf(key), value);
    },
  };
}
