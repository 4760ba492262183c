// What every store implementation may be given besides where its data lives.
import type { Logger } from 'pino';
import { ConcurrencyError } from '../onboarding/ports';

/** The subset of pino the stores use, so tests can pass pino itself or nothing. */
export type StoreLogger = Pick<Logger, 'info' | 'warn' | 'debug'>;

export interface StoreOptions {
  /** Milliseconds since the epoch; injected so tests can expire leases without sleeping. */
  now?: () => number;
  logger?: StoreLogger;
}

/** botbuilder's convention: Storage.write reports a stale eTag with an Error naming the conflict. */
export function eTagConflict(key: string): Error {
  return new Error(`Storage: error writing "${key}" due to eTag conflict.`);
}

export function requestTaken(id: string): ConcurrencyError {
  return new ConcurrencyError(`Request ${id} already exists.`);
}

export function requestChanged(id: string): ConcurrencyError {
  return new ConcurrencyError(`Request ${id} was changed by someone else (or no longer exists); read it again.`);
}
