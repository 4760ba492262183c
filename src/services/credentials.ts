// The bot's identities. App-only: a client secret, a client certificate, or (in Azure, when
// neither is set) the managed identity. Tokens for a customer's tenant come from the same
// credential with that tenant id. Delegated Partner Center (App+User, needed only to confirm the
// customer agreement): a refresh token redeemed at the token endpoint. Secrets and tokens are never
// logged and never put into an error.
import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type ClientSecretCredentialOptions,
} from '@azure/identity';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { createDefaultHttpClient, createPipelineFromOptions, type HttpClient, type Pipeline } from '@azure/core-rest-pipeline';
import { z } from 'zod';
import type { Config } from '../config';
import { sendRest } from '../http/restCall';
import { DomainError } from '../onboarding/errors';
import type { CloudProfile } from './clouds';
import { joinUrl } from './clouds';

/**
 * The app's credential (partner tenant by default; any tenant on request via `getToken(…, { tenantId })`),
 * at the cloud's authority or, for a service with its own, at `authorityHost`.
 */
export function createAppCredential(config: Config, profile: CloudProfile, authorityHost = profile.endpoints.authorityHost): TokenCredential {
  const options: ClientSecretCredentialOptions = {
    authorityHost,
    // A private authority (the simulated cloud, a disconnected stamp) has no instance metadata to discover.
    disableInstanceDiscovery: config.AZURE_DISABLE_INSTANCE_DISCOVERY,
    // Customer-tenant tokens (Graph invitations, role assignments) use the same app.
    additionallyAllowedTenants: ['*'],
  };
  const { AZURE_TENANT_ID: tenantId, AZURE_CLIENT_ID: clientId } = config;
  if (config.AZURE_CLIENT_SECRET && tenantId && clientId) {
    return new ClientSecretCredential(tenantId, clientId, config.AZURE_CLIENT_SECRET, options);
  }
  if (config.AZURE_CLIENT_CERTIFICATE_PATH && tenantId && clientId) {
    return new ClientCertificateCredential(tenantId, clientId, { certificatePath: config.AZURE_CLIENT_CERTIFICATE_PATH }, options);
  }
  if (config.CLOUD === 'sandbox') {
    throw new Error('CLOUD=sandbox needs the simulated cloud’s AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET');
  }
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}

/** The same credential, always asking for tokens of one tenant (a customer's). */
export function forTenant(credential: TokenCredential, tenantId: string): TokenCredential {
  return {
    getToken: (scopes: string | string[], options?: GetTokenOptions) => credential.getToken(scopes, { ...options, tenantId }),
  };
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  refresh_token: z.string().min(1).optional(),
});

const tokenErrorSchema = z.object({ error: z.string(), error_codes: z.array(z.number()).optional() }).passthrough();

/** Renew a little before expiry so a token never runs out mid-call. */
const EARLY_RENEWAL_MS = 2 * 60 * 1000;

export interface RefreshTokenCredentialOptions {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  httpClient?: HttpClient;
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
}

/**
 * Delegated (App+User) tokens from a refresh token, the Secure Application Model's way
 * (grant_type=refresh_token). @azure/identity has no such credential
 * (docs/reference/identity-and-clouds.md §ID-2). Keeps the
 * newest refresh token the endpoint returns (they rotate) in memory only: the configured one must
 * stay valid across restarts, so it is renewed by consenting again (docs/operations.md).
 */
export class RefreshTokenCredential implements TokenCredential {
  private refreshToken: string;
  private cached?: AccessToken & { scopeKey: string };
  private readonly pipeline: Pipeline;
  private readonly httpClient: HttpClient;

  constructor(private readonly options: RefreshTokenCredentialOptions) {
    this.refreshToken = options.refreshToken;
    this.pipeline = createPipelineFromOptions({ retryOptions: options.retry });
    this.httpClient = options.httpClient ?? createDefaultHttpClient();
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const scopeKey = [scopes].flat().join(' ');
    if (this.cached && this.cached.scopeKey === scopeKey && this.cached.expiresOnTimestamp - EARLY_RENEWAL_MS > Date.now()) {
      return this.cached;
    }
    const { authorityHost, tenantId, clientId, clientSecret } = this.options;
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: clientId,
      refresh_token: this.refreshToken,
      scope: `${scopeKey} offline_access`,
    });
    if (clientSecret) form.set('client_secret', clientSecret);
    const response = await sendRest(this.pipeline, this.httpClient, {
      method: 'POST',
      url: joinUrl(authorityHost, `${encodeURIComponent(tenantId)}/oauth2/v2.0/token`),
      form,
      abortSignal: options?.abortSignal,
    });
    const json = response.body;
    if (response.status !== 200) {
      const failure = tokenErrorSchema.safeParse(json);
      // The error's description can quote the request; only the error name is kept.
      throw delegatedSignInFailed(response.status, failure.success ? failure.data.error : undefined);
    }
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) throw delegatedSignInFailed(response.status, 'unexpected_token_response');
    if (parsed.data.refresh_token) this.refreshToken = parsed.data.refresh_token;
    this.cached = {
      token: parsed.data.access_token,
      expiresOnTimestamp: Date.now() + parsed.data.expires_in * 1000,
      tokenType: 'Bearer',
      scopeKey,
    };
    return this.cached;
  }
}

/**
 * One code for every refused delegated sign-in (the run pauses on it, see the customer-agreement
 * step); the token endpoint's error name (never its description, which can quote the request) is
 * named in the sentence for the audit trail.
 */
function delegatedSignInFailed(statusCode: number, oauthError: string | undefined): DomainError {
  const expired = oauthError === 'invalid_grant';
  return new DomainError({
    message: expired
      ? 'The delegated Partner Center sign-in has expired or was revoked.'
      : `The delegated Partner Center sign-in failed${oauthError && /^[a-z_]{1,64}$/.test(oauthError) ? ` (${oauthError})` : ''}.`,
    nextStep: 'An administrator must renew PARTNER_CENTER_REFRESH_TOKEN (consent again with an MFA sign-in); meanwhile confirm the customer agreement in Partner Center by hand.',
    code: 'DelegatedSignInFailed',
    statusCode,
    transient: statusCode >= 500 || statusCode === 429,
  });
}
