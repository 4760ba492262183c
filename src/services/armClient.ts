// What the registration and role-assignment clients share: the generic ARM client
// (@azure/arm-resources v8) set up for the configured endpoint, the raw-pipeline calls where the
// SDK falls short (docs/reference/arm-and-azure-stack.md §ARM-1), and the mapping of ARM answers to correlation ids and errors.
import type { TokenCredential } from '@azure/core-auth';
import { ResourceManagementClient } from '@azure/arm-resources';
import { createDefaultHttpClient, type HttpHeaders, type HttpMethods } from '@azure/core-rest-pipeline';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { CallOptions, CallRecord } from '../onboarding/ports';
import { parseRetryAfter } from '../http/retryAfter';
import { joinUrl, scopeFor } from './clouds';
import { fromThrown, type ServiceFailure } from './errors';
import { addCallTelemetry, USER_AGENT_PREFIX, type RetrySettings } from './pipelines';
import { callService, recordCall, refused, type ServiceEndpoint } from './serviceCall';
import { createArmThrottleGates, sharedThrottlePolicy } from './throttleGate';

const SERVICE = 'Azure Resource Manager' as const;

export interface ArmSettings {
  endpoint: string;
  /** Token scope; default `<endpoint>/.default`. */
  scope?: string;
  credential: TokenCredential;
  retry?: RetrySettings;
  timeoutInMs?: number;
  report?: (call: CallRecord) => void;
  logger?: Logger;
}

export interface ArmResponse {
  status: number;
  body: unknown;
}

const armErrorSchema = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough() });

/** ARM ids for the audit trail: x-ms-correlation-request-id, and x-ms-request-id. */
export function armIds(headers: HttpHeaders | undefined): { correlationId?: string; requestId?: string } {
  return {
    correlationId: headers?.get('x-ms-correlation-request-id') ?? undefined,
    requestId: headers?.get('x-ms-request-id') ?? undefined,
  };
}

/** `/subscriptions/…` → `subscriptions/…`: the SDK's `/{+resourceId}` template would otherwise send `//subscriptions`. */
export function sdkResourceId(resourceId: string): string {
  return resourceId.replace(/^\/+/, '');
}

export class ArmCaller {
  readonly client: ResourceManagementClient;
  private readonly endpoint: ServiceEndpoint;

  constructor(private readonly settings: ArmSettings) {
    this.client = new ResourceManagementClient(settings.credential, {
      endpoint: settings.endpoint,
      // v8 asks for the public-cloud scope whatever the endpoint: name the endpoint's own.
      credentials: { scopes: [settings.scope ?? scopeFor(settings.endpoint)] },
      retryOptions: settings.retry,
      userAgentOptions: { userAgentPrefix: USER_AGENT_PREFIX },
    });
    addCallTelemetry(this.client.pipeline, SERVICE);
    // One gate per kind of call (reads, writes, deletes) for every call of this client (the registrations, or one
    // customer tenant's role assignments): a 429 slows every run's calls of that kind down, and then paces them.
    // ARM throttles each kind in one bucket, whatever the path: the gate paces its kind as one.
    this.client.pipeline.addPolicy(sharedThrottlePolicy(createArmThrottleGates(), (request) => request.method.toUpperCase()), {
      afterPhase: 'Retry',
    });
    this.endpoint = {
      service: SERVICE,
      // The SDK client's own pipeline: its token, retries and Retry-After handling.
      pipeline: this.client.pipeline,
      httpClient: createDefaultHttpClient(),
      timeoutInMs: settings.timeoutInMs,
      report: settings.report,
      logger: settings.logger,
      errorCode: (body) => {
        const error = armErrorSchema.safeParse(body);
        return error.success ? error.data.error.code : undefined;
      },
      answerIds: armIds,
      // A 404 is often the answer the caller asked for ("is it mapped?"): the caller decides.
      quietStatuses: [404],
    };
  }

  /** Options for an SDK call that report its ids once it answers. */
  sdkOptions(options: CallOptions | undefined, seen: { status?: number; headers?: HttpHeaders }) {
    return {
      abortSignal: options?.abortSignal,
      requestOptions: { timeout: this.settings.timeoutInMs },
      onResponse: (response: { status: number; headers: HttpHeaders }) => {
        seen.status = response.status;
        seen.headers = response.headers;
      },
    };
  }

  /** Runs an SDK call, reports it, and turns its failure into a DomainError. `names`: the subject, or the subject and the registration. */
  async sdk<T>(
    operation: string,
    options: CallOptions | undefined,
    names: string | undefined | Pick<ServiceFailure, 'subject' | 'registration'>,
    run: (sdkOptions: ReturnType<ArmCaller['sdkOptions']>) => Promise<T>,
  ): Promise<T> {
    const { subject, registration } = typeof names === 'object' ? names : { subject: names, registration: undefined };
    const seen: { status?: number; headers?: HttpHeaders } = {};
    try {
      const result = await run(this.sdkOptions(options, seen));
      recordCall(this.endpoint, { operation, statusCode: seen.status, ...armIds(seen.headers) });
      return result;
    } catch (error) {
      const restError = error as { statusCode?: number; code?: string; response?: { headers?: HttpHeaders } };
      const headers = restError.response?.headers ?? seen.headers;
      const ids = armIds(headers);
      recordCall(this.endpoint, { operation, statusCode: restError.statusCode ?? seen.status, ...ids });
      if (restError.statusCode) {
        const retryAfterMs = parseRetryAfter(restError.response?.headers?.get('retry-after'));
        throw refused(this.endpoint, { service: SERVICE, operation, statusCode: restError.statusCode, code: restError.code, subject, registration, retryAfterMs, ...ids }, error);
      }
      throw fromThrown(error, { service: SERVICE, operation, subject, registration }, options?.abortSignal);
    }
  }

  /**
   * A call through the SDK client's own pipeline (its token, retries and Retry-After handling),
   * for what the SDK's methods get wrong: list pages (v8 returns `{}` for a collection) and a PUT
   * answered 200/201 with an empty body (v8 throws a TypeError). Statuses outside `accept` throw.
   */
  async raw(
    request: {
      operation: string;
      method: HttpMethods;
      url: string;
      body?: unknown;
      accept: number[];
      subject?: string;
      registration?: ServiceFailure['registration'];
    },
    options?: CallOptions,
  ): Promise<ArmResponse> {
    const { status, body } = await callService(this.endpoint, request, options);
    return { status, body };
  }

  url(resourceId: string, apiVersion: string): string {
    const url = new URL(joinUrl(this.settings.endpoint, resourceId));
    url.searchParams.set('api-version', apiVersion);
    return url.toString();
  }
}
