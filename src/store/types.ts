// Persistence contracts. Two implementations pass the same test suite: the embedded SQLite store
// (default, STORE=sqlite) and Azure Blob Storage with ETag conditions (STORE=blob, several instances).
import type { Storage } from 'botbuilder';
import type { AuditEntry, OnboardingRequest, RequestId, RequestStatus } from '../onboarding/model';

/** A stored value with the ETag that a compare-and-set must present. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** A compare-and-set lost: someone else wrote first (or the key already exists on create). */
export class ConcurrencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConcurrencyError';
  }
}

export interface RequestStore {
  /** Creates the request; throws ConcurrencyError when the id is taken. */
  create(request: OnboardingRequest): Promise<Versioned<OnboardingRequest>>;
  get(id: RequestId): Promise<Versioned<OnboardingRequest> | undefined>;
  /** Writes only when the stored ETag still equals `etag`; otherwise throws ConcurrencyError. */
  replace(request: OnboardingRequest, etag: string): Promise<Versioned<OnboardingRequest>>;
  list(filter?: { status?: RequestStatus[] }): Promise<Versioned<OnboardingRequest>[]>;
  /**
   * The ids of the requests stored with one of these statuses, in no set order, without reading them:
   * a cheap hint for a background sweep. A status can change right after, so read the request
   * (under its lease) before acting on it.
   */
  ids(filter: { status: RequestStatus[] }): Promise<RequestId[]>;
}

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** Oldest first. */
  list(requestId: RequestId): Promise<AuditEntry[]>;
}

/** A lease names one owner of a piece of work (a run) until it expires; the owner renews it (heartbeat). */
export interface LeaseStore {
  /** True when `owner` now holds the lease (it was free, expired, or already ours). */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** True when still held by `owner` and extended. */
  renew(name: string, owner: string, ttlMs: number): Promise<boolean>;
  release(name: string, owner: string): Promise<void>;
}

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

/** Small JSON facts keyed by name, e.g. "registration X was refused as not approved for multi-tenancy on date D". */
export interface FactStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set<T = unknown>(key: string, value: T): Promise<void>;
}

export interface BotStore {
  readonly kind: 'sqlite' | 'blob';
  /** Conversation, dialog and user state (botbuilder Storage, eTag-aware). */
  readonly state: Storage;
  readonly requests: RequestStore;
  readonly audit: AuditLog;
  readonly leases: LeaseStore;
  readonly conversations: ConversationReferenceStore;
  readonly facts: FactStore;
  /** For /readyz. */
  isOpen(): boolean;
  close(): Promise<void>;
}
