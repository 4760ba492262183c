// One tenant's mapping(s): registration, tenant, customer, who onboarded it and when, the portal link.
import template from './templates/tenantDetail.json';
import type { ServiceRequest } from '../onboarding/model';
import type { CustomerSummary } from '../onboarding/ports';
import type { TenantRow } from '../onboarding/tenants/tenantDirectory';
import { renderCard, type AdaptiveCard } from './render';
import { when, type Fact } from './requestView';

export interface TenantMappingModel {
  registrationName: string;
  registrationId: string;
  azureSubscriptionId: string;
  resourceId: string;
  portalLink: string;
  facts: Fact[];
}

export interface TenantDetailModel {
  title: string;
  subtitle: string;
  mappings: TenantMappingModel[];
  problems: string;
  simulated: boolean;
}

export function tenantDetailModel(view: {
  customer?: CustomerSummary;
  rows: Array<{ row: TenantRow; request?: ServiceRequest; portalLink: string }>;
  problems: string;
  simulated: boolean;
}): TenantDetailModel {
  const customer = view.customer;
  return {
    title: customer ? `${customer.companyName} (${customer.domain})` : 'A tenant Partner Center no longer knows',
    subtitle: `Mapped on ${view.rows.length} registration${view.rows.length === 1 ? '' : 's'}`,
    simulated: view.simulated,
    problems: view.problems,
    mappings: view.rows.map(({ row, request, portalLink }) => ({
      registrationName: row.registration.name,
      registrationId: row.registration.resourceId,
      azureSubscriptionId: row.azureSubscriptionId,
      resourceId: row.resourceId,
      portalLink,
      facts: [
        { title: 'Registration', value: `${row.registration.name} (resource group ${row.registration.resourceGroup}, subscription ${row.registration.subscriptionId})` },
        { title: 'Customer', value: row.customer ? `${row.customer.companyName} (${row.customer.domain})` : 'Not a Partner Center customer any more' },
        { title: 'Tenant id', value: row.customerTenantId },
        { title: 'Azure subscription', value: row.azureSubscriptionId },
        { title: 'Onboarded', value: request ? onboardedBy(request) : 'Not through this bot (no request of ours mapped it)' },
      ],
    })),
  };
}

function onboardedBy(request: ServiceRequest): string {
  const approver = request.decision ? `, approved by ${request.decision.by.name}` : '';
  return `${request.id} by ${request.requester.name} on ${when(request.updatedAt)}${approver}`;
}

export function renderTenantDetailCard(vm: TenantDetailModel): AdaptiveCard {
  return renderCard(template, vm);
}
