// The paged list of tenant mappings with its search box, and the registration chooser before it.
import listTemplate from './templates/tenantList.json';
import chooserTemplate from './templates/tenantRegistrationChooser.json';
import type { RegistrationRef } from '../onboarding/model';
import type { TenantPage, TenantRow } from '../onboarding/tenants/tenantDirectory';
import { renderCard, type AdaptiveCard } from './render';

export interface TenantRowModel {
  customerName: string;
  domain: string;
  customerTenantId: string;
  azureSubscriptionId: string;
  registrationName: string;
}

export interface TenantListModel {
  /** What the buttons send back: a registration resource id, or `all`. */
  scope: string;
  scopeName: string;
  summary: string;
  search: string;
  page: number;
  pageCount: number;
  rows: TenantRowModel[];
  showRegistration: boolean;
  emptyText: string;
  /** Registrations that could not be read (the others are listed). */
  problems: string;
  simulated: boolean;
}

export function tenantListModel(view: {
  scope: string;
  scopeName: string;
  search: string;
  page: TenantPage;
  showRegistration: boolean;
  problems: string;
  simulated: boolean;
}): TenantListModel {
  const { page, search } = view;
  const matchLine = search ? `${page.matching.toLocaleString('en-US')} of ${page.total.toLocaleString('en-US')} match "${search}"` : `${page.total.toLocaleString('en-US')} mapped`;
  return {
    scope: view.scope,
    scopeName: view.scopeName,
    summary: `${matchLine} · page ${page.page} of ${page.pageCount}`,
    search,
    page: page.page,
    pageCount: page.pageCount,
    rows: page.rows.map(rowModel),
    showRegistration: view.showRegistration,
    emptyText:
      page.total === 0
        ? 'No tenants are mapped here yet: usage on this registration is billed to its owner. Type onboard to map a customer.'
        : `Nothing matches "${search}". Clear the search box and click Search to see every tenant.`,
    problems: view.problems,
    simulated: view.simulated,
  };
}

function rowModel(row: TenantRow): TenantRowModel {
  return {
    customerName: row.customer?.companyName ?? 'Not a Partner Center customer any more',
    domain: row.customer?.domain || '(no domain known)',
    customerTenantId: row.customerTenantId,
    azureSubscriptionId: row.azureSubscriptionId,
    registrationName: row.registration.name,
  };
}

export function renderTenantListCard(vm: TenantListModel): AdaptiveCard {
  return renderCard(listTemplate, vm);
}

export interface RegistrationChooserModel {
  title: string;
  text: string;
  /** The verb each choice sends (`tenants.page`, `tenants.reconcile`). */
  verb: string;
  registrations: Array<Pick<RegistrationRef, 'name' | 'resourceGroup' | 'subscriptionId' | 'resourceId'>>;
}

export function renderRegistrationChooserCard(vm: RegistrationChooserModel): AdaptiveCard {
  return renderCard(chooserTemplate, vm);
}
