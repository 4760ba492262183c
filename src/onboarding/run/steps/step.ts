// What one step of the run is: a small function that first looks for its own earlier result, then
// acts, and hands back what it got. The runner stores that before the next step starts.
import type { OnboardingRequest, RunResults, StepName } from '../../model';
import type { Cloud, FactStore, RunNotifier } from '../../ports';

export interface StepContext {
  /** The request as stored right now (results of earlier steps included). */
  readonly request: OnboardingRequest;
  readonly cloud: Cloud;
  readonly notifier: RunNotifier;
  readonly facts: FactStore;
  readonly signal: AbortSignal;
  /** Stores results before the step acts on them (e.g. the MS-RequestId before create-customer). */
  record(results: Partial<RunResults>): Promise<void>;
  /** One audit entry for a call that changed something, or a fact worth keeping. */
  audit(action: string, detail: string, data?: Record<string, string | number | boolean | undefined>): Promise<void>;
  now(): Date;
}

export type StepOutcome =
  /** Finished; `results` are stored with the step's state. */
  | { status: 'done'; detail: string; results?: Partial<RunResults> }
  /** Not needed for this request. */
  | { status: 'skipped'; detail: string }
  /** Waiting for something outside (an order, an entitlement): the runner polls again with backoff. */
  | { status: 'poll'; detail: string; retryAfterMs?: number }
  /** Waiting for a person (the customer agreement): the run stops until an approver clicks Continue. */
  | { status: 'paused'; detail: string };

export type Step = (ctx: StepContext) => Promise<StepOutcome>;

export interface StepDefinition {
  name: StepName;
  /** Checklist label. */
  title: string;
  run: Step;
}
