// What one step of the run is: a small function that first looks for its own earlier result, then
// acts, and hands back what it got. The runner stores that before the next step starts.
import { DomainError } from '../../errors';
import type { Guid, OnboardingRequest, RegistrationRef, RequestId, RequestKind, RunResults, ServiceRequest, StampChoice, StepName } from '../../model';
import type { AzureStackStamps, Cloud, CoreStore, FactStore, RunNotifier } from '../../ports';

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

/**
 * Why a step has nothing to do for this request, known from the request alone (no call): the
 * runner then records the step as skipped in one write, without storing its start first. The
 * step's own `run` answers the same (it uses the same function), so it is right when called alone.
 */
export type SkipCheck = (ctx: StepContext) => string | undefined;

export interface StepDefinition {
  name: StepName;
  /** Checklist label. */
  title: string;
  run: Step;
  skip?: SkipCheck;
}

/** A step's outcome when its skip check says so; undefined when the step has work to do. */
export function skippedBy(check: SkipCheck, ctx: StepContext): StepOutcome | undefined {
  const detail = check(ctx);
  return detail === undefined ? undefined : { status: 'skipped', detail };
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

/**
 * What every Azure Stack Hub step works with: the onboarding's stamp choice, the stamp client, the
 * customer's directory (tenant id and domain). Undefined when the request is billing only; a throw
 * when the stamp it names is no longer configured.
 */
export function stampOf(ctx: StepContext):
  | { request: OnboardingRequest; stamp: StampChoice; stamps: AzureStackStamps; tenantId: Guid; domain: string }
  | undefined {
  const request = requestOf(ctx, 'onboard');
  const stamp = request.stamp;
  if (!stamp) return undefined;
  const stamps = ctx.cloud.stamps;
  if (!stamps?.has(stamp.registration)) {
    throw new DomainError({
      message: `The registration ${stamp.registration} has no Azure Stack Hub stamp configured any more.`,
      nextStep: 'Put it back in AZURESTACK_STAMPS and restart the bot, then Retry; or Abandon (the mapping is made).',
      code: 'StampNotConfigured',
      transient: false,
    });
  }
  return { request, stamp, stamps, tenantId: request.results.customerTenantId as Guid, domain: request.customer.domain.toLowerCase() };
}

/** The Azure Stack Hub steps have nothing to do when the request is billing only (no stamp). */
export const skipWithoutStamp: SkipCheck = (ctx) => {
  const request = requestOf(ctx, 'onboard');
  return request.stamp ? undefined : `Billing only: no Azure Stack Hub stamp is configured for ${request.registration.name}.`;
};

/** Why a step has nothing to do when the registration has no stamp. */
export function billingOnly(ctx: StepContext): StepOutcome {
  return skippedBy(skipWithoutStamp, ctx) ?? { status: 'skipped', detail: 'Billing only.' };
}

/** The registration a request changes; a bulk onboarding (each row names one) and an offboarding (every mapping) have none of their own. */
export function registrationOf(ctx: StepContext): RegistrationRef {
  const request = ctx.request;
  if (request.kind === 'bulk' || request.kind === 'offboard') throw new Error(`A registration step ran on request ${request.id}, a ${request.kind} request.`);
  return request.registration;
}
