// A second bot process for the SQLite tests, run through test/store/childProcess.ts:
//   crash <file>          writes a conversation's state, a request, an audit entry, a lease and a
//                         reference, prints "written", then waits to be killed
//   race <file> <etag>    prints "ready"; on "go" (stdin), tries 10 approvals with that etag; prints "won <n>"
//   increment <file> <n>  prints "ready"; on "go", adds 1 to the request's results.cartId counter n times, retrying lost CAS
import { openSqliteStore } from '../../src/store/sqliteStore';
import { ConcurrencyError } from '../../src/onboarding/ports';
import type { BotStore } from '../../src/store/types';
import type { RequestId, ServiceRequest } from '../../src/onboarding/model';
import { sampleRequest } from './storeSuite';

const [command, file, arg] = process.argv.slice(2);

async function crash(store: BotStore): Promise<void> {
  await store.state.write({ 'msteams/conversations/a:1/': { dialogStack: [{ id: 'onboard', state: { step: 'address' } }] } });
  await store.requests.create(sampleRequest('ONB-CRSH'));
  await store.audit.append({ requestId: 'ONB-CRSH' as RequestId, at: '2026-11-26T08:00:00Z', actor: 'bot', action: 'submitted', detail: 'before the crash' });
  await store.leases.acquire('run/ONB-CRSH', 'crashed-worker', 60_000);
  await store.conversations.save('a:1', { conversation: { id: 'a:1' }, serviceUrl: 'https://smba.trafficmanager.net/emea/' });
  process.stdout.write('written\n');
  setInterval(() => undefined, 60_000);
}

/** Tells the test this process is ready, then waits for its "go", so two processes really overlap. */
async function readySetGo(): Promise<void> {
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.destroy(); // an open stdin would keep this process alive after its work
}

async function race(store: BotStore, etag: string): Promise<void> {
  await readySetGo();
  const current = (await store.requests.get('ONB-RACE' as RequestId))!.value;
  let won = 0;
  for (let i = 0; i < 10; i++) {
    try {
      await store.requests.replace({ ...current, status: 'approved', updatedAt: `pid ${process.pid} click ${i}` }, etag);
      won++;
    } catch (err) {
      if (!(err instanceof ConcurrencyError)) throw err;
    }
  }
  process.stdout.write(`won ${won}\n`);
}

async function increment(store: BotStore, times: number): Promise<void> {
  await readySetGo();
  for (let done = 0; done < times; ) {
    const { value, etag } = (await store.requests.get('ONB-CTR1' as RequestId))!;
    const next: ServiceRequest = { ...value, results: { cartId: String(Number(value.results.cartId ?? '0') + 1) } };
    try {
      await store.requests.replace(next, etag);
      done++;
    } catch (err) {
      if (!(err instanceof ConcurrencyError)) throw err;
    }
  }
  process.stdout.write('done\n');
}

async function main(): Promise<void> {
  const store = await openSqliteStore(file);
  if (command === 'crash') return crash(store);
  if (command === 'race') await race(store, arg);
  else if (command === 'increment') await increment(store, Number(arg));
  else throw new Error(`unknown command ${command}`);
  await store.close();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
