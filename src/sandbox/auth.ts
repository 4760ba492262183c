// Bearer-token checks in front of every API: the token must be ours, unexpired, and issued for
// this service (a Graph token on ARM is refused, as the real services refuse it).
import { armError, graphError, pcError, type ApiRequest, type Reply, type Service } from './http';
import { normalizeAudience, type TokenSigner } from './tokens';

const PUBLIC_AUDIENCES: Record<string, string[]> = {
  partnercenter: ['https://api.partnercenter.microsoft.com'],
  graph: ['https://graph.microsoft.com'],
  arm: ['https://management.azure.com', 'https://management.core.windows.net'],
};

/** `<endpoint>/.default` tokens, with the loopback host written any of the usual ways. */
export function audiencesFor(service: Service, port: number): string[] {
  const hosts = ['127.0.0.1', 'localhost', '[::1]'];
  const own = hosts.map((h) => `https://${h}:${port}/${service}`);
  return [...own, ...(PUBLIC_AUDIENCES[service] ?? [])].map(normalizeAudience);
}

type Failure = 'missing' | 'malformed' | 'signature' | 'expired' | 'audience' | 'tenant';

const MESSAGES: Record<Failure, string> = {
  missing: "Authentication failed. The 'Authorization' header is missing.",
  malformed: "Authentication failed. The 'Authorization' header is not a valid bearer token.",
  signature: 'The access token is invalid: its signature could not be verified.',
  expired: 'The access token has expired.',
  audience: 'The access token has been obtained for the wrong audience or resource.',
  tenant: 'The access token was issued for a tenant that has no access to this service.',
};

function failure(service: Service, origin: string, reason: Failure, detail = ''): Reply {
  const message = `${MESSAGES[reason]}${detail}`;
  if (service === 'arm' || service === 'stamp') {
    const code = {
      missing: 'AuthenticationFailed',
      malformed: 'InvalidAuthenticationToken',
      signature: 'InvalidAuthenticationToken',
      expired: 'ExpiredAuthenticationToken',
      audience: 'InvalidAuthenticationTokenAudience',
      tenant: 'InvalidAuthenticationTokenTenant',
    }[reason];
    const reply = armError(401, code, message);
    reply.headers = { 'WWW-Authenticate': `Bearer authorization_uri="${origin}/common", error="invalid_token", error_description="${MESSAGES[reason]}"` };
    return reply;
  }
  if (service === 'graph') {
    return graphError(401, 'InvalidAuthenticationToken', reason === 'missing' ? 'Access token is empty.' : `Access token validation failure. ${message}`);
  }
  const reply = pcError(401, 401, `Unauthorized: ${message}`);
  reply.headers = { 'WWW-Authenticate': 'Bearer' };
  return reply;
}

export interface AuthContext {
  origin: string;
  port: number;
  signer: TokenSigner;
  partnerTenantId: string;
  /** The token audience of a simulated stamp, by name. */
  stampAudience?(name: string): string | undefined;
}

/** Sets req.token, or returns the 401 the service gives. */
export function authenticate(ctx: AuthContext, req: ApiRequest): Reply | undefined {
  const check = ctx.signer.check(req.headers.authorization);
  if (!check.ok) return failure(req.service, ctx.origin, check.reason);
  const audience = normalizeAudience(check.claims.aud);
  if (req.service === 'stamp') {
    // A stamp's two ARMs accept its own audience (its /metadata/endpoints authentication.audiences[0]) only.
    const name = decodeURIComponent(/^\/stamps\/([^/]+)/.exec(req.path)?.[1] ?? '');
    const own = ctx.stampAudience?.(name);
    if (!own || normalizeAudience(own) !== audience) {
      return failure(req.service, ctx.origin, 'audience', ` Audience '${check.claims.aud}' is not this Azure Stack Hub's.`);
    }
  } else if (!audiencesFor(req.service, ctx.port).includes(audience)) {
    return failure(req.service, ctx.origin, 'audience', ` Audience '${check.claims.aud}' is not one of this service's.`);
  }
  // Partner Center only serves the partner itself.
  if (req.service === 'partnercenter' && check.claims.tid !== ctx.partnerTenantId) {
    return failure(req.service, ctx.origin, 'tenant', ` Tenant '${check.claims.tid}' is not a partner tenant.`);
  }
  req.token = check.claims;
  return undefined;
}
