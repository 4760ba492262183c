// Simulated Entra ID at the server root: OpenID discovery and the v2.0 token endpoint, enough for
// MSAL (behind @azure/identity's ClientSecretCredential) to run unmodified against it.
import { randomUUID } from 'crypto';
import type { SandboxState } from './state';
import { entraError, json, route, type ApiRequest, type Reply, type Route } from './http';
import type { TokenSigner } from './tokens';

export interface EntraContext {
  origin: string;
  state: SandboxState;
  signer: TokenSigner;
  clientSecret: string;
  delegatedRefreshToken: string;
  /** The partner admin the delegated (App+User) token stands for. */
  delegatedUser: { objectId: string; upn: string };
  tokenLifetimeSeconds: number;
  /**
   * Whether the resource (an app id URI) has a service principal in the tenant: undefined when the
   * resource is not one the simulated cloud knows to be tenant-bound (then it is always available).
   */
  resourceAvailable?(resource: string, tenantId: string): boolean | undefined;
}

const TENANT = '([^/]+)';

export function entraRoutes(ctx: EntraContext): Route[] {
  const discovery = (req: ApiRequest, [tenant]: string[]) => openIdConfiguration(ctx, tenant, req);
  return [
    route('GET', new RegExp(`^/${TENANT}/v2\\.0/\\.well-known/openid-configuration$`), discovery),
    route('GET', new RegExp(`^/${TENANT}/\\.well-known/openid-configuration$`), discovery),
    route('GET', new RegExp(`^/${TENANT}/discovery/v2\\.0/keys$`), () => json(200, ctx.signer.jwks())),
    route('GET', new RegExp(`^/${TENANT}/discovery/keys$`), () => json(200, ctx.signer.jwks())),
    route('POST', new RegExp(`^/${TENANT}/oauth2/v2\\.0/token$`), (req, [tenant]) => token(ctx, req, tenant)),
  ];
}

function knownTenant(ctx: EntraContext, tenant: string): string | undefined {
  const t = tenant.toLowerCase();
  if (t === ctx.state.partnerTenantId) return t;
  return ctx.state.directories[t] ? t : undefined;
}

function openIdConfiguration(ctx: EntraContext, tenant: string, _req: ApiRequest): Reply {
  const tid = knownTenant(ctx, tenant);
  if (!tid) return tenantNotFound(tenant);
  const base = `${ctx.origin}/${tid}`;
  return json(200, {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${base}/v2.0`,
    request_uri_parameter_supported: false,
    userinfo_endpoint: `${ctx.origin}/oidc/userinfo`,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'tid', 'oid'],
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: 'NA',
    cloud_instance_name: new URL(ctx.origin).host,
    cloud_graph_host_name: new URL(ctx.origin).host,
    msgraph_host: new URL(ctx.origin).host,
    rbac_url: `${ctx.origin}/arm`,
  });
}

function tenantNotFound(tenant: string): Reply {
  return entraError(
    400,
    'invalid_request',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
  );
}

/** `https://host/arm/.default` → `https://host/arm`; OpenID scopes MSAL may add are ignored. */
function resourceOf(scope: string): { resource: string; permission: string } | undefined {
  const wanted = scope
    .split(/\s+/)
    .filter((s) => s && !['openid', 'profile', 'offline_access', 'email'].includes(s));
  if (wanted.length === 0) return undefined;
  const m = /^(.*)\/([^/]+)$/.exec(wanted[0]);
  if (!m || !/^https?:\/\//.test(m[1])) return undefined;
  return { resource: m[1], permission: m[2] };
}

function clientSecretOf(req: ApiRequest, form: URLSearchParams): { clientId?: string; secret?: string } {
  const basic = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
  if (basic) {
    const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    return { clientId: decodeURIComponent(id), secret: decodeURIComponent(secret ?? '') };
  }
  return { clientId: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

function token(ctx: EntraContext, req: ApiRequest, tenant: string): Reply {
  const form = new URLSearchParams(req.body.toString('utf8'));
  const tid = knownTenant(ctx, tenant);
  if (!tid) return tenantNotFound(tenant);
  const { clientId, secret } = clientSecretOf(req, form);
  if (!clientId) return entraError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
  if (clientId.toLowerCase() !== ctx.state.clientId) {
    return entraError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tid}'.`,
    );
  }
  const grant = form.get('grant_type');
  if (grant === 'client_credentials') {
    if (secret !== ctx.clientSecret) {
      return entraError(401, 'invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app.');
    }
    return appToken(ctx, tid, form);
  }
  if (grant === 'refresh_token') return delegatedToken(ctx, tid, form, secret);
  return entraError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`);
}

function baseClaims(ctx: EntraContext, tid: string, aud: string) {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud,
    iss: `${ctx.origin}/${tid}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + ctx.tokenLifetimeSeconds,
    tid,
    appid: ctx.state.clientId,
    azp: ctx.state.clientId,
    ver: '2.0' as const,
    uti: randomUUID(),
  };
}

function appToken(ctx: EntraContext, tid: string, form: URLSearchParams): Reply {
  const scope = resourceOf(form.get('scope') ?? '');
  if (!scope || scope.permission !== '.default') {
    return entraError(400, 'invalid_scope', 1002012, `The provided value for scope ${form.get('scope') ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
  }
  if (ctx.resourceAvailable?.(scope.resource, tid) === false) {
    // An Azure Stack Hub's applications exist in a guest directory only after its admin registered them (consent).
    return entraError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${scope.resource} was not found in the tenant named ${tid}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }
  // The app's service principal has one object id per tenant; deriving it keeps it stable.
  const oid = `00000000-0000-4000-8000-${tid.replace(/-/g, '').slice(0, 12)}`;
  const claims = { ...baseClaims(ctx, tid, scope.resource), oid, sub: oid, idtyp: 'app', roles: [] as string[] };
  return json(200, {
    token_type: 'Bearer',
    expires_in: ctx.tokenLifetimeSeconds,
    ext_expires_in: ctx.tokenLifetimeSeconds,
    access_token: ctx.signer.sign(claims),
  });
}

function delegatedToken(ctx: EntraContext, tid: string, form: URLSearchParams, secret: string | undefined): Reply {
  if (secret !== undefined && secret !== ctx.clientSecret) {
    return entraError(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
  }
  if (form.get('refresh_token') !== ctx.delegatedRefreshToken || tid !== ctx.state.partnerTenantId) {
    return entraError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
  }
  const scope = resourceOf(form.get('scope') ?? '');
  if (!scope) return entraError(400, 'invalid_scope', 70011, 'The provided value for the input parameter \'scope\' is not valid.');
  const user = ctx.delegatedUser;
  const base = baseClaims(ctx, tid, scope.resource);
  const claims = { ...base, oid: user.objectId, sub: user.objectId, idtyp: 'user', scp: 'user_impersonation', upn: user.upn, amr: ['pwd', 'mfa'] };
  const idToken = ctx.signer.sign({ ...base, aud: ctx.state.clientId, oid: user.objectId, sub: user.objectId, preferred_username: user.upn, name: 'Partner Admin' });
  const clientInfo = Buffer.from(JSON.stringify({ uid: user.objectId, utid: tid })).toString('base64url');
  return json(200, {
    token_type: 'Bearer',
    scope: `${scope.resource}/user_impersonation`,
    expires_in: ctx.tokenLifetimeSeconds,
    ext_expires_in: ctx.tokenLifetimeSeconds,
    access_token: ctx.signer.sign(claims),
    refresh_token: ctx.delegatedRefreshToken,
    id_token: idToken,
    client_info: clientInfo,
  });
}
