// Conversation and user state written under the eTag they were read with. botbuilder's BotState
// writes with eTag '*' (last writer wins): two turns of one conversation on two instances would
// silently overwrite each other. These classes remember the eTag of the load and present it on
// save, so the second writer gets the store's eTag-conflict error instead (SQLite: WHERE etag = ?;
// Blob: If-Match). CspBot turns that error into "try again" and keeps none of the turn's state.
//
// A write that loses but finds the store already holding exactly what it would write stands (two
// turns that reached the same state, e.g. two Submits that both end the draft, lose nothing).
//
// Limits: state that did not exist when it was read has no eTag, so its first write is still
// unconditional (the Storage interface has no create-only write). A second save in the same turn
// reads the item back to learn the eTag of its own first write; if someone else wrote in between,
// it presents an eTag that cannot match, so that save fails as it should.
import {
  type BotState,
  ConversationState,
  type Storage,
  type StorageKeyFactory,
  type StoreItem,
  type TurnContext,
  UserState,
  calculateChangeHash,
} from 'botbuilder';

interface Version {
  /** The eTag of the copy this turn works from; undefined when the item did not exist. */
  eTag?: string;
  /** Hash of the state as read, or as this turn last wrote it. */
  hash: string;
  /** This turn wrote the item already (the store chose a new eTag this turn does not know). */
  written: boolean;
}

/** Never a stored eTag: a write presenting it fails with the eTag conflict. */
const NO_MATCH = 'stale-state-copy';

/** The stores' (and botbuilder's BlobsStorage's) error for a write whose eTag no longer matches. */
export function isStateConflict(err: unknown): boolean {
  return err instanceof Error && /due to eTag conflict/.test(err.message);
}

interface Parts {
  state: BotState;
  storage: Storage;
  storageKey: StorageKeyFactory;
  /**
   * BotState's own turn-state key (private in botbuilder 4.23: `{ state, hash }` of the copy it read),
   * or undefined; only used to skip hashing the same state twice, checked before it is trusted.
   */
  stateKey: unknown;
  versionKey: symbol;
}

async function loadVersioned(parts: Parts, context: TurnContext, load: () => Promise<StoreItem>): Promise<StoreItem> {
  const cached = parts.state.get(context);
  const state = await load();
  // A fresh read (or the first load of the turn) sets the version; a cache hit keeps it.
  if (state !== cached || !context.turnState.has(parts.versionKey)) {
    const eTag = typeof state.eTag === 'string' && state.eTag !== '*' && state.eTag !== '' ? state.eTag : undefined;
    // botbuilder hashed the state it just read (a JSON copy of the whole state): reuse that hash.
    const read = typeof parts.stateKey === 'symbol' ? (context.turnState.get(parts.stateKey) as { state?: unknown; hash?: unknown } | undefined) : undefined;
    const hash = read?.state === state && typeof read.hash === 'string' && read.hash !== '' ? read.hash : calculateChangeHash(state);
    context.turnState.set(parts.versionKey, { eTag, hash, written: false } satisfies Version);
  }
  return state;
}

/** False when the turn never loaded this state (nothing read, nothing to guard): the caller saves as botbuilder does. */
async function saveVersioned(parts: Parts, context: TurnContext, force: boolean): Promise<boolean> {
  const version = context.turnState.get(parts.versionKey) as Version | undefined;
  const state = parts.state.get(context) as StoreItem | undefined;
  if (!version || !state) return false;
  const hash = calculateChangeHash(state);
  if (!force && hash === version.hash) return true;
  const key = await parts.storageKey(context);
  let eTag = version.eTag;
  if (version.written) {
    const stored = (await parts.storage.read([key]))[key] as StoreItem | undefined;
    const ours = stored !== undefined && calculateChangeHash(stored) === version.hash && typeof stored.eTag === 'string';
    eTag = ours ? stored.eTag : NO_MATCH;
  }
  try {
    // No eTag only when the item did not exist at load: botbuilder's unconditional write.
    await parts.storage.write({ [key]: { ...state, eTag: eTag ?? '*' } });
  } catch (err) {
    if (!isStateConflict(err)) throw err;
    // Someone else wrote since the load. If they wrote exactly what this turn would (e.g. two
    // Submits that both end the draft), nothing is lost: the save stands. Otherwise it fails.
    const stored = (await parts.storage.read([key]))[key] as StoreItem | undefined;
    if (!stored || typeof stored.eTag !== 'string' || calculateChangeHash(stored) !== calculateChangeHash(asStored(state))) throw err;
    context.turnState.set(parts.versionKey, { eTag: stored.eTag, hash, written: false } satisfies Version);
    return true;
  }
  context.turnState.set(parts.versionKey, { eTag, hash, written: true } satisfies Version);
  return true;
}

function botStateKey(state: BotState): unknown {
  return (state as unknown as { stateKey?: unknown }).stateKey;
}

/** The state as the store gives it back (JSON), so an identical copy hashes the same. */
function asStored(state: StoreItem): StoreItem {
  return JSON.parse(JSON.stringify(state)) as StoreItem;
}

/** ConversationState whose save fails with the eTag conflict when another turn wrote since the load. */
export class ConcurrentConversationState extends ConversationState {
  private readonly versionKey = Symbol('conversation state version');

  private get parts(): Parts {
    return { state: this, storage: this.storage, storageKey: this.storageKey, stateKey: botStateKey(this), versionKey: this.versionKey };
  }

  override load(context: TurnContext, force = false): Promise<StoreItem> {
    return loadVersioned(this.parts, context, () => super.load(context, force));
  }

  override async saveChanges(context: TurnContext, force = false): Promise<void> {
    if (!(await saveVersioned(this.parts, context, force))) await super.saveChanges(context, force);
  }
}

/** UserState whose save fails with the eTag conflict when another turn wrote since the load. */
export class ConcurrentUserState extends UserState {
  private readonly versionKey = Symbol('user state version');

  private get parts(): Parts {
    return { state: this, storage: this.storage, storageKey: this.storageKey, stateKey: botStateKey(this), versionKey: this.versionKey };
  }

  override load(context: TurnContext, force = false): Promise<StoreItem> {
    return loadVersioned(this.parts, context, () => super.load(context, force));
  }

  override async saveChanges(context: TurnContext, force = false): Promise<void> {
    if (!(await saveVersioned(this.parts, context, force))) await super.saveChanges(context, force);
  }
}
