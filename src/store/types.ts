// The bot's store: the core's persistence ports (src/onboarding/ports.ts) plus what only the Teams
// edge needs (botbuilder state, conversation references). Two implementations pass the same test
// suite: the embedded SQLite store (default, STORE=sqlite) and Azure Blob Storage with ETag
// conditions (STORE=blob, several instances).
import type { Storage } from 'botbuilder';
import type { CoreStore } from '../onboarding/ports';

/**
 * Conversation references for proactive messages, saved on install and refreshed on traffic.
 * The reference is botbuilder's ConversationReference, stored as plain JSON.
 */
export interface ConversationReferenceStore {
  save(conversationId: string, reference: Record<string, unknown>): Promise<void>;
  get(conversationId: string): Promise<Record<string, unknown> | undefined>;
  list(): Promise<Array<{ conversationId: string; reference: Record<string, unknown> }>>;
  delete(conversationId: string): Promise<void>;
}

export interface BotStore extends CoreStore {
  readonly kind: 'sqlite' | 'blob';
  /** Conversation, dialog and user state (botbuilder Storage, eTag-aware). */
  readonly state: Storage;
  readonly conversations: ConversationReferenceStore;
  /** For /readyz. */
  isOpen(): boolean;
  /** For /readyz: one cheap read of the storage itself; rejects when it cannot be reached. */
  ping(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}
