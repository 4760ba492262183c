// What one step of the run is: a small function that first looks for its own earlier result, then
// acts, and hands back what it got. The runner stores that before the next step starts.
import type { RegistrationRef, RequestId, RequestKind, RunResults, ServiceRequest, StepName } from '../../model';
import type { Cloud, CoreStore, FactStore, RunNotifier } from '../../ports';

export interface StepContext {
  /** The request as stored right now (results of earlier steps included). */
  readonly request: ServiceRequest;
  readonly cloud: Cloud;
  readonly notifier: RunNotifier;
  readonly facts: FactStore;
  readonly signal: AbortSignal;
  /** Stores results before the step acts on them (e.g. the MS-RequestId before create-customer). */
  record(results: Partial<RunResults>): Promise<void>;
  /** One audit entry for a call that changed something, or a fact worth keeping. */
  audit(action: string, detail: string, data?: Record<string, string | number | boolean | undefined>): Promise<void>;
  now(): Date;
  /** Starts (or resumes) another request's run in the background: a bulk onboarding starts its rows. */
  startRun?(id: RequestId): void;
  /** The requests and their trails, for a step that starts other requests (a bulk onboarding's rows). */
  readonly store?: Pick<CoreStore, 'requests' | 'audit'>;
  /** How many rows of a bulk onboarding run at a time (BULK_CONCURRENCY). */
  readonly bulkConcurrency?: number;
}

export type StepOutcome =
  /** Finished; `results` are stored with the step's state. */
  | { status: 'done'; detail: string; results?: Partial<RunResults> }
  /** Not needed for this request. */
  | { status: 'skipped'; detail: string }
  /** Waiting for something outside (an order, an entitlement): the runner polls again with backoff. */
  | {
      status: 'poll';
      detail: string;
      retryAfterMs?: number;
      /** Something moved since the last poll (a bulk onboarding's row finished): the wait and the poll window start afresh. */
      progress?: boolean;
    }
  /** Waiting for a person (the customer agreement): the run stops until an approver clicks Continue. */
  | { status: 'paused'; detail: string };

export type Step = (ctx: StepContext) => Promise<StepOutcome>;

export interface StepDefinition {
  name: StepName;
  /** Checklist label. */
  title: string;
  run: Step;
}

/**
 * The request a step of one kind's runbook works on. The runner picks the runbook by the request's
 * kind, so another kind here is a bug, not something a user can cause.
 */
export function requestOf<K extends RequestKind>(ctx: StepContext, kind: K): Extract<ServiceRequest, { kind: K }> {
  const request = ctx.request;
  if (request.kind !== kind) throw new Error(`A ${kind} step ran on request ${request.id}, a ${request.kind} request.`);
  return request as Extract<ServiceRequest, { kind: K }>;
}

/** The registration a request changes; a bulk onboarding has none of its own (each row names one). */
export function registrationOf(ctx: StepContext): RegistrationRef {
  const request = ctx.request;
  if (request.kind === 'bulk') throw new Error(`A registration step ran on request ${request.id}, a bulk onboarding.`);
  return request.registration;
}
