// The Bot Framework adapter: CloudAdapter with ConfigurationBotFrameworkAuthentication, so inbound
// requests carry a Bot Framework JWT (checked against the channel's OpenID metadata) whenever
// MicrosoftAppId is set. An empty MicrosoftAppId is local mode: no token validation.
import type { Pipeline, PipelinePolicy } from '@azure/core-rest-pipeline';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type ConfigurationBotFrameworkAuthenticationOptions, type Middleware } from 'botbuilder';
import {
  AuthenticationConstants,
  AuthenticationError,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type ClaimsIdentity,
  type ConnectorClient,
  type ServiceClientCredentialsFactory,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botbuilder';
import type { Config } from '../config';
import { parseRetryAfter } from '../http/retryAfter';

/**
 * Where channel tokens come from and go to. Production uses botbuilder's public-cloud defaults;
 * tests point these at a loopback OpenID metadata document and JWKS.
 */
export interface ChannelAuthSettings {
  ToBotFromChannelOpenIdMetadataUrl: string;
  ToBotFromChannelTokenIssuer: string;
  ToChannelFromBotLoginUrl?: string;
  ToChannelFromBotOAuthScope?: string;
}

export interface AdapterOptions {
  channelAuth?: ChannelAuthSettings;
  /** How the bot gets its outbound token; default: from MicrosoftAppId/MicrosoftAppPassword (MSAL). */
  credentialsFactory?: ServiceClientCredentialsFactory;
  /** Retries of calls to the Bot Connector (see teamsSafeRetryPolicy): the only retries of a Teams call. */
  connectorRetry?: ConnectorRetryOptions;
}

export interface ConnectorRetryOptions {
  /** Default 3. */
  maxRetries?: number;
  /** First backoff when Teams gives no Retry-After; doubles per retry, with jitter. Default 500 ms. */
  retryDelayMs?: number;
}

/**
 * What the Bot Connector may be asked again (Teams' rate-limit guidance: 429, 412, 502, 504), by
 * method. A POST creates a message and is not idempotent: after a 412/5xx/408 it may have landed,
 * so only a 429 (Teams did not take it) is sent again. A PUT replaces the same activity.
 */
const RETRY_ON: Record<string, ReadonlySet<number>> = {
  POST: new Set([429]),
  PUT: new Set([429, 412, 502, 504]),
  DELETE: new Set([429, 412, 502, 504]),
  GET: new Set([408, 412, 429, 500, 502, 503, 504]),
};

/**
 * Connection failures that may be retried, by method. A reset or timed-out POST may have reached
 * Teams; a refused connection never did. A PUT, GET or DELETE may always be sent again.
 */
const NETWORK_RETRY_ON: Record<string, ReadonlySet<string>> = {
  POST: new Set(['ECONNREFUSED']),
  OTHER: new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']),
};

export function teamsSafeRetryPolicy(options: ConnectorRetryOptions = {}): PipelinePolicy {
  const maxRetries = options.maxRetries ?? 3;
  const baseMs = options.retryDelayMs ?? 500;
  const backoff = (retry: number) => new Promise((resolve) => setTimeout(resolve, baseMs * 2 ** retry * (0.5 + Math.random())));
  return {
    name: 'teamsSafeRetryPolicy',
    async sendRequest(request, next) {
      const retryOn = RETRY_ON[request.method] ?? RETRY_ON.POST;
      const networkRetryOn = request.method === 'POST' ? NETWORK_RETRY_ON.POST : NETWORK_RETRY_ON.OTHER;
      for (let retry = 0; ; retry++) {
        let response;
        try {
          response = await next(request);
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          if (retry >= maxRetries || typeof code !== 'string' || !networkRetryOn.has(code)) throw err;
          await backoff(retry);
          continue;
        }
        if (retry >= maxRetries || !retryOn.has(response.status)) return response;
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        if (retryAfterMs !== undefined) await new Promise((resolve) => setTimeout(resolve, retryAfterMs));
        else await backoff(retry);
      }
    },
  };
}

/**
 * botbuilder's ConnectorClient pipeline keeps the Azure SDK's default retry: every method on
 * 408/500/502/503/504, so a reply or post that reached Teams before a 502 was posted twice. Each
 * client (inbound and proactive; kept across turns, so once each) gets the Teams-safe policy instead.
 */
function safeConnectorRetries(adapter: CloudAdapter, options: ConnectorRetryOptions = {}): Middleware {
  const fixed = new WeakSet<Pipeline>();
  return {
    async onTurn(context, next) {
      const client = context.turnState.get(adapter.ConnectorClientKey) as { client?: { pipeline?: Pipeline } } | undefined;
      const pipeline = client?.client?.pipeline;
      if (pipeline && !fixed.has(pipeline)) {
        pipeline.removePolicy({ name: 'defaultRetryPolicy' });
        pipeline.addPolicy(teamsSafeRetryPolicy(options), { phase: 'Retry' });
        fixed.add(pipeline);
      }
      await next();
    },
  };
}

/** How many clients are kept: a bot talks to a handful of service URLs (one per region/cloud). */
const MAX_KEPT_CLIENTS = 64;

/**
 * One client per key, kept across turns, as botbuilder's older BotFrameworkAdapter kept its
 * ConnectorClients: CloudAdapter builds a ConnectorClient and a UserTokenClient (credentials,
 * pipeline, serializer) for every turn, about a tenth of a card click's allocations. The clients hold
 * no per-turn state; the credentials cache their own tokens. A failed creation is not kept.
 */
class KeptClients<T> {
  private readonly clients = new Map<string, Promise<T>>();

  get(key: string, create: () => Promise<T>): Promise<T> {
    let client = this.clients.get(key);
    if (!client) {
      if (this.clients.size >= MAX_KEPT_CLIENTS) this.clients.delete(this.clients.keys().next().value as string);
      client = create();
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    return client;
  }
}

/** The app id botbuilder builds a turn's clients for (the audience claim from a channel, the appid claim from the emulator). */
function appIdOf(identity: ClaimsIdentity): string {
  return identity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? identity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
}

/** A ConnectorFactory whose clients are kept per app id, service URL and audience. */
class KeptConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly kept: KeptClients<ConnectorClient>,
    private readonly appId: string,
    private readonly inner: ConnectorFactory,
  ) {
    super();
  }

  override create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.kept.get(JSON.stringify([this.appId, serviceUrl, audience ?? '']), () => this.inner.create(serviceUrl, audience));
  }
}

