// What re-map and removal requests look like on the shared request cards (title and facts: exactly
// what the PUT / DELETE will change, and for a re-map which mappings it overwrites) and the result
// posted when the run is done.
import template from './templates/tenantChangeResult.json';
import type { RemapRequest, RemovalRequest } from '../onboarding/model';
import { renderCard, type AdaptiveCard } from './render';
import type { Fact } from './requestView';

/** The customer a removal names: the Partner Center name when it was known, else the tenant id. */
function removedCustomer(request: RemovalRequest): string {
  return request.customerName ?? `tenant ${request.mapping.customerTenantId}`;
}

export function tenantChangeTitle(request: RemapRequest | RemovalRequest): string {
  return request.kind === 'remove'
    ? `Remove the mapping of subscription ${request.mapping.azureSubscriptionId} (${removedCustomer(request)}) from ${request.registration.name}`
    : `Map subscription ${request.azureSubscriptionId} to ${request.customer.companyName} on ${request.registration.name}`;
}

export function tenantChangeFacts(request: RemapRequest | RemovalRequest): Fact[] {
  const registration: Fact = {
    title: 'Registration',
    value: `${request.registration.name} (resource group ${request.registration.resourceGroup}, subscription ${request.registration.subscriptionId})`,
  };
  if (request.kind === 'remove') {
    const { azureSubscriptionId, customerTenantId } = request.mapping;
    return [
      registration,
      { title: 'Azure subscription', value: azureSubscriptionId },
      { title: 'Customer', value: request.customerName ?? 'Not a Partner Center customer any more' },
      { title: 'Tenant id', value: customerTenantId },
      { title: 'What changes', value: `DELETE the customer subscription ${azureSubscriptionId} from ${request.registration.name}.` },
      { title: 'Billing afterwards', value: "This tenant's Azure Stack Hub usage on this registration is billed to the registration's owner (you, the CSP) again." },
    ];
  }
  const { customer, azureSubscriptionId, previousMapping } = request;
  const customerLine = `${customer.companyName}${customer.domain ? ` (${customer.domain})` : ''}`;
  const overwrites = [
    previousMapping.customerTenantId ? `subscription ${azureSubscriptionId} now bills tenant ${previousMapping.customerTenantId}, which stops` : '',
    previousMapping.azureSubscriptionId ? `${customer.companyName} is now billed through subscription ${previousMapping.azureSubscriptionId}, which is replaced` : '',
  ].filter(Boolean);
  return [
    registration,
    { title: 'Azure subscription', value: azureSubscriptionId },
    { title: 'Customer', value: customerLine },
    { title: 'Tenant id', value: customer.customerTenantId },
    { title: 'What changes', value: `PUT the customer subscription ${azureSubscriptionId} with tenant ${customer.customerTenantId} on ${request.registration.name}.` },
    { title: 'Overwrites', value: overwrites.length ? `${overwrites.join('; ')}.` : 'Nothing: the subscription is not mapped yet and the customer has no other subscription on this registration.' },
  ];
}

/** How a finished re-map or removal reads on the request's progress card. */
export function tenantChangeOutcome(request: RemapRequest | RemovalRequest): { statusLine: string; facts: Fact[]; showPortalLink: boolean } {
  const r = request.results;
  if (request.kind === 'remove') {
    return {
      statusLine:
        r.mappingRemoval === 'already-gone'
          ? "Done: the mapping was already gone. Usage is billed to the registration's owner."
          : "Done: the mapping is removed. Usage is billed to the registration's owner again.",
      facts: [
        { title: 'Tenant id', value: request.mapping.customerTenantId },
        { title: 'Azure subscription', value: request.mapping.azureSubscriptionId },
        { title: 'Removed', value: r.mappingResourceId ?? '' },
      ],
      // A deleted resource has no portal page.
      showPortalLink: false,
    };
  }
  return {
    statusLine: 'Done: the subscription is mapped to the customer.',
    facts: [
      { title: 'Tenant id', value: r.customerTenantId ?? '' },
      { title: 'Azure subscription', value: r.azureSubscriptionId ?? '' },
      { title: 'Mapping', value: r.mappingResourceId ?? '' },
    ],
    showPortalLink: true,
  };
}

export interface TenantChangeResultModel {
  requestId: string;
  title: string;
  subtitle: string;
  facts: Fact[];
  warning: string;
  mappingResourceId: string;
  portalLink: string;
  simulated: boolean;
}

export function tenantChangeResultModel(request: RemapRequest | RemovalRequest, links: { portalLink: string; mappingResourceId: string }, simulated: boolean): TenantChangeResultModel {
  const removal = request.kind === 'remove';
  const gone = request.results.mappingRemoval === 'already-gone';
  const subscription = removal ? request.mapping.azureSubscriptionId : request.azureSubscriptionId;
  return {
    requestId: request.id,
    title: removal ? `Removed ${removedCustomer(request)} from ${request.registration.name}` : `Mapped ${request.customer.companyName} on ${request.registration.name}`,
    subtitle: removal
      ? gone
        ? `the mapping of subscription ${subscription} was already gone: nothing had to be deleted.`
        : `the mapping of subscription ${subscription} is deleted.`
      : `usage of subscription ${subscription} on ${request.registration.name} is now billed to the customer.`,
    facts: tenantChangeFacts(request).filter((f) => f.title !== 'What changes' && f.title !== 'Billing afterwards'),
    warning: removal
      ? `From now on, Azure Stack Hub usage of tenant ${request.mapping.customerTenantId} on ${request.registration.name} is billed to the registration's owner (you, the CSP), not to the customer.`
      : '',
    mappingResourceId: links.mappingResourceId,
    // A removed resource has no portal page to open.
    portalLink: removal ? '' : links.portalLink,
    simulated,
  };
}

export function renderTenantChangeResultCard(vm: TenantChangeResultModel): AdaptiveCard {
  return renderCard(template, vm);
}
