// One tenant's mapping(s): registration, tenant, customer, who onboarded it and when, the portal link.
import template from './templates/tenantDetail.json';
import type { ServiceRequest } from '../onboarding/model';
import type { CustomerSummary } from '../onboarding/ports';
import type { TenantRow } from '../onboarding/tenants/tenantDirectory';
import type { StampUsageSurvey } from '../onboarding/tenants/stampUsage';
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

/** The tenant's usage on one Azure Stack Hub stamp in the last 30 days, and who pays for it. */
export interface TenantUsageModel {
  title: string;
  billedBy: string;
  days: Fact[];
}

export interface TenantDetailModel {
  title: string;
  subtitle: string;
  mappings: TenantMappingModel[];
  usage: TenantUsageModel[];
  /** The usage could not be read, or no stamp is configured ('' when there is nothing to say). */
  usageNote: string;
  problems: string;
  simulated: boolean;
}

export function tenantDetailModel(view: {
  customer?: CustomerSummary;
  rows: Array<{ row: TenantRow; request?: ServiceRequest; portalLink: string }>;
  problems: string;
  simulated: boolean;
  usage?: { survey: StampUsageSurvey; days: number };
}): TenantDetailModel {
  const customer = view.customer;
  return {
    ...usageModel(view.usage, view.rows.map((r) => r.row)),
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

function usageModel(usage: { survey: StampUsageSurvey; days: number } | undefined, rows: TenantRow[]): Pick<TenantDetailModel, 'usage' | 'usageNote'> {
  if (!usage) return { usage: [], usageNote: '' };
  const unread = usage.survey.problems.map((p) => `Could not read the usage on ${p.registration}: ${p.message}`);
  const models = usage.survey.usage.map((u) => {
    const mapping = rows.find((r) => r.registration.name.toLowerCase() === u.registration.toLowerCase());
    return {
      title: `Usage on the Azure Stack Hub of ${u.registration}, last ${usage.days} days: ${u.total} (all meters)`,
      billedBy: mapping
        ? `Billed to the customer: ${u.registration} maps the tenant to Azure subscription ${mapping.azureSubscriptionId}.`
        : `Billed to you: the tenant is not mapped on ${u.registration}, so its usage goes to the registration's own subscription.`,
      days: u.days.map((d) => ({ title: d.day, value: String(d.quantity) })),
    };
  });
  const none = models.length === 0 && unread.length === 0 ? [`No usage on the Azure Stack Hub stamps in the last ${usage.days} days.`] : [];
  return { usage: models, usageNote: [...none, ...unread].join(' ') };
}

function onboardedBy(request: ServiceRequest): string {
  const approver = request.decision ? `, approved by ${request.decision.by.name}` : '';
  return `${request.id} by ${request.requester.name} on ${when(request.updatedAt)}${approver}`;
}

export function renderTenantDetailCard(vm: TenantDetailModel): AdaptiveCard {
  return renderCard(template, vm);
}
