// Cloud profiles: where each service lives in each cloud, which authority issues its tokens, and
// how the Azure portal links to a resource. ARM_ENDPOINT / GRAPH_ENDPOINT / PARTNER_CENTER_ENDPOINT
// override a profile; token scopes always follow the endpoint actually used, because
// @azure/arm-resources v8 asks for the public-cloud scope whatever its endpoint
// (docs/reference/arm-and-azure-stack.md §ARM-1).
import type { Config, CloudName } from '../config';

export interface CloudEndpoints {
  /** Azure Resource Manager (where the Azure Stack registrations live). */
  arm: string;
  graph: string;
  partnerCenter: string;
  /** Entra authority host for @azure/identity. */
  authorityHost: string;
  /** Where the Owner role assignment is made (an Azure Stack Hub stamp, or ARM). */
  roleAssignment: string;
  /** Token scope for role assignments: the stamp's audience when configured, else the endpoint's. */
  roleAssignmentScope: string;
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
      endpoints: {
        arm,
        graph: trimTrailingSlash(required(config.GRAPH_ENDPOINT, 'GRAPH_ENDPOINT', name)),
        partnerCenter: trimTrailingSlash(required(config.PARTNER_CENTER_ENDPOINT, 'PARTNER_CENTER_ENDPOINT', name)),
        authorityHost: trimTrailingSlash(required(config.AZURE_AUTHORITY_HOST, 'AZURE_AUTHORITY_HOST', name)),
        ...roleAssignmentTarget(config, arm),
      },
      portalLink: (resourceId) => `${armOrigin}/portal/#@/resource${resourceId}`,
      agreementPage: (customerTenantId) => `${armOrigin}/partner-center/#/customers/${encodeURIComponent(customerTenantId)}/agreement`,
    };
  }
  const known = KNOWN_CLOUDS[name];
  const arm = trimTrailingSlash(config.ARM_ENDPOINT ?? known.arm);
  return {
    name,
    endpoints: {
      arm,
      graph: trimTrailingSlash(config.GRAPH_ENDPOINT ?? known.graph),
      partnerCenter: trimTrailingSlash(config.PARTNER_CENTER_ENDPOINT ?? known.partnerCenter),
      authorityHost: trimTrailingSlash(config.AZURE_AUTHORITY_HOST ?? known.authorityHost),
      ...roleAssignmentTarget(config, arm),
    },
    portalLink: (resourceId) => `${known.portal}/#@/resource${resourceId}`,
  };
}

function roleAssignmentTarget(config: Config, arm: string): Pick<CloudEndpoints, 'roleAssignment' | 'roleAssignmentScope'> {
  const roleAssignment = trimTrailingSlash(config.ROLE_ASSIGNMENT_ENDPOINT ?? arm);
  return { roleAssignment, roleAssignmentScope: scopeFor(config.ROLE_ASSIGNMENT_AUDIENCE ?? roleAssignment) };
}
