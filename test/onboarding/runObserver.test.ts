// The run tells telemetry what it does through the RunObserver port: the trace it starts in is
// kept on the request, and a worker resuming the run later (another instance, after a restart)
// continues that trace, whatever trace it is in itself.
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { createRunner, type Runner } from '../../src/onboarding/run/runner';
import { onboardingSteps } from '../../src/onboarding/run/steps';
import type { Sandbox } from '../../src/sandbox';
import type { RunObserver } from '../../src/onboarding/ports';
import type { ServiceRequest } from '../../src/onboarding/model';
import { RecordingNotifier, newCustomerRequest, sandboxCloud, sandboxConfig, silentLogger, sandboxPerDescribe } from './support';

const APPROVE_CLICK = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const SWEEP = '00-11111111111111111111111111111111-2222222222222222-01';

/** Records what the runner reports; `current` is the trace the caller is in. */
class RecordingObserver implements RunObserver {
  current: string | undefined = APPROVE_CLICK;
  readonly runs: Array<{ id: string; traceContext?: string }> = [];
  readonly steps: Array<{ step: string; outcome: string }> = [];
  readonly events: string[] = [];
  traceContext() {
    return this.current;
  }
  async inRun<T>(request: ServiceRequest, work: () => Promise<T>) {
    this.runs.push({ id: request.id, traceContext: request.traceContext });
    return work();
  }
  async inStep(_request: ServiceRequest, step: string, work: () => Promise<string>) {
    const outcome = await work();
    this.steps.push({ step, outcome });
    return outcome;
  }
  runChanged(_request: ServiceRequest, event: string) {
    this.events.push(event);
  }
}

describe('the run and its observer', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  let runner: Runner;
  let observer: RecordingObserver;

  sandboxPerDescribe((s) => (sandbox = s));
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    observer = new RecordingObserver();
    const config = sandboxConfig(sandbox);
    runner = createRunner({ store, cloud: sandboxCloud(config), notifier: new RecordingNotifier(), logger: silentLogger, pollIntervalMs: 0, pollMaxIntervalMs: 0, leaseMs: 2000, observer });
  });
  afterEach(async () => {
    await runner.stop();
    await store.close();
  });

  it('keeps the trace the run started in on the request, and reports every step and the outcome', async () => {
    const request = newCustomerRequest(sandbox);
    const created = await store.requests.create(request);
    await store.requests.replace({ ...created.value, status: 'approved' }, created.etag);
    runner.schedule(request.id);
    await runner.idle();

    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    expect(done.traceContext).toBe(APPROVE_CLICK);
    expect(observer.runs).toEqual([{ id: request.id, traceContext: APPROVE_CLICK }]);
    expect(observer.steps).toEqual(onboardingSteps('onboard').map((s) => ({ step: s.name, outcome: 'next' })));
    expect(observer.events).toEqual(['started', 'succeeded']);
  });

  it('a run resumed from the sweep continues the stored trace, not the sweep’s, and is not counted as started again', async () => {
    const request = newCustomerRequest(sandbox);
    const created = await store.requests.create(request);
    // Running on a worker that went away, after the Approve click's turn stored its trace.
    await store.requests.replace({ ...created.value, status: 'running', traceContext: APPROVE_CLICK }, created.etag);
    observer.current = SWEEP;
    await runner.start();
    await runner.idle();

    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    expect(done.traceContext).toBe(APPROVE_CLICK);
    expect(observer.runs).toEqual([{ id: request.id, traceContext: APPROVE_CLICK }]);
    expect(observer.events).toEqual(['succeeded']);
  });
});
