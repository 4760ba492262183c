// The Directory port on Microsoft Graph (@microsoft/microsoft-graph-client): the customer's
// directory for guests (a token for the customer's tenant), the partner's own for group
// membership. The client's RetryHandler retries 429/503/504 honouring Retry-After.
import type { TokenCredential } from '@azure/core-auth';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  RedirectHandler,
  RedirectHandlerOptions,
  ResponseType,
  RetryHandler,
  RetryHandlerOptions,
  TelemetryHandler,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Guid } from '../onboarding/model';
import { guidSchema } from '../onboarding/model';
import type { CallOptions, CallRecord, Directory, DirectoryUser } from '../onboarding/ports';
import { scopeFor } from './clouds';
import { forTenant } from './credentials';
import { parseJsonBody } from '../http/jsonBody';
import { parseRetryAfter } from '../http/retryAfter';
import { fromThrown, toDomainError, unexpectedResponse, type ServiceFailure } from './errors';
import { telemetry } from '../telemetry/telemetry';

const SERVICE = 'Microsoft Graph' as const;

/** Hosts the Graph client authenticates by itself; any other host must be listed in customHosts (docs/reference/graph.md §G-4). */
const GRAPH_HOSTS = new Set([
  'graph.microsoft.com',
  'graph.microsoft.us',
  'dod-graph.microsoft.us',
  'microsoftgraph.chinacloudapi.cn',
  'canary.graph.microsoft.com',
]);

export interface GraphDirectoryOptions {
  endpoint: string;
  /** Token scope; default `<endpoint>/.default`. */
  scope?: string;
  credential: TokenCredential;
  /** The partner's own tenant, for group membership. */
  partnerTenantId?: string;
  retry?: { maxRetries?: number; retryDelayInMs?: number };
  timeoutInMs?: number;
  report?: (call: CallRecord) => void;
  logger?: Logger;
}

const userSchema = z.object({
  id: guidSchema,
  mail: z.string().nullable().optional(),
  userType: z.string().nullable().optional(),
  externalUserState: z.string().nullable().optional(),
});
const usersSchema = z.object({ value: z.array(userSchema) });
const invitationSchema = z.object({
  inviteRedeemUrl: z.string().min(1),
  invitedUser: z.object({ id: guidSchema }),
});
const memberGroupsSchema = z.object({ value: z.array(z.string()) });
const graphErrorSchema = z.object({ error: z.object({ code: z.string().optional(), message: z.string().optional() }).passthrough() });

interface GraphCall<T> {
  operation: string;
  tenantId?: string;
  send: (client: Client, signal: AbortSignal | undefined) => Promise<unknown>;
  /** Statuses that are an answer (parsed or not) rather than a failure. */
  accept: number[];
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  subject?: string;
}

export class GraphDirectoryClient implements Directory {
  private readonly clients = new Map<string, Client>();

  constructor(private readonly options: GraphDirectoryOptions) {}

  async findUserByMail(customerTenantId: Guid, email: string, options?: CallOptions): Promise<DirectoryUser | undefined> {
    const { body } = await this.call(
      {
        operation: 'findUserByMail',
        tenantId: customerTenantId,
        send: (client, signal) =>
          client
            .api('/users')
            .filter(`mail eq '${email.replace(/'/g, "''")}'`)
            .select(['id', 'mail', 'userType', 'externalUserState'])
            .option('signal', signal)
            .responseType(ResponseType.RAW)
            .get(),
        accept: [200],
        schema: usersSchema,
        subject: email,
      },
      options,
    );
    const user = body?.value[0];
    if (!user) return undefined;
    return {
      objectId: user.id,
      mail: user.mail ?? email,
      userType: user.userType ?? 'Guest',
      ...(user.externalUserState ? { externalUserState: user.externalUserState } : {}),
    };
  }

  async inviteGuest(
    customerTenantId: Guid,
    invitation: { email: string; displayName: string; redirectUrl: string; message?: string },
    options?: CallOptions,
  ): Promise<{ objectId: Guid; redeemUrl: string }> {
    const { body } = await this.call(
      {
        operation: 'inviteGuest',
        tenantId: customerTenantId,
        send: (client, signal) =>
          client
            .api('/invitations')
            .option('signal', signal)
            .responseType(ResponseType.RAW)
            .post({
              invitedUserEmailAddress: invitation.email,
              invitedUserDisplayName: invitation.displayName,
              inviteRedirectUrl: invitation.redirectUrl,
              sendInvitationMessage: true,
              ...(invitation.message ? { invitedUserMessageInfo: { customizedMessageBody: invitation.message } } : {}),
            }),
        accept: [200, 201],
        schema: invitationSchema,
        subject: invitation.email,
      },
      options,
    );
    if (!body) throw unexpectedResponse({ service: SERVICE, operation: 'inviteGuest' }, 'empty body');
    return { objectId: body.invitedUser.id, redeemUrl: body.inviteRedeemUrl };
  }

  async isMemberOfGroup(userObjectId: Guid, groupId: Guid, options?: CallOptions): Promise<boolean> {
    const { status, body } = await this.call(
      {
        operation: 'isMemberOfGroup',
        tenantId: this.options.partnerTenantId,
        // checkMemberGroups is transitive (nested groups count).
        send: (client, signal) =>
          client
            .api(`/users/${encodeURIComponent(userObjectId)}/checkMemberGroups`)
            .option('signal', signal)
            .responseType(ResponseType.RAW)
            .post({ groupIds: [groupId] }),
        // A user the partner's directory does not know is no member.
        accept: [200, 404],
        schema: memberGroupsSchema,
        subject: `user ${userObjectId}`,
      },
      options,
    );
    if (status === 404) return false;
    return (body?.value ?? []).some((id) => id.toLowerCase() === groupId.toLowerCase());
  }

