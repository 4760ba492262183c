// The reconcile report: counts, then the findings (paged), each with the button that starts its fix.
import template from './templates/reconcileReport.json';
import type { Finding, FindingKind, ReconcileReport } from '../onboarding/tenants/reconcile';
import { renderCard, type AdaptiveCard } from './render';
import type { Fact } from './requestView';

export interface ReconcileItemModel {
  label: string;
  color: 'Attention' | 'Warning' | 'Accent';
  customerName: string;
  detail: string;
  buttonTitle: string;
  verb: string;
  registrationId: string;
  azureSubscriptionId: string;
  customerTenantId: string;
}

export interface ReconcileCardModel {
  scope: string;
  scopeName: string;
  summary: string;
  counts: Fact[];
  items: ReconcileItemModel[];
  page: number;
  pageCount: number;
  total: number;
  firstItem: number;
  lastItem: number;
  problems: string;
  simulated: boolean;
}

export const RECONCILE_VERBS = { onboard: 'tenants.onboard', remove: 'tenants.remove', none: '' } as const;

const LABELS: Record<FindingKind, { label: string; color: ReconcileItemModel['color'] }> = {
  'billed-to-you': { label: 'Usage billed to you', color: 'Attention' },
  'no-usage': { label: 'Mapped but no usage in 30 days', color: 'Accent' },
  unmapped: { label: 'Not mapped', color: 'Attention' },
  'inactive-subscription': { label: 'Subscription not active', color: 'Warning' },
  'customer-gone': { label: 'Customer gone', color: 'Warning' },
  'partially-mapped': { label: 'Missing on a registration', color: 'Accent' },
};

export function reconcileCardModel(view: { scope: string; scopeName: string; report: ReconcileReport; page: number; pageSize: number; simulated: boolean }): ReconcileCardModel {
  const { report, pageSize } = view;
  const total = report.findings.length;
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, Math.floor(view.page) || 1), pageCount);
  const shown = report.findings.slice((page - 1) * pageSize, page * pageSize);
  return {
    scope: view.scope,
    scopeName: view.scopeName,
    summary: `Checked ${report.mappingsChecked} mapping(s) and ${report.customersChecked} Partner Center customer(s); compared ${report.compared.map((r) => r.name).join(', ') || 'no registrations'}.`,
    counts: [
      { title: 'Active Azure subscription, not mapped on any registration', value: String(report.counts.unmapped) },
      { title: 'Mapped, subscription no longer active', value: String(report.counts['inactive-subscription']) },
      { title: 'Mapped, customer gone from Partner Center', value: String(report.counts['customer-gone']) },
      { title: 'Mapped on one registration but not another', value: String(report.counts['partially-mapped']) },
      // Only when the stamps' usage was read (AZURESTACK_STAMPS): otherwise nobody knows.
      ...(report.usageRead
        ? [
            { title: 'Azure Stack Hub usage billed to you (a tenant the stamp’s registration does not map)', value: String(report.counts['billed-to-you']) },
            { title: 'Mapped, but no Azure Stack Hub usage in 30 days', value: String(report.counts['no-usage']) },
          ]
        : []),
    ],
    items: shown.map(itemModel),
    page,
    pageCount,
    total,
    firstItem: total === 0 ? 0 : (page - 1) * pageSize + 1,
    lastItem: (page - 1) * pageSize + shown.length,
    problems: [
      ...report.problems.map((p) => `Could not read ${p.registration.name}: ${p.message}`),
      ...(report.usageProblems ?? []).map((p) => `Could not read the Azure Stack Hub usage of ${p.registration}: ${p.message}`),
    ].join('\n\n'),
    simulated: view.simulated,
  };
}

function itemModel(f: Finding): ReconcileItemModel {
  const { label, color } = LABELS[f.kind];
  return {
    label,
    color,
    customerName: f.customer ? `${f.customer.companyName} (${f.customer.domain})` : `tenant ${f.customerTenantId}`,
    detail: f.detail,
    buttonTitle: f.action === 'onboard' ? `Onboard on ${f.registration.name}` : f.action === 'remove' ? `Remove from ${f.registration.name}` : '',
    verb: RECONCILE_VERBS[f.action],
    registrationId: f.registration.resourceId,
    azureSubscriptionId: f.azureSubscriptionId,
    customerTenantId: f.customerTenantId,
  };
}

export function renderReconcileCard(vm: ReconcileCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
