// Cloud profiles: where each service lives in each cloud, which authority issues its tokens and for
// which scope, and how the Azure portal links to a resource. Each service (Partner Center, Graph,
// ARM, the role-assignment endpoint) has its own endpoint, authority and scope: `<SERVICE>_ENDPOINT`,
// `<SERVICE>_AUTHORITY_HOST` and `<SERVICE>_SCOPE` (ROLE_ASSIGNMENT_AUDIENCE for the role
// assignment) override the cloud's defaults. An unset scope follows the endpoint actually used,
// because @azure/arm-resources v8 asks for the public-cloud scope whatever its endpoint
// (docs/reference/arm-and-azure-stack.md §ARM-1). Where the reference is silent (the token resource
// of Partner Center operated by 21Vianet and of Partner Center for US Government), the default is
// the endpoint's own `.default` scope on the cloud's authority: docs/reference/identity-and-clouds.md §ID-3.
import type { Config, CloudName } from '../config';

/** The services the bot calls, each with its own authority and scope. */
export type ServiceName = 'partnerCenter' | 'graph' | 'arm' | 'roleAssignment';

export interface ServiceAuth {
  /** The Entra authority host that issues this service's tokens. */
  authorityHost: string;
  /** The app-only token scope (`<resource>/.default`). */
  scope: string;
}

export interface CloudEndpoints {
  /** Azure Resource Manager (where the Azure Stack registrations live). */
  arm: string;
  graph: string;
  partnerCenter: string;
  /** The cloud's Entra authority host for @azure/identity (each service's default). */
  authorityHost: string;
  /** Where the Owner role assignment is made (an Azure Stack Hub stamp, or ARM). */
  roleAssignment: string;
  /** Token scope for role assignments: the stamp's audience when configured, else the endpoint's (= auth.roleAssignment.scope). */
  roleAssignmentScope: string;
  /** Per service: the authority that issues its tokens and the scope asked for. */
  auth: Record<ServiceName, ServiceAuth>;
}

export interface CloudProfile {
  name: CloudName;
  endpoints: CloudEndpoints;
  /** Azure portal link to a resource id (`/subscriptions/…`). */
  portalLink(resourceId: string): string;
  /** Where an operator confirms a customer's agreement by hand; only the simulated Partner Center has such a page. */
  agreementPage?(customerTenantId: string): string;
}

interface KnownCloud {
  arm: string;
  graph: string;
  partnerCenter: string;
  authorityHost: string;
  portal: string;
}

const KNOWN_CLOUDS: Record<Exclude<CloudName, 'sandbox'>, KnownCloud> = {
  AzureCloud: {
    arm: 'https://management.azure.com',
    graph: 'https://graph.microsoft.com',
    partnerCenter: 'https://api.partnercenter.microsoft.com',
    authorityHost: 'https://login.microsoftonline.com',
    portal: 'https://portal.azure.com',
  },
  AzureChinaCloud: {
    arm: 'https://management.chinacloudapi.cn',
    graph: 'https://microsoftgraph.chinacloudapi.cn',
    // Partner Center operated by 21Vianet (docs/reference/identity-and-clouds.md §ID-3).
    partnerCenter: 'https://partner.partnercenterapi.microsoftonline.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    portal: 'https://portal.azure.cn',
  },
  AzureUSGovernment: {
    arm: 'https://management.usgovcloudapi.net',
    graph: 'https://graph.microsoft.us',
    // US Government uses the public Partner Center host (docs/reference/partner-center.md §PC-12).
    partnerCenter: 'https://api.partnercenter.microsoft.com',
    authorityHost: 'https://login.microsoftonline.us',
    portal: 'https://portal.azure.us',
  },
};

/** `https://host/path/` → `https://host/path` (so joining a path never makes `//`). */
export function trimTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The `.default` scope of the resource served at `endpoint`: `<endpoint>/.default`. */
export function scopeFor(endpoint: string): string {
  return `${trimTrailingSlash(endpoint)}/.default`;
}

