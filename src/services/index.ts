// The cloud-facing side of the bot, as the composition root builds it: one credential per authority
// (usually one for all), the configured cloud's endpoints and scopes, and the clients the domain
// core codes against (the four, and the Azure Stack Hub stamps when AZURESTACK_STAMPS names any).
import type { Logger } from 'pino';
import type { Config } from '../config';
import { parseRegistrationId } from '../onboarding/model';
import type { CallRecord, Cloud } from '../onboarding/ports';
import type { TokenCredential } from '@azure/core-auth';
import { cloudProfile, type ServiceName } from './clouds';
import { createAppCredential, RefreshTokenCredential } from './credentials';
import { GraphDirectoryClient } from './graphClient';
import { PartnerCenterClient } from './partnerCenterClient';
import type { RetrySettings } from './pipelines';
import { RegistrationClient } from './registrationClient';
import { RoleAssignmentClient } from './roleAssignmentClient';
import { StampClient } from './stampClient';

export interface CreateCloudOptions {
  logger?: Logger;
  /** Retries of 5xx / dropped connections (a Retry-After from the service always wins). */
  retry?: RetrySettings;
  /** Per-attempt timeout of every call (default 100 s, like .NET's HttpClient). */
  timeoutInMs?: number;
  /** Initial `cloud.onCall` (the run may replace it). */
  onCall?: (call: CallRecord) => void;
}

const DEFAULT_TIMEOUT_MS = 100_000;

/** Builds the clients for config.CLOUD. Throws (plain Error) when the configuration cannot work. */
export function createCloud(config: Config, options: CreateCloudOptions = {}): Cloud {
  const profile = cloudProfile(config);
  const { auth } = profile.endpoints;
  // One credential per authority: services that share an authority share its token cache.
  const credentials = new Map<string, TokenCredential>();
  const credentialFor = (service: ServiceName): TokenCredential => {
    const host = auth[service].authorityHost;
    let credential = credentials.get(host);
    if (!credential) credentials.set(host, (credential = createAppCredential(config, profile, host)));
    return credential;
  };
  const { logger, retry = {} } = options;
  const timeoutInMs = options.timeoutInMs ?? DEFAULT_TIMEOUT_MS;
  // Late-bound: whoever sets cloud.onCall later (the run) gets every call from then on.
  const report = (call: CallRecord) => cloud.onCall?.(call);
  const common = { retry, timeoutInMs, report, logger };

  const delegatedCredential =
    config.PARTNER_CENTER_REFRESH_TOKEN && config.AZURE_TENANT_ID && config.AZURE_CLIENT_ID
      ? new RefreshTokenCredential({
          authorityHost: auth.partnerCenter.authorityHost,
          tenantId: config.AZURE_TENANT_ID,
          clientId: config.AZURE_CLIENT_ID,
          clientSecret: config.AZURE_CLIENT_SECRET,
          refreshToken: config.PARTNER_CENTER_REFRESH_TOKEN,
          retry,
        })
      : undefined;

  const cloud: Cloud = {
    name: config.CLOUD,
    simulated: config.CLOUD === 'sandbox',
    onCall: options.onCall,
    partnerCenter: new PartnerCenterClient({
      ...common,
      endpoint: profile.endpoints.partnerCenter,
      scope: auth.partnerCenter.scope,
      credential: credentialFor('partnerCenter'),
      delegatedCredential,
      agreementPage: profile.agreementPage,
    }),
    directory: new GraphDirectoryClient({
      ...common,
      endpoint: profile.endpoints.graph,
      scope: auth.graph.scope,
      credential: credentialFor('graph'),
      partnerTenantId: config.AZURE_TENANT_ID,
    }),
    registrations: new RegistrationClient({
      ...common,
      endpoint: profile.endpoints.arm,
      scope: auth.arm.scope,
      credential: credentialFor('arm'),
      allowed: config.REGISTRATIONS.map(parseRegistrationId),
      portalLink: profile.portalLink,
    }),
    roleAssignments: new RoleAssignmentClient({
      ...common,
      endpoint: profile.endpoints.roleAssignment,
      scope: auth.roleAssignment.scope,
      credential: credentialFor('roleAssignment'),
      apiVersion: config.ROLE_ASSIGNMENT_API_VERSION,
    }),
    // Each stamp's authority comes from its /metadata/endpoints: one credential per authority, as above.
    stamps:
      config.AZURESTACK_STAMPS.length > 0
        ? new StampClient({
            ...common,
            stamps: config.AZURESTACK_STAMPS,
            // Required with AZURESTACK_STAMPS (src/config.ts).
            cspAccount: config.CSP_GUEST_ACCOUNT ?? '',
            simulated: config.CLOUD === 'sandbox',
            credentialFor: (authorityHost) => {
              let credential = credentials.get(authorityHost);
              if (!credential) credentials.set(authorityHost, (credential = createAppCredential(config, profile, authorityHost)));
              return credential;
            },
          })
        : undefined,
    async signInAhead(customerTenantId) {
      // Same credential, scope, tenant and cache as the clients' own calls, so the tokens are found
      // there: the Azure SDK's bearer policy (Partner Center's pipeline, the role-assignment client)
      // asks with enableCae, which @azure/identity keeps in a token cache of its own; the Graph
      // client's authentication provider does not.
      const ahead = (service: ServiceName, options: { tenantId?: string; enableCae?: boolean }) =>
        credentialFor(service)
          .getToken(auth[service].scope, options)
          .then(
            () => undefined,
            (err: Error) => logger?.debug({ service, err: err.message }, 'signing in ahead failed; the call will sign in itself'),
          );
      if (!customerTenantId) return ahead('partnerCenter', { enableCae: true });
      await Promise.all([ahead('graph', { tenantId: customerTenantId }), ahead('roleAssignment', { tenantId: customerTenantId, enableCae: true })]);
    },
  };
  return cloud;
}

export { cloudProfile, scopeFor } from './clouds';
export type { CloudProfile, ServiceName, ServiceAuth } from './clouds';
export { toDomainError, type ServiceFailure } from './errors';
