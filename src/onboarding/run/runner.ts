// The durable onboarding run. Every state change is stored before it is acted on; a lease with a
// heartbeat makes one worker run a request at a time; on start-up every run that was in flight is
// resumed. Transient failures are retried with backoff that honours Retry-After; a permanent one
// stops the run (approvers may Retry or Abandon).
import { AsyncLocalStorage } from 'async_hooks';
import { randomUUID } from 'crypto';
import { setMaxListeners } from 'events';
import { setImmediate as nextTurn } from 'timers/promises';
import { DomainError, isDomainError } from '../errors';
import type { AuditEntry, DomainErrorInfo, ServiceRequest, RequestId, RunResults, StepName, StepState } from '../model';
import { ConcurrencyError, type CallRecord, type Cloud, type CoreStore, type RunNotifier, type RunObserver, type Versioned } from '../ports';
import { onboardingSteps } from './steps/index';
import type { StepContext, StepDefinition, StepOutcome } from './steps/step';

export interface RunnerOptions {
  store: CoreStore;
  cloud: Cloud;
  notifier: RunNotifier;
  logger: RunnerLogger;
  /** First wait between polls / transient retries; doubles up to the cap. 0 = no waiting (tests). */
  pollIntervalMs: number;
  pollMaxIntervalMs: number;
  /** How long a step may keep polling (across restarts) before the run fails and asks for Retry. Default 60 minutes. */
  pollTimeoutMs?: number;
  leaseMs: number;
  /**
   * A step keeps retrying transient failures until it has tried this many times AND for this
   * long; then the run stops and asks for Retry (a storm passes, an outage is reported).
   */
  maxTransientAttempts?: number;
  transientWindowMs?: number;
  workerId?: string;
  now?: () => Date;
  /** Spreads the polls of runs that started together (0 ≤ random() < 1); Math.random by default. */
  random?: () => number;
  /** Telemetry (spans per run and step, run metrics); absent: nothing is observed. */
  observer?: RunObserver;
  /** How many rows of a bulk onboarding run at a time (BULK_CONCURRENCY). Default 4. */
  bulkConcurrency?: number;
}

export interface RunnerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface Runner {
  /** Resumes every run that was in flight and keeps looking for runs whose worker went away. */
  start(): Promise<void>;
  /** Starts (or resumes) the run of an approved request in the background. */
  schedule(id: RequestId): void;
  /** Finishes the current step write, stops waiting, releases every lease. */
  stop(): Promise<void>;
  /** Resolves when no run is active (tests, benchmark). */
  idle(): Promise<void>;
  readonly workerId: string;
}

type StepResult = 'next' | 'paused' | 'failed' | 'stopped';

/** A trail entry the run writes with a change of the request. */
interface RunAuditEntry {
  action: string;
  detail: string;
  data?: Record<string, string | number | boolean | undefined>;
}

const DEFAULT_MAX_TRANSIENT_ATTEMPTS = 8;
/** A step polling Partner Center longer than this (POLL_TIMEOUT_MINUTES) fails the run with Retry. */
const DEFAULT_POLL_TIMEOUT_MS = 60 * 60_000;
const DEFAULT_TRANSIENT_WINDOW_MS = 15 * 60_000;
const LEASE_EXPIRY_MARGIN_MS = 100;
/**
 * A write of the run needs no renewal of its own while the last renewal (or the acquire) that
 * succeeded began less than this part of the lease ago: the store set the expiry to at least that
 * moment plus the lease, so nobody can take the run before half a lease from now (instance clocks
 * are assumed to agree far better than that, as the lease itself assumes). The heartbeat renews
 * every third of a lease, so in a healthy run no write waits for a renewal; one that stalled longer
 * (a frozen VM, a store slower than the heartbeat) renews first, and stops if the lease was lost.
 */
const FENCE_FRESH_PART = 0.5;
const DEFAULT_BULK_CONCURRENCY = 4;
/** A poll waits between (1 − this) and 1 times its interval. */
const POLL_JITTER = 0.2;

class RunStopped extends Error {}

