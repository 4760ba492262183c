// One REST call on an Azure SDK pipeline (the pipeline brings the token, the retries and their
// Retry-After handling): the request built the same way for every service, the answer read the same
// way. What an answer means (accepted, or which domain error) is the caller's to decide.
import {
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type HttpHeaders,
  type HttpMethods,
  type Pipeline,
  type PipelineRequestOptions,
} from '@azure/core-rest-pipeline';
import { parseJsonBody } from './jsonBody';
import { parseRetryAfter } from './retryAfter';

export interface RestRequest {
  method: HttpMethods;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded (token endpoints). */
  form?: URLSearchParams;
  abortSignal?: PipelineRequestOptions['abortSignal'];
  /** Per attempt; 0 or absent = none. */
  timeoutInMs?: number;
}

export interface RestAnswer {
  status: number;
  headers: HttpHeaders;
  /** The body as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
  /** The answer's Retry-After, in milliseconds. */
  retryAfterMs?: number;
}

/**
 * Sends one request through `pipeline`; every attempt of its retries is the same request object
 * (so an idempotency header set here stays the same). Throws what the pipeline throws when no
 * answer came (timeout, dropped connection, cancel, sign-in failure).
 */
export async function sendRest(pipeline: Pipeline, httpClient: HttpClient, request: RestRequest): Promise<RestAnswer> {
  const contentType = request.form ? 'application/x-www-form-urlencoded' : request.json !== undefined ? 'application/json' : undefined;
  const pipelineRequest = createPipelineRequest({
    url: request.url,
    method: request.method,
    headers: createHttpHeaders({
      accept: 'application/json',
      ...(contentType ? { 'content-type': contentType } : {}),
      ...request.headers,
    }),
    body: request.form ? request.form.toString() : request.json !== undefined ? JSON.stringify(request.json) : undefined,
    abortSignal: request.abortSignal,
    timeout: request.timeoutInMs ?? 0,
  });
  const response = await pipeline.sendRequest(httpClient, pipelineRequest);
  return {
    status: response.status,
    headers: response.headers,
    body: parseJsonBody(response.bodyAsText),
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  };
}
