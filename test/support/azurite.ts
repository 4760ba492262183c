// Starts a real Azurite blob service on loopback for one test file: in-memory, a port the OS picks,
// and the API-version check off (Azurite 3.35 predates the version @azure/storage-blob sends).
import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';

/** Azurite's fixed development account (public, documented by Microsoft; not a secret). */
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURITE_BLOB = path.join(__dirname, '..', '..', 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');
const START_TIMEOUT_MS = 20_000;

export interface AzuriteBlob {
  connectionString: string;
  /** e.g. http://127.0.0.1:41234/devstoreaccount1 */
  blobEndpoint: string;
  close(): Promise<void>;
}

export async function startAzurite(): Promise<AzuriteBlob> {
  // Its own process group, so close() can end Azurite and anything it started.
  const child = spawn(
    process.execPath,
    [
      AZURITE_BLOB,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--silent',
      // AZURITE_DEBUG_LOG=<file>: Azurite's own request log, to count requests by kind when measuring.
      ...(process.env.AZURITE_DEBUG_LOG ? ['--debug', `${process.env.AZURITE_DEBUG_LOG}.${process.pid}.${Date.now()}`] : []),
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const origin = await listeningOrigin(child);
  const blobEndpoint = `${origin}/${ACCOUNT}`;
  return {
    blobEndpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${ACCOUNT_KEY};BlobEndpoint=${blobEndpoint};`,
    close: () => stop(child),
  };
}

/** Azurite prints "successfully listens on http://127.0.0.1:<port>" once it accepts requests. */
function listeningOrigin(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`Azurite did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      void stop(child);
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /successfully listens on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`Azurite exited with code ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
  return exited;
}
