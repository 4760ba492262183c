// Azure SDK pipelines for the REST calls no SDK covers (Partner Center, the registration PUT):
// bearer tokens for the configured endpoint's scope, and the SDK's retry policies, which honour
// Retry-After on 429/503 and back off exponentially on 5xx and dropped connections. Every attempt
// on the wire is a client span with the service's correlation ids (callTelemetryPolicy).
import type { TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createPipelineFromOptions,
  throttlingRetryPolicy,
  type Pipeline,
  type PipelinePolicy,
} from '@azure/core-rest-pipeline';
import { telemetry } from '../telemetry/telemetry';
import type { ServiceName } from './errors';
import { sharedThrottlePolicy, type ThrottleGate } from './throttleGate';

export interface RetrySettings {
  /** Retries after the first attempt (SDK default 3). */
  maxRetries?: number;
  /** First back-off for 5xx and dropped connections (SDK default 1 s). A Retry-After from the service wins. */
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
}

export const USER_AGENT_PREFIX = 'csp-onboarding-bot';

/** The name core-rest-pipeline gives its default retry policy (createPipelineFromOptions). */
const DEFAULT_RETRY_POLICY_NAME = 'defaultRetryPolicy';

/**
 * `retryOn: 'throttling'` retries only 429/503 with Retry-After: for calls that must never be
 * sent twice when the first attempt's fate is unknown (checkout). A throttled request was not
 * processed, so resending it is safe; a 5xx, timeout or dropped connection may have been.
 */
export function createServicePipeline(
  credential: TokenCredential,
  scope: string,
  retry: RetrySettings,
  retryOn: 'all' | 'throttling' = 'all',
  gate?: ThrottleGate,
  service: ServiceName = 'Partner Center',
): Pipeline {
  const pipeline = createPipelineFromOptions({ retryOptions: retry, userAgentOptions: { userAgentPrefix: USER_AGENT_PREFIX } });
  if (retryOn === 'throttling') {
    pipeline.removePolicy({ name: DEFAULT_RETRY_POLICY_NAME });
    pipeline.addPolicy(throttlingRetryPolicy({ maxRetries: retry.maxRetries }), { phase: 'Retry' });
  }
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: [scope] }), { phase: 'Sign' });
  addCallTelemetry(pipeline, service);
  // Every attempt, retries included, waits out the service's last Retry-After (src/services/throttleGate.ts).
  if (gate) pipeline.addPolicy(sharedThrottlePolicy(gate), { afterPhase: 'Retry' });
  return pipeline;
}

/** Headers whose values identify a call at the service (support asks for them); nothing else is recorded. */
const ID_HEADERS = {
  request: ['ms-requestid', 'ms-correlationid', 'x-ms-client-request-id'],
  response: ['ms-requestid', 'ms-correlationid', 'x-ms-correlation-request-id', 'x-ms-request-id', 'request-id', 'client-request-id'],
} as const;

/** Adds callTelemetryPolicy after the retries, so each attempt (a throttled one too) is its own span. */
export function addCallTelemetry(pipeline: Pipeline, service: ServiceName): void {
  pipeline.addPolicy(callTelemetryPolicy(service), { afterPhase: 'Sign' });
}

/**
 * One client span per request on the wire: method, host and path (no query), status, and the
 * correlation ids as `http.request.header.<name>` / `http.response.header.<name>`. Counts the call
 * by service and status, and a throttled answer (429, or 503 with Retry-After) as a retry the
 * pipeline will wait on. Never a body, a token or another header.
 */
export function callTelemetryPolicy(service: ServiceName): PipelinePolicy {
  return {
    name: 'callTelemetryPolicy',
    async sendRequest(request, next) {
      const current = telemetry();
      if (!current.enabled) return next(request);
      const url = new URL(request.url);
      const attributes: Record<string, string | number> = {
        'csp.service': service,
        'http.request.method': request.method,
        'server.address': url.hostname,
        'url.path': url.pathname,
      };
      for (const name of ID_HEADERS.request) {
        const value = request.headers.get(name);
        if (value) attributes[`http.request.header.${name}`] = value;
      }
      return current.inSpan(`${service} ${request.method}`, { kind: 'client', attributes }, async (span) => {
        let status = 'error';
        try {
          const response = await next(request);
          status = String(response.status);
          const answered: Record<string, string | number> = { 'http.response.status_code': response.status };
          for (const name of ID_HEADERS.response) {
            const value = response.headers.get(name);
            if (value) answered[`http.response.header.${name}`] = value;
          }
          span.setAttributes(answered);
          if (response.status >= 400) span.fail({ code: `HTTP ${response.status}` });
          if (response.status === 429 || (response.status === 503 && response.headers.get('retry-after'))) {
            current.record('throttlingRetries', 1, { 'csp.service': service });
          }
          return response;
        } finally {
          current.record('outboundCalls', 1, { 'csp.service': service, 'http.response.status_code': status });
        }
      });
    },
  };
}
