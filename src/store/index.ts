// Chooses the store from configuration: SQLite by default, Azure Blob Storage when several
// instances share state (STORE=blob).
import type { TokenCredential } from '@azure/core-auth';
import type { Config } from '../config';
import type { BlobStoreOptions } from './blobStore';
import type { StoreLogger } from './options';
import { openSqliteStore } from './sqliteStore';
import type { BotStore } from './types';

export type { BlobStoreOptions } from './blobStore';
export { openSqliteStore } from './sqliteStore';
export type { StoreLogger, StoreOptions } from './options';
export * from './types';

/** The Blob store; its module (and the Storage SDKs, ~0.3 s of every cold start) loads on first use. */
export async function openBlobStore(options: BlobStoreOptions): Promise<BotStore> {
  const blob = await import('./blobStore');
  return blob.openBlobStore(options);
}

type StoreConfig = Pick<
  Config,
  'STORE' | 'STORE_PATH' | 'AZURE_STORAGE_CONNECTION_STRING' | 'AZURE_STORAGE_ACCOUNT_URL' | 'AZURE_STORAGE_CONTAINER'
> &
  Partial<Pick<Config, 'AZURE_STORAGE_CLIENT_ID'>>;

export async function openStore(
  config: StoreConfig,
  options: { logger?: StoreLogger; credential?: TokenCredential; now?: () => number } = {},
): Promise<BotStore> {
  const { logger, now } = options;
  if (config.STORE === 'sqlite') return openSqliteStore(config.STORE_PATH, { logger, now });
  return openBlobStore({
    connectionString: config.AZURE_STORAGE_CONNECTION_STRING,
    accountUrl: config.AZURE_STORAGE_ACCOUNT_URL,
    credential: options.credential,
    managedIdentityClientId: config.AZURE_STORAGE_CLIENT_ID,
    container: config.AZURE_STORAGE_CONTAINER,
    logger,
    now,
  });
}
