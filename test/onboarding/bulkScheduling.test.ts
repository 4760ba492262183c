// How a bulk onboarding hands a freed place to its next row: the moment a row stops, not when the
// batch next looks on its own (a timer). The runner and the real clients run in this process against
// the simulated cloud, on a SQLite store; the timers are fake and never moved, so the batch's own
// look-again timer cannot be what starts the next row.
import type { BulkRequest, OnboardingRequest, RequestId, ServiceRequest } from '../../src/onboarding/model';
import { statusText } from '../../src/features/approvals/statusText';
import { createRunner, type Runner } from '../../src/onboarding/run/runner';
import type { Sandbox } from '../../src/sandbox';
import type { BotStore } from '../../src/store/types';
import { until } from '../services/harness';
import { RecordingNotifier, newBulkRequest, sandboxCloud, sandboxConfig, silentLogger, sandboxPerDescribe, sqliteStorePerTest } from './support';

/** Tells the test when Teams would be told a request changed (the runner does it right after storing the change). */
class WatchingNotifier extends RecordingNotifier {
  constructor(private readonly onChange: (request: ServiceRequest) => void) {
    super();
  }
  override async requestChanged(request: OnboardingRequest): Promise<void> {
    this.onChange(request);
  }
}

describe('a bulk onboarding hands a freed place on at once', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  let runner: Runner | undefined;

  sandboxPerDescribe((s) => (sandbox = s));
  sqliteStorePerTest(
    (s) => (store = s),
    async () => {
      await runner?.stop();
      jest.useRealTimers();
    },
  );

  const batchOf = (lines: number[]) => newBulkRequest(sandbox, lines);

  /** The runner on this test's store with `requests` in its place (watched or held), BULK_CONCURRENCY `concurrency`, no poll waits. */
  const batchRunner = (requests: BotStore['requests'], concurrency: number, notifier: RecordingNotifier = new RecordingNotifier()) =>
    createRunner({
      store: { ...store, requests },
      cloud: sandboxCloud(sandboxConfig(sandbox)),
      notifier,
      logger: silentLogger,
      pollIntervalMs: 0,
      pollMaxIntervalMs: 0,
      leaseMs: 5_000,
      bulkConcurrency: concurrency,
    });

  const rowsOf = async (batch: BulkRequest) =>
    (await store.requests.list()).map((v) => v.value).filter((r): r is OnboardingRequest => r.kind === 'onboard' && r.batch?.id === batch.id);

  it('a row that ends while its batch is busy writing still starts the next row at once (BULK_CONCURRENCY 1)', async () => {
    // Only the timers the runner sleeps with are fake; I/O, the heartbeat and the clock are real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'setInterval', 'clearInterval', 'hrtime', 'performance', 'Date'] });
    const batch = batchOf([2, 3]);
    const started: RequestId[] = [];
    let firstRow: RequestId | undefined;
    let releaseBatch: (() => void) | undefined;
    let batchHeld: Promise<void> | undefined;
    // The batch's writes are held from the moment its first row exists until the runner has told
    // Teams that row succeeded, which it does right before waking the batch: the wake comes while
    // the batch is in the middle of a write, not while it waits.
    const requests = store.requests;
    const held: typeof requests = Object.create(requests);
    held.create = async (request) => {
      const created = await requests.create(request);
      started.push(request.id);
      if (request.kind === 'onboard' && request.batch?.id === batch.id && !firstRow) {
        firstRow = request.id;
        batchHeld = new Promise((resolve) => (releaseBatch = resolve));
      }
      return created;
    };
    held.replace = async (request, etag) => {
      if (request.id === batch.id && batchHeld) await batchHeld;
      return requests.replace(request, etag);
    };
    const running = new Set<RequestId>();
    const notifier = new WatchingNotifier((request) => {
      if (request.kind === 'onboard') running.add(request.id);
      if (request.id === firstRow && request.status === 'succeeded') releaseBatch?.();
    });
    runner = batchRunner(held, 1, notifier);
    await store.requests.create(batch);
    runner.schedule(batch.id);

    // `until` looks between I/O turns: the fake clock never moves while the test waits.
    await until(() => started.length === 2 && running.has(started[1]), 'the second row to start');
    const [first, second] = (await rowsOf(batch)).sort((a, b) => a.batch!.line - b.batch!.line);
    expect(first.id).toBe(firstRow);
    expect((await store.requests.get(first.id))?.value.status).toBe('succeeded');
    expect(second.batch!.line).toBe(3);
    // One place: the second row was started after the first one ended, never beside it.
    const trail = (await store.audit.list(batch.id)).filter((e) => e.action === 'row-started').map((e) => e.data?.line);
    expect(trail).toEqual([2, 3]);
    expect(Date.parse(second.createdAt)).toBeGreaterThanOrEqual(Date.parse((await store.requests.get(first.id))!.value.updatedAt));
  });

  it('the rows a batch starts together are all recorded in one write before the first is created, and each runs once', async () => {
    const batch = batchOf([2, 3, 4]);
    const before = sandbox.state.counts();
    const requests = store.requests;
    const recorded: number[] = [];
    const watched: typeof requests = Object.create(requests);
    watched.create = async (request) => {
      if (request.kind === 'onboard') recorded.push((await requests.get(batch.id))?.value.results.bulkRows?.length ?? 0);
      return requests.create(request);
    };
    runner = batchRunner(watched, 3);
    await store.requests.create(batch);
    runner.schedule(batch.id);
    await runner.idle();

    // Three places: every row's id was in the stored batch before the first row existed.
    expect(recorded).toEqual([3, 3, 3]);
    const rows = await rowsOf(batch);
    expect(rows.map((r) => [r.batch!.line, r.status]).sort()).toEqual([
      [2, 'succeeded'],
      [3, 'succeeded'],
      [4, 'succeeded'],
    ]);
    expect((await store.requests.get(batch.id))?.value.status).toBe('succeeded');
    const after = sandbox.state.counts();
    expect(after.customersCreated - before.customersCreated).toBe(3);
    expect(after.checkouts - before.checkouts).toBe(3);
  });

  it('the rows a batch starts together are created side by side: one row held in its create does not hold the others', async () => {
    const batch = batchOf([2, 3, 4]);
    const requests = store.requests;
    const creating: number[] = [];
    let releaseFirst: (() => void) | undefined;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const watched: typeof requests = Object.create(requests);
    watched.create = async (request) => {
      if (request.kind === 'onboard' && request.batch?.id === batch.id) {
        creating.push(request.batch.line);
        if (creating.length === 1) await firstHeld;
      }
      return requests.create(request);
    };
    runner = batchRunner(watched, 3);
    await store.requests.create(batch);
    runner.schedule(batch.id);
    // All three creates are under way while the first is still held.
    await until(() => creating.length === 3, 'the other rows created beside the held one');
    releaseFirst!();
    await runner.idle();
    expect((await rowsOf(batch)).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect((await store.requests.get(batch.id))?.value.status).toBe('succeeded');
  });

  it('status BAT-… shows a row in flight as in progress, whether the batch last recorded it created, approved or running', () => {
    const batch = batchOf([2, 3, 4, 5, 6]);
    const ids = ['ONB-AAA2', 'ONB-AAA3', 'ONB-AAA4', 'ONB-AAA5'] as RequestId[];
    batch.results.bulkRows = [
      { line: 2, requestId: ids[0], status: 'not-started' },
      { line: 3, requestId: ids[1], status: 'approved' },
      { line: 4, requestId: ids[2], status: 'running' },
      { line: 5, requestId: ids[3], status: 'failed', error: 'The domain is taken.' },
    ];
    const rowLines = statusText(batch, []).split('\n').filter((l) => l.startsWith('- line '));
    expect(rowLines.map((l) => l.replace(/^- line (\d+), .*?: /, '$1 '))).toEqual([
      'ONB-AAA2: in progress',
      'ONB-AAA3: in progress',
      'ONB-AAA4: in progress',
      'ONB-AAA5: failed (The domain is taken.)',
      'not started',
    ].map((where, i) => `${i + 2} ${where}`));
  });

  it('the batch is written when it starts rows and when rows end, not as a row goes from created to approved to running', async () => {
    const batch = batchOf([2, 3, 4, 5]);
    const requests = store.requests;
    const IN_FLIGHT = ['not-started', 'approved', 'running'];
    type Rows = NonNullable<BulkRequest['results']['bulkRows']>;
    let last: Rows = [];
    const rowWrites: string[] = [];
    const watched: typeof requests = Object.create(requests);
    watched.replace = async (request, etag) => {
      if (request.id === batch.id && request.kind === 'bulk') {
        const rows = request.results.bulkRows ?? [];
        if (JSON.stringify(rows) !== JSON.stringify(last)) {
          const was = new Map(last.map((r) => [r.line, r.status]));
          const added = rows.filter((r) => !was.has(r.line)).length;
          const ended = rows.filter((r) => was.has(r.line) && r.status !== was.get(r.line) && !IN_FLIGHT.includes(r.status)).length;
          rowWrites.push(added ? `started ${added}` : ended ? `ended ${ended}` : 'only in flight');
          last = rows;
        }
      }
      return requests.replace(request, etag);
    };
    runner = batchRunner(watched, 2);
    await store.requests.create(batch);
    runner.schedule(batch.id);
    await runner.idle();

    expect((await store.requests.get(batch.id))?.value.status).toBe('succeeded');
    expect(rowWrites).not.toContain('only in flight');
    expect(rowWrites.filter((w) => w.startsWith('started')).reduce((n, w) => n + Number(w.split(' ')[1]), 0)).toBe(4);
    // Each row ended once: at most four writes for the ends (fewer when rows end together).
    expect(rowWrites.filter((w) => w.startsWith('ended')).length).toBeLessThanOrEqual(4);
  });
});