/**
 * The cloud calls a step makes, collected for its request's audit trail: the clients report every
 * call (with its correlation ids) to `cloud.onCall`, and the step running in this async context is
 * the one that made it. Module-wide, so runners sharing one cloud all get their own calls. They are
 * written with the step's own next entry (done, skipped, retry, failed, paused) as `data.calls`,
 * so auditing them costs no write of its own.
 */
const stepCalls = new AsyncLocalStorage<CallRecord[]>();
/** A step that polls for an hour makes many calls: its entry keeps the last ones and counts the rest. */
const MAX_CALLS_PER_ENTRY = 50;

export function createRunner(options: RunnerOptions): Runner {
  const { store, cloud, notifier, logger } = options;
  cloud.onCall ??= (call) => stepCalls.getStore()?.push(call);
  const observer: RunObserver = options.observer ?? UNOBSERVED;
  const workerId = options.workerId ?? `runner-${randomUUID()}`;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const maxTransient = options.maxTransientAttempts ?? DEFAULT_MAX_TRANSIENT_ATTEMPTS;
  const pollTimeoutMs = options.pollTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS;
  const transientWindowMs = options.transientWindowMs ?? DEFAULT_TRANSIENT_WINDOW_MS;
  const active = new Map<RequestId, Promise<void>>();
  const again = new Set<RequestId>();
  /** Runs waiting between polls here, by id: a bulk onboarding is woken when one of its rows stops, so the next row starts at once. */
  const sleepers = new Map<RequestId, () => void>();
  /**
   * Runs active here that were woken while not waiting (a bulk onboarding busy starting rows when
   * another row stopped): their next wait ends at once, so no stopped row waits for the look-again timer.
   */
  const woken = new Set<RequestId>();
  const stopController = new AbortController();
  // Every run waiting between polls listens on it (a bulk onboarding: BULK_CONCURRENCY rows at once), each until its wait ends: not a leak.
  setMaxListeners(0, stopController.signal);
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  /** Runs another worker held when this one tried: a timer each, due when that holder's lease runs out. */
  const watches = new Map<RequestId, NodeJS.Timeout>();

  function schedule(id: RequestId): void {
    if (stopController.signal.aborted) return;
    if (active.has(id)) {
      // A Retry or Continue landed while the previous attempt was still letting go: run again after it.
      again.add(id);
      return;
    }
    // From the next turn of the event loop: scheduled by an Approve click, the run's first reads and
    // writes come after the click's own answer, not before it (issue 17).
    const run = nextTurn()
      .then(() => runRequest(id))
      .catch((e) => logger.error({ requestId: id, err: errorText(e) }, 'run stopped unexpectedly'))
      .finally(() => {
        active.delete(id);
        if (again.delete(id)) schedule(id);
      });
    active.set(id, run);
  }

  /**
   * Finds runs nobody is running (approved, or running on a worker that went away). Only ids are
   * listed: runRequest reads the request once it holds the lease. A run active here is left alone
   * (scheduling it again would queue a second pass after it ends), and a sweep still going when the
   * next one is due is not doubled: on a slow store overlapping sweeps would pile up.
   */
  function sweep(): Promise<void> {
    sweeping ??= (async () => {
      const inFlight = await store.requests.ids({ status: ['approved', 'running'] });
      for (const id of inFlight) if (!active.has(id) && !watches.has(id)) schedule(id);
    })().finally(() => (sweeping = undefined));
    return sweeping;
  }

  /**
   * Another worker holds this run: come back the moment its lease runs out (issue 17). A live holder
   * will have renewed it by then, and this worker looks again at the new expiry; a dead holder's run
   * is taken over then, not up to a sweep interval later. Without `expiresAt` the sweep comes back.
   */
  async function watchLease(id: RequestId, lease: string): Promise<void> {
    if (!store.leases.expiresAt) return;
    const expiresAt = await store.leases.expiresAt(lease);
    if (stopController.signal.aborted) return;
    // The store compares the expiry with the same clock (Date.now by default); the margin covers timer granularity.
    const waitMs = expiresAt === undefined ? 0 : Math.max(0, expiresAt - Date.now()) + LEASE_EXPIRY_MARGIN_MS;
    clearTimeout(watches.get(id));
    const timer = setTimeout(() => {
      watches.delete(id);
      schedule(id);
    }, waitMs);
    timer.unref();
    watches.set(id, timer);
  }

  async function runRequest(id: RequestId): Promise<void> {
    const lease = `run:${id}`;
    const acquiredAt = now().getTime();
    if (!(await store.leases.acquire(lease, workerId, options.leaseMs))) return watchLease(id, lease); // another worker has it
    const run = new RequestRun(id, lease, acquiredAt);
    try {
      await run.execute();
    } finally {
      woken.delete(id);
      await run.dispose();
      await store.leases.release(lease, workerId).catch(() => undefined);
    }
  }

  /** One worker's attempt at one request, holding its lease. */
  class RequestRun {
    private current!: Versioned<ServiceRequest>;
    /**
     * The end of the step that just finished (its state, results and trail entry), written with the
     * run's next change: the next step's start, a skip, or the run's end. One write where there were
     * two; the results are stored before the next step acts on them. Lost only if the worker dies
     * before that write, which is a crash inside the step: the step runs again and finds its effect.
     */
    private ended?: { change: (r: ServiceRequest) => ServiceRequest; entry: (r: ServiceRequest) => RunAuditEntry };
    /** Calls the running step made and the trail does not have yet. */
    private readonly calls: CallRecord[] = [];
    private readonly abort = new AbortController();
    private leaseLost = false;
    private signedInAhead = false;
    private disposed = false;
    private renewing?: Promise<void>;
    private readonly heartbeat: NodeJS.Timeout;

    constructor(
      private readonly id: RequestId,
      private readonly lease: string,
      /** When the last acquire or renewal that succeeded began (the runner's clock): the lease is ours until at least then + leaseMs. */
      private renewedAt: number,
    ) {
      this.heartbeat = setInterval(() => this.beat(), Math.max(50, Math.floor(options.leaseMs / 3)));
      this.heartbeat.unref();
    }

    /** Stopping lets the call in flight finish and its result be stored; it only cuts waits short. */
    private get stopping(): boolean {
      return this.abort.signal.aborted || stopController.signal.aborted;
    }

    /** Stops the heartbeat and waits for a renewal in flight, so it cannot land after the release and hold the lease on. */
    async dispose() {
      this.disposed = true;
      clearInterval(this.heartbeat);
      await this.renewing;
    }

    /**
     * One renewal at a time. When the store is slower than the heartbeat, two renewals of one lease
     * would read the same ETag and the loser of the If-Match would take it as "lease lost", stopping
     * a run that was still ours.
     */
    private beat() {
      if (this.renewing || this.disposed) return;
      this.renewing = this.renew().finally(() => (this.renewing = undefined));
    }

    private async renew() {
      try {
        await this.renewOrStop();
      } catch (e) {
        logger.warn({ requestId: this.id, err: errorText(e) }, 'run lease renewal failed; retrying at the next heartbeat');
      }
    }

    private async renewOrStop() {
      const startedAt = now().getTime();
      const renewed = await store.leases.renew(this.lease, workerId, options.leaseMs);
      if (renewed) this.renewedAt = Math.max(this.renewedAt, startedAt);
      // A renewal still in flight when the run ended and released the lease finds it gone: not a loss.
      if (!renewed && !this.disposed) {
        this.leaseLost = true;
        this.abort.abort();
        logger.warn({ requestId: this.id }, 'run lease lost; another worker takes over');
      }
    }

    /**
     * The fence before every write of the run: unless the lease is fresh (FENCE_FRESH_PART), it is
     * renewed (a compare-and-set on it), in turn with the heartbeat. A worker whose lease lapsed and
     * was taken over learns it here and stops without writing; the renewal keeps the lease ours for
     * the write that follows. (Renewing before every write cost a run on Blob storage half its
     * requests: 73 of 155, docs/performance.md.)
     */
    private async holdLease(): Promise<void> {
      if (!this.leaseLost && now().getTime() - this.renewedAt < options.leaseMs * FENCE_FRESH_PART) return;
      while (this.renewing) await this.renewing;
      if (!this.leaseLost) {
        const check = this.renewOrStop();
        this.renewing = check.then(
          () => undefined,
          () => undefined,
        );
        try {
          await check;
        } finally {
          this.renewing = undefined;
        }
      }
      if (this.leaseLost) throw new RunStopped();
    }

    async execute(): Promise<void> {
      const stored = await store.requests.get(this.id);
      if (!stored) return;
      this.current = stored;
      const status = stored.value.status;
      if (status !== 'approved' && status !== 'running') return;
      // Scheduled from the Approve click's turn, the run is still in its trace here: keep it on the request.
      const traceContext = stored.value.traceContext ?? observer.traceContext();
      await observer.inRun({ ...stored.value, traceContext }, () => this.executePlan(status, traceContext));
    }

    private async executePlan(status: 'approved' | 'running', traceContext: string | undefined): Promise<void> {
      const plan = onboardingSteps(this.current.value.kind);
      // The tokens come while the run writes its start and checks the registration (issue 17).
      void cloud.signInAhead?.();
      try {
        if (status === 'approved' || this.current.value.steps.length === 0) {
          await this.save(
            (r) => ({ ...r, status: 'running', steps: mergeSteps(r.steps, plan), traceContext: r.traceContext ?? traceContext }),
            () => ({ action: status === 'approved' ? 'run-started' : 'run-resumed', detail: `Run started by ${workerId}.` }),
          );
          if (status === 'approved') observer.runChanged(this.current.value, 'started');
        } else {
          await this.audit('run-resumed', `Run resumed by ${workerId}.`);
        }
        this.notify();
        for (const step of plan) {
          if (this.stopping) return await this.writeEnded();
          const state = this.stepState(step.name);
          if (state.status === 'done' || state.status === 'skipped') continue;
          const result = (await observer.inStep(this.current.value, step.name, () => this.runStep(step))) as StepResult;
          if (result === 'paused' || result === 'failed') observer.runChanged(this.current.value, result);
          if (result !== 'next') return;
        }
        await this.save(
          (r) => ({ ...r, status: 'succeeded' }),
          () => ({ action: 'run-succeeded', detail: 'Every step is done.' }),
        );
        observer.runChanged(this.current.value, 'succeeded');
        this.notify();
        this.wakeBatch();
      } catch (e) {
        if (e instanceof RunStopped) return;
        throw e;
      }
    }

    private async runStep(step: StepDefinition): Promise<StepResult> {
      const startedAt = now().toISOString();
      // Nothing to do for this request, known without a call: one write, not a start and an end.
      const skipped = step.skip?.(this.context());
      if (skipped !== undefined) {
        await this.save(
          (r) => withStep(r, step.name, (s) => ({ ...s, status: 'skipped', attempts: s.attempts + 1, detail: skipped, startedAt: s.startedAt ?? startedAt, endedAt: startedAt, error: undefined })),
          () => ({ action: 'step-skipped', detail: `${step.title}: ${skipped}` }),
        );
        this.notify();
        return 'next';
      }
      await this.save(
        (r) => withStep(r, step.name, (s) => ({ ...s, status: 'running', attempts: s.attempts + 1, startedAt: s.startedAt ?? startedAt, error: undefined })),
        (r) => ({ action: 'step-started', detail: `${step.title}: started (attempt ${stepOf(r, step.name).attempts}).` }),
      );
      this.notify();
      let transientFailures = 0;
      let firstTransientAt = 0;
      let polls = 0;
      for (;;) {
        if (this.stopping) return 'stopped';
        let outcome: StepOutcome;
        try {
          outcome = await stepCalls.run(this.calls, () => step.run(this.context()));
        } catch (e) {
          if (e instanceof RunStopped || this.abort.signal.aborted) return 'stopped';
          const error = asDomainError(e);
          if (error.transient && transientFailures === 0) firstTransientAt = Date.now();
          const keepTrying = ++transientFailures < maxTransient || Date.now() - firstTransientAt < transientWindowMs;
          if (error.transient && keepTrying) {
            await this.audit('step-retry', `${step.title}: ${error.message} Trying again.`, { ...errorData(error), ...this.takeCalls(step.name) });
            await this.setDetail(step.name, `Retrying: ${error.message}`);
            await this.wait(backoffMs(transientFailures - 1, error.retryAfterMs));
            continue;
          }
          await this.fail(step, error);
          return 'failed';
        }
        if (outcome.status === 'poll') {
          this.signInToCustomerAhead();
          const since = this.stepState(step.name).pollingSince;
          if (outcome.progress) polls = 0;
          if (!since || outcome.progress) {
            await this.save((r) => withStep(r, step.name, (s) => ({ ...s, pollingSince: now().toISOString() })));
          } else if (now().getTime() - Date.parse(since) >= pollTimeoutMs) {
            await this.fail(step, pollTimedOut(step, outcome.detail, pollTimeoutMs));
            return 'failed';
          }
          await this.setDetail(step.name, outcome.detail);
          await this.wait(backoffMs(polls++, outcome.retryAfterMs));
          continue;
        }
        if (outcome.status === 'paused') {
          const calls = this.takeCalls(step.name);
          await this.save(
            (r) => ({ ...withStep(r, step.name, (s) => ({ ...s, status: 'waiting', detail: outcome.detail })), status: 'paused' }),
            () => ({ action: 'run-paused', detail: outcome.detail, data: calls }),
          );
          this.notify();
          this.callAttention('paused');
          this.wakeBatch();
          return 'paused';
        }
        const results = outcome.status === 'done' ? outcome.results : undefined;
        const endedAt = now().toISOString();
        const calls = this.takeCalls(step.name);
        this.ended = {
          change: (r) => ({
            ...withStep(r, step.name, (s) => ({ ...s, status: outcome.status as 'done' | 'skipped', detail: outcome.detail, endedAt })),
            results: { ...r.results, ...results },
          }),
          entry: () => ({ action: outcome.status === 'done' ? 'step-done' : 'step-skipped', detail: `${step.title}: ${outcome.detail}`, data: calls }),
        };
        return 'next';
      }
    }

    private async fail(step: StepDefinition, error: DomainError) {
      const info = error.toInfo();
      const endedAt = now().toISOString();
      const data = { ...errorData(error), ...this.takeCalls(step.name) };
      await this.save(
        (r) => ({ ...withStep(r, step.name, (s) => ({ ...s, status: 'failed', error: info, detail: info.message, endedAt, pollingSince: undefined })), status: 'failed' }),
        () => ({ action: 'step-failed', detail: `${step.title}: ${info.message} ${info.nextStep}`, data }),
      );
      this.notify();
      this.callAttention('failed');
      this.wakeBatch();
    }

    /**
     * The calls the step made since its last entry, with the services' correlation ids (auditors
     * follow a request into Partner Center, ARM and Graph): `calls` is a JSON array of
     * `{ operation, statusCode, correlationId, requestId }`.
     */
    private takeCalls(step: StepName): Record<string, string | number> {
      const calls = this.calls.splice(0);
      if (calls.length === 0) return {};
      const kept = calls.slice(-MAX_CALLS_PER_ENTRY).map((c) => ({ operation: c.operation, statusCode: c.statusCode, correlationId: c.correlationId, requestId: c.requestId }));
      return { step, calls: JSON.stringify(kept), ...(calls.length > kept.length ? { callsLeftOut: calls.length - kept.length } : {}) };
    }

    /** While the run waits for an order or a subscription, the customer's tenant signs it in for the steps after (once per attempt). */
    private signInToCustomerAhead() {
      const tenant = this.current.value.results.customerTenantId;
      if (!tenant || this.signedInAhead) return;
      this.signedInAhead = true;
      void cloud.signInAhead?.(tenant);
    }

    /** A row of a bulk onboarding stopped: its batch, if it runs here, looks at its rows now (or as soon as it next waits). */
    private wakeBatch() {
      const request = this.current.value;
      if (request.kind === 'onboard' && request.batch) wake(request.batch.id);
    }

    private context(): StepContext {
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      const run = this;
      return {
        get request() {
          return run.latest();
        },
        cloud,
        notifier,
        facts: store.facts,
        signal: this.abort.signal,
        record: (results: Partial<RunResults>) => this.save((r) => ({ ...r, results: { ...r.results, ...results } })),
        audit: (action, detail, data) => this.audit(action, detail, data),
        now,
        startRun: schedule,
        store,
        bulkConcurrency: options.bulkConcurrency ?? DEFAULT_BULK_CONCURRENCY,
      };
    }

    private stepState(name: StepName): StepState {
      return stepOf(this.latest(), name);
    }

    /** The request as stored, with the end of the step that just finished applied (not written yet). */
    private latest(): ServiceRequest {
      return this.ended ? this.ended.change(this.current.value) : this.current.value;
    }

    /** Writes the end of the step that just finished, if it is still held (the run stops before its next change). */
    private async writeEnded(): Promise<void> {
      if (!this.ended) return;
      await this.save((r) => r);
      this.notify();
    }

    private async setDetail(name: StepName, detail: string) {
      if (this.stepState(name).detail === detail) return;
      await this.save((r) => withStep(r, name, (s) => ({ ...s, detail })));
      this.notify();
    }

    /**
     * Compare-and-set with our last version; a conflict means someone else wrote: re-read and re-apply
     * if the run is still ours. `entry` is the trail entry of this change, written with it (one commit
     * where the store can) and only once it is written.
     */
    private async save(change: (r: ServiceRequest) => ServiceRequest, entry?: (r: ServiceRequest) => RunAuditEntry): Promise<void> {
      await this.holdLease();
      const updatedAt = now().toISOString();
      const ended = this.ended;
      // The held end of the last step goes first, in the same write, its trail entry before this one's.
      const changes = ended ? [{ change: ended.change, entry: ended.entry }, { change, entry }] : [{ change, entry }];
      try {
        this.current = await this.write(this.current, changes, updatedAt);
      } catch (e) {
        if (!(e instanceof ConcurrencyError)) throw e;
        const fresh = await store.requests.get(this.id);
        if (!fresh || !['approved', 'running'].includes(fresh.value.status)) throw new RunStopped();
        await this.holdLease();
        this.current = await this.write(fresh, changes, updatedAt);
      }
      if (this.ended === ended) this.ended = undefined;
    }

    /** Applies the changes in turn to `from` and writes the result with their trail entries (one commit where the store can). */
    private async write(
      from: Versioned<ServiceRequest>,
      changes: Array<{ change: (r: ServiceRequest) => ServiceRequest; entry?: (r: ServiceRequest) => RunAuditEntry }>,
      updatedAt: string,
    ): Promise<Versioned<ServiceRequest>> {
      let request = from.value;
      const entries: AuditEntry[] = [];
      for (const { change, entry } of changes) {
        request = change(request);
        if (!entry) continue;
        const { action, detail, data } = entry(request);
        entries.push(this.auditEntry(action, detail, data));
      }
      request = { ...request, updatedAt };
      if (entries.length === 0) return store.requests.replace(request, from.etag);
      if (store.requests.replaceAndAudit) return store.requests.replaceAndAudit(request, from.etag, entries);
      const written = await store.requests.replace(request, from.etag);
      await appendAll(store.audit, entries);
      return written;
    }

    private async audit(action: string, detail: string, data?: RunAuditEntry['data']) {
      // Not fenced: the trail is append-only history, and a call that changed something (even by a
      // worker that has just lost its lease) belongs in it.
      await store.audit.append(this.auditEntry(action, detail, data));
    }

    private auditEntry(action: string, detail: string, data?: RunAuditEntry['data']): AuditEntry {
      return { requestId: this.id, at: now().toISOString(), actor: 'bot', action, detail, data };
    }

    /** Card updates never hold the run up; the notifier coalesces them and logs its own failures. */
    private notify() {
      notifier.requestChanged(this.current.value).catch((e) => logger.warn({ requestId: this.id, err: errorText(e) }, 'card update failed'));
    }

    /** A failure or a pause waits for people: the thread gets a reply that mentions them (in the background). */
    private callAttention(reason: 'failed' | 'paused') {
      notifier.attentionNeeded?.(this.current.value, reason).catch((e) => logger.warn({ requestId: this.id, err: errorText(e) }, 'could not post the attention reply'));
    }

    private wait(ms: number): Promise<void> {
      const signals = [this.abort.signal, stopController.signal];
      if (woken.delete(this.id) || ms <= 0 || this.stopping) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        const id = this.id;
        function done() {
          clearTimeout(timer);
          for (const signal of signals) signal.removeEventListener('abort', done);
          if (sleepers.get(id) === done) sleepers.delete(id);
          resolve();
        }
        for (const signal of signals) signal.addEventListener('abort', done);
        sleepers.set(id, done);
      });
    }
  }

  /** Ends the wait of a run waiting here; a run active here but busy ends its next wait at once. */
  function wake(id: RequestId): void {
    const sleeper = sleepers.get(id);
    if (sleeper) sleeper();
    else if (active.has(id)) woken.add(id);
  }

  /** Trail entries in order: in one write where the audit log can. */
  async function appendAll(audit: CoreStore['audit'], entries: AuditEntry[]): Promise<void> {
    if (entries.length > 1 && audit.appendAll) return audit.appendAll(entries);
    for (const entry of entries) await audit.append(entry);
  }

  /** Polite polling: the interval doubles from POLL_INTERVAL_SECONDS to the cap; the service's Retry-After wins. */
  function backoffMs(attempt: number, retryAfterMs?: number): number {
    if (retryAfterMs !== undefined && retryAfterMs >= 0) return retryAfterMs;
    const interval = Math.min(options.pollMaxIntervalMs, options.pollIntervalMs * 2 ** Math.min(attempt, 20));
    // Jitter, shorter only: runs approved together would otherwise poll on the same ticks for ever,
    // each tick a burst of a hundred calls and writes that a click waits behind (issue 17).
    return Math.round(interval * (1 - POLL_JITTER * random()));
  }

  return {
    workerId,
    schedule,
    async start() {
      await sweep();
      sweepTimer = setInterval(() => {
        sweep().catch((e) => logger.warn({ err: errorText(e) }, 'could not look for runs to resume'));
      }, Math.max(1000, options.leaseMs));
      sweepTimer.unref();
      logger.info({ workerId, resumed: active.size }, 'onboarding runner started');
    },
    async stop() {
      if (sweepTimer) clearInterval(sweepTimer);
      for (const timer of watches.values()) clearTimeout(timer);
      watches.clear();
      stopController.abort();
      await Promise.allSettled([...active.values()]);
    },
    async idle() {
      while (active.size > 0) await Promise.allSettled([...active.values()]);
    },
  };
}