  private async call<T>(call: GraphCall<T>, options?: CallOptions): Promise<{ status: number; body: T | undefined }> {
    const failure: ServiceFailure = { service: SERVICE, operation: call.operation, subject: call.subject };
    const signal = this.signalFor(options?.abortSignal);
    let response: Response;
    try {
      response = (await call.send(this.clientFor(call.tenantId), signal)) as Response;
    } catch (error) {
      this.record({ operation: call.operation });
      throw fromThrown(thrownByFetch(error), failure, options?.abortSignal);
    }
    const ids = { requestId: response.headers.get('request-id') ?? undefined, correlationId: response.headers.get('client-request-id') ?? undefined };
    this.record({ operation: call.operation, ...ids, statusCode: response.status });
    const text = await response.text();
    const json = parseJsonBody(text);
    if (!call.accept.includes(response.status)) {
      const error = graphErrorSchema.safeParse(json);
      const code = error.success ? error.data.error.code : undefined;
      this.options.logger?.warn({ operation: call.operation, status: response.status, code, ...ids }, 'Graph call failed');
      throw toDomainError({ ...failure, ...ids, statusCode: response.status, code, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) });
    }
    if (response.status === 404 || json === undefined) return { status: response.status, body: undefined };
    const parsed = call.schema.safeParse(json);
    if (!parsed.success) {
      throw unexpectedResponse({ ...failure, ...ids, statusCode: response.status }, parsed.error.issues[0]?.message ?? 'invalid body');
    }
    return { status: response.status, body: parsed.data };
  }

  /** One Graph client per tenant: its auth provider asks for that tenant's token. */
  private clientFor(tenantId: string | undefined): Client {
    const key = tenantId ?? '';
    let client = this.clients.get(key);
    if (!client) {
      client = this.createClient(tenantId ? forTenant(this.options.credential, tenantId) : this.options.credential);
      this.clients.set(key, client);
    }
    return client;
  }

  private createClient(credential: TokenCredential): Client {
    const { endpoint, retry } = this.options;
    const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [this.options.scope ?? scopeFor(endpoint)] });
    const host = new URL(endpoint).hostname;
    const middleware = [
      new AuthenticationHandler(authProvider),
      // Delay in seconds for responses without Retry-After; Retry-After wins (capped by the handler at 180 s).
      new RetryHandler(new RetryHandlerOptions((retry?.retryDelayInMs ?? 3000) / 1000, retry?.maxRetries ?? 3)),
      new RedirectHandler(new RedirectHandlerOptions()),
      new TelemetryHandler(),
      new CallSpanHandler(),
      new HTTPMessageHandler(),
    ];
    return Client.initWithMiddleware({
      middleware,
      baseUrl: `${new URL(endpoint).origin}${new URL(endpoint).pathname.replace(/\/+$/, '')}/`,
      defaultVersion: 'v1.0',
      // Without this the Authorization header is silently left off for a non-Graph host (the simulated cloud).
      ...(GRAPH_HOSTS.has(host) ? {} : { customHosts: new Set([host]) }),
    });
  }

  private signalFor(caller: AbortSignal | undefined): AbortSignal | undefined {
    const timeout = this.options.timeoutInMs ? AbortSignal.timeout(this.options.timeoutInMs) : undefined;
    const signals = [caller, timeout].filter((s): s is AbortSignal => s !== undefined);
    return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  }

  private record(call: CallRecord): void {
    this.options.report?.(call);
    this.options.logger?.debug(call, 'Graph call');
  }
}

/** The Graph client wraps what fetch threw; a DOMException (timeout, abort) ends up as the wrapper's `body`. */
function thrownByFetch(error: unknown): unknown {
  const body = (error as { body?: unknown })?.body;
  return body !== null && typeof body === 'object' && 'name' in body ? body : error;
}

/**
 * Each Graph request on the wire as a client span (after the retries, so a retried one is two),
 * with Graph's `request-id` and `client-request-id` (what Microsoft support asks for); counted by
 * status like the Azure SDK pipelines' callTelemetryPolicy (src/services/pipelines.ts).
 */
class CallSpanHandler implements Middleware {
  private next?: Middleware;

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const current = telemetry();
    if (!current.enabled || !this.next) return this.next?.execute(context);
    const url = new URL(typeof context.request === 'string' ? context.request : context.request.url);
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const attributes = { 'csp.service': SERVICE, 'http.request.method': method, 'server.address': url.hostname, 'url.path': url.pathname };
    await current.inSpan(`${SERVICE} ${method}`, { kind: 'client', attributes }, async (span) => {
      let status = 'error';
      try {
        await this.next!.execute(context);
        const response = context.response;
        if (!response) return;
        status = String(response.status);
        span.setAttributes({
          'http.response.status_code': response.status,
          'http.response.header.request-id': response.headers.get('request-id') ?? undefined,
          'http.response.header.client-request-id': response.headers.get('client-request-id') ?? undefined,
        });
        if (response.status >= 400) span.fail({ code: `HTTP ${response.status}` });
        if (response.status === 429 || (response.status === 503 && response.headers.get('retry-after'))) {
          current.record('throttlingRetries', 1, { 'csp.service': SERVICE });
        }
      } finally {
        current.record('outboundCalls', 1, { 'csp.service': SERVICE, 'http.response.status_code': status });
      }
    });
  }
}
