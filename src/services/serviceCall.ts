// The REST call every hand-written client makes (Partner Center, the ARM calls the SDK gets wrong):
// send it, report it for the audit trail, and turn a status outside `accept`, or no answer at all,
// into a DomainError with the service's code, the correlation ids and its Retry-After.
import type { HttpClient, HttpHeaders, HttpMethods, Pipeline } from '@azure/core-rest-pipeline';
import type { Logger } from 'pino';
import type { DomainError } from '../onboarding/errors';
import type { CallOptions, CallRecord } from '../onboarding/ports';
import { sendRest, type RestAnswer } from '../http/restCall';
import { fromThrown, toDomainError, type ServiceFailure, type ServiceName } from './errors';

/** One service as its client reaches it. */
export interface ServiceEndpoint {
  service: ServiceName;
  pipeline: Pipeline;
  httpClient: HttpClient;
  /** Per attempt; 0 or absent = none. */
  timeoutInMs?: number;
  report?: (call: CallRecord) => void;
  logger?: Logger;
  /** The service's own error code in a failure's body. */
  errorCode(body: unknown): string | undefined;
  /** Ids the service puts in its answer's headers, for the audit trail. */
  answerIds?(headers: HttpHeaders): { correlationId?: string; requestId?: string };
  /** Statuses a caller often expects and handles (ARM's 404 for "is it there?"): logged at debug, not warn. */
  quietStatuses?: readonly number[];
}

export interface ServiceCall {
  /** Our name of the call, e.g. `putMapping`. */
  operation: string;
  method: HttpMethods;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Statuses that are an answer rather than a failure. */
  accept: readonly number[];
  /** Ids chosen before the call (Partner Center's MS-RequestId and MS-CorrelationId). */
  ids?: { correlationId?: string; requestId?: string };
  /** Another pipeline of the same service (throttling-only retries, a delegated sign-in). */
  pipeline?: Pipeline;
  subject?: ServiceFailure['subject'];
  registration?: ServiceFailure['registration'];
}

export async function callService(endpoint: ServiceEndpoint, call: ServiceCall, options?: CallOptions): Promise<RestAnswer> {
  const failure: ServiceFailure = { service: endpoint.service, operation: call.operation, subject: call.subject, registration: call.registration, ...call.ids };
  let answer: RestAnswer;
  try {
    answer = await sendRest(call.pipeline ?? endpoint.pipeline, endpoint.httpClient, {
      method: call.method,
      url: call.url,
      headers: call.headers,
      json: call.body,
      abortSignal: options?.abortSignal,
      timeoutInMs: endpoint.timeoutInMs,
    });
  } catch (error) {
    recordCall(endpoint, { operation: call.operation, ...call.ids });
    throw fromThrown(error, failure, options?.abortSignal);
  }
  const ids = { ...call.ids, ...definedOnly(endpoint.answerIds?.(answer.headers)) };
  recordCall(endpoint, { operation: call.operation, statusCode: answer.status, ...ids });
  if (!call.accept.includes(answer.status)) {
    throw refused(endpoint, { ...failure, ...ids, statusCode: answer.status, code: endpoint.errorCode(answer.body), retryAfterMs: answer.retryAfterMs });
  }
  return answer;
}

/** Reports a call for the audit trail (and the debug log). */
export function recordCall(endpoint: Pick<ServiceEndpoint, 'service' | 'report' | 'logger'>, call: CallRecord): void {
  endpoint.report?.(call);
  endpoint.logger?.debug(call, `${endpoint.service} call`);
}

/** A status the caller did not accept: logged (without the body, which may echo request data) and put into words. */
export function refused(
  endpoint: Pick<ServiceEndpoint, 'service' | 'logger' | 'quietStatuses'>,
  failure: ServiceFailure & { statusCode: number },
  cause?: unknown,
): DomainError {
  const logged = { operation: failure.operation, status: failure.statusCode, code: failure.code, correlationId: failure.correlationId, requestId: failure.requestId };
  if (endpoint.quietStatuses?.includes(failure.statusCode)) endpoint.logger?.debug(logged, `${endpoint.service} call answered ${failure.statusCode}`);
  else endpoint.logger?.warn(logged, `${endpoint.service} call failed`);
  return toDomainError(failure, cause);
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