/** No telemetry: the work runs as it is. */
const UNOBSERVED: RunObserver = {
  traceContext: () => undefined,
  inRun: (_request, work) => work(),
  inStep: (_request, _step, work) => work(),
  runChanged: () => undefined,
};

function mergeSteps(existing: StepState[], plan: StepDefinition[]): StepState[] {
  return plan.map((def) => existing.find((s) => s.name === def.name) ?? { name: def.name, status: 'waiting', attempts: 0 });
}

function stepOf(request: ServiceRequest, name: StepName): StepState {
  return request.steps.find((s) => s.name === name) ?? { name, status: 'waiting', attempts: 0 };
}

function withStep(request: ServiceRequest, name: StepName, change: (s: StepState) => StepState): ServiceRequest {
  const has = request.steps.some((s) => s.name === name);
  const steps = has ? request.steps : [...request.steps, { name, status: 'waiting' as const, attempts: 0 }];
  return { ...request, steps: steps.map((s) => (s.name === name ? change(s) : s)) };
}

/** Anything that is not a DomainError is a bug or an unexpected failure: stop and show it plainly. */
function asDomainError(e: unknown): DomainError {
  if (isDomainError(e)) return e;
  const info: DomainErrorInfo = {
    message: `Something unexpected went wrong (${errorText(e)}).`,
    nextStep: 'Click Retry; if it fails again, send the request id to the bot administrator.',
    code: 'Unexpected',
    transient: false,
  };
  return new DomainError(info, { cause: e });
}

function errorData(error: DomainError): Record<string, string | number | boolean | undefined> {
  return { code: error.code, statusCode: error.statusCode, correlationId: error.correlationId, requestId: error.requestId, transient: error.transient };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A step that waited on a service longer than POLL_TIMEOUT_MINUTES: the run stops and asks for Retry. */
function pollTimedOut(step: StepDefinition, lastState: string, timeoutMs: number): DomainError {
  const minutes = Math.round(timeoutMs / 60_000);
  return new DomainError({
    message: `${step.title}: still not finished after ${minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${timeoutMs} ms`} (${lastState})`,
    nextStep: 'Look at it in Partner Center; when it is done (or to wait longer), click Retry: the run picks up where it stopped, nothing is bought twice.',
    code: 'PollTimedOut',
    transient: false,
  });
}
