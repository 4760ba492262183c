// Azure SDK pipelines for the REST calls no SDK covers (Partner Center, the registration PUT):
// bearer tokens for the configured endpoint's scope, and the SDK's retry policies, which honour
// Retry-After on 429/503 and back off exponentially on 5xx and dropped connections.
import type { TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createPipelineFromOptions,
  throttlingRetryPolicy,
  type Pipeline,
} from '@azure/core-rest-pipeline';
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
): Pipeline {
  const pipeline = createPipelineFromOptions({ retryOptions: retry, userAgentOptions: { userAgentPrefix: USER_AGENT_PREFIX } });
  if (retryOn === 'throttling') {
    pipeline.removePolicy({ name: DEFAULT_RETRY_POLICY_NAME });
    pipeline.addPolicy(throttlingRetryPolicy({ maxRetries: retry.maxRetries }), { phase: 'Retry' });
  }
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: [scope] }), { phase: 'Sign' });
  // Every attempt, retries included, waits out the service's last Retry-After (src/services/throttleGate.ts).
  if (gate) pipeline.addPolicy(sharedThrottlePolicy(gate), { afterPhase: 'Retry' });
  return pipeline;
}