/** Joins an endpoint (which may carry a path, e.g. `/partnercenter`) and a path without doubling slashes. */
export function joinUrl(endpoint: string, path: string): string {
  return `${trimTrailingSlash(endpoint)}/${path.replace(/^\/+/, '')}`;
}

export class CloudConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloudConfigError';
  }
}

function required(value: string | undefined, variable: string, cloud: CloudName): string {
  if (!value) throw new CloudConfigError(`${variable} is required with CLOUD=${cloud} (start the simulated cloud: it sets it)`);
  return value;
}

/** The endpoints and portal of the configured cloud, with the *_ENDPOINT overrides applied. */
export function cloudProfile(config: Config): CloudProfile {
  const name = config.CLOUD;
  if (name === 'sandbox') {
    const arm = trimTrailingSlash(required(config.ARM_ENDPOINT, 'ARM_ENDPOINT', name));
    const armOrigin = new URL(arm).origin;
    return {
      name,
      endpoints: withAuth(config, {
        arm,
        graph: trimTrailingSlash(required(config.GRAPH_ENDPOINT, 'GRAPH_ENDPOINT', name)),
        partnerCenter: trimTrailingSlash(required(config.PARTNER_CENTER_ENDPOINT, 'PARTNER_CENTER_ENDPOINT', name)),
        authorityHost: trimTrailingSlash(required(config.AZURE_AUTHORITY_HOST, 'AZURE_AUTHORITY_HOST', name)),
        ...roleAssignmentTarget(config, arm),
      }),
      portalLink: (resourceId) => `${armOrigin}/portal/#@/resource${resourceId}`,
      agreementPage: (customerTenantId) => `${armOrigin}/partner-center/#/customers/${encodeURIComponent(customerTenantId)}/agreement`,
    };
  }
  const known = KNOWN_CLOUDS[name];
  const arm = trimTrailingSlash(config.ARM_ENDPOINT ?? known.arm);
  return {
    name,
    endpoints: withAuth(config, {
      arm,
      graph: trimTrailingSlash(config.GRAPH_ENDPOINT ?? known.graph),
      partnerCenter: trimTrailingSlash(config.PARTNER_CENTER_ENDPOINT ?? known.partnerCenter),
      authorityHost: trimTrailingSlash(config.AZURE_AUTHORITY_HOST ?? known.authorityHost),
      ...roleAssignmentTarget(config, arm),
    }),
    portalLink: (resourceId) => `${known.portal}/#@/resource${resourceId}`,
  };
}

/** Each service's authority (default: the cloud's) and scope (default: its endpoint's `.default`). */
function withAuth(config: Config, endpoints: Omit<CloudEndpoints, 'auth'>): CloudEndpoints {
  const authority = (override: string | undefined) => trimTrailingSlash(override ?? endpoints.authorityHost);
  return {
    ...endpoints,
    auth: {
      partnerCenter: { authorityHost: authority(config.PARTNER_CENTER_AUTHORITY_HOST), scope: config.PARTNER_CENTER_SCOPE ?? scopeFor(endpoints.partnerCenter) },
      graph: { authorityHost: authority(config.GRAPH_AUTHORITY_HOST), scope: config.GRAPH_SCOPE ?? scopeFor(endpoints.graph) },
      arm: { authorityHost: authority(config.ARM_AUTHORITY_HOST), scope: config.ARM_SCOPE ?? scopeFor(endpoints.arm) },
      roleAssignment: { authorityHost: authority(config.ROLE_ASSIGNMENT_AUTHORITY_HOST), scope: endpoints.roleAssignmentScope },
    },
  };
}

function roleAssignmentTarget(config: Config, arm: string): Pick<CloudEndpoints, 'roleAssignment' | 'roleAssignmentScope'> {
  const roleAssignment = trimTrailingSlash(config.ROLE_ASSIGNMENT_ENDPOINT ?? arm);
  return { roleAssignment, roleAssignmentScope: scopeFor(config.ROLE_ASSIGNMENT_AUDIENCE ?? roleAssignment) };
}