/**
 * jsonwebtoken's own errors (bad signature, malformed token, not yet valid) escape botbuilder's
 * checks as plain errors, which CloudAdapter answers with 500. A bad token is a 401. The turn's
 * Bot Connector and user-token clients are kept across turns (KeptClients).
 */
class StrictBotFrameworkAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new KeptClients<ConnectorClient>();
  private readonly userTokens = new KeptClients<UserTokenClient>();

  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    let result: AuthenticateRequestResult;
    try {
      result = await super.authenticateRequest(activity, authHeader);
    } catch (err) {
      if (err instanceof AuthenticationError) throw err;
      const name = (err as { name?: unknown })?.name;
      if (name === 'JsonWebTokenError' || name === 'NotBeforeError' || name === 'TokenExpiredError') {
        throw new AuthenticationError(`Unauthorized: ${(err as Error).message}`, 401);
      }
      throw err;
    }
    const factory = result.connectorFactory;
    return factory ? { ...result, connectorFactory: new KeptConnectorFactory(this.connectors, appIdOf(result.claimsIdentity), factory) } : result;
  }

  override createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new KeptConnectorFactory(this.connectors, appIdOf(claimsIdentity), super.createConnectorFactory(claimsIdentity));
  }

  override createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.userTokens.get(appIdOf(claimsIdentity), () => super.createUserTokenClient(claimsIdentity));
  }
}

export function authenticationOptions(
  config: Pick<Config, 'MicrosoftAppId' | 'MicrosoftAppPassword' | 'MicrosoftAppType' | 'MicrosoftAppTenantId'>,
  channelAuth?: ChannelAuthSettings,
): ConfigurationBotFrameworkAuthenticationOptions {
  const identity: ConfigurationBotFrameworkAuthenticationOptions = {
    MicrosoftAppId: config.MicrosoftAppId ?? '',
    MicrosoftAppPassword: config.MicrosoftAppPassword ?? '',
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId ?? '',
  };
  if (!channelAuth) return identity;
  // Setting any channel endpoint switches botbuilder to "parameterized" mode, where every one
  // must be given: the rest keep the public-cloud values.
  return {
    ...identity,
    ValidateAuthority: true,
    ToChannelFromBotLoginUrl: channelAuth.ToChannelFromBotLoginUrl ?? AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: channelAuth.ToChannelFromBotOAuthScope ?? AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: channelAuth.ToBotFromChannelTokenIssuer,
    ToBotFromChannelOpenIdMetadataUrl: channelAuth.ToBotFromChannelOpenIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    CallerId: 'urn:botframework:azure',
  };
}

export function createAdapter(
  config: Pick<Config, 'MicrosoftAppId' | 'MicrosoftAppPassword' | 'MicrosoftAppType' | 'MicrosoftAppTenantId'>,
  options: AdapterOptions = {},
): CloudAdapter {
  const auth = new StrictBotFrameworkAuthentication(authenticationOptions(config, options.channelAuth), options.credentialsFactory);
  const adapter = new CloudAdapter(auth);
  adapter.use(safeConnectorRetries(adapter, options.connectorRetry));
  return adapter;
}
