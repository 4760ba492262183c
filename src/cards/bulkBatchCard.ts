// The one card of a bulk onboarding (docs/bulk.md), updated in place: for the approvers the count,
// the registrations, the customers to create, the Azure plans to buy and a few rows; once approved
// the done / running / waiting / failed counts and the rows that need an approver, each with Retry
// and Abandon. Never a message per row.
import template from './templates/bulkBatch.json';
import type { BulkRequest, BulkRowState } from '../onboarding/model';
import { bulkCounts } from '../onboarding/run/steps/bulkRows';
import { renderCard, type AdaptiveCard } from './render';
import { header, type Fact, type RequestHeader } from './requestView';

/** Rows shown on the card; the rest are in `status BAT-…` (the card stays under 28 KB). */
const MAX_ROWS_SHOWN = 8;
/** Rows shown to the approver before the decision. */
const SAMPLE_ROWS = 5;

export interface BulkBatchRow {
  line: number;
  label: string;
  detail: string;
  rowRequestId: string;
  canRetry: boolean;
  canAbandon: boolean;
}

export interface BulkBatchCardModel extends RequestHeader {
  heading: string;
  statusLine: string;
  statusColor: 'Default' | 'Good' | 'Attention' | 'Warning' | 'Accent';
  facts: Fact[];
  rowsHeading: string;
  rows: BulkBatchRow[];
  moreRows: string;
  rowCount: number;
  warnings: string;
  noApprovers: boolean;
  /** Approve / Reject (pending approval, for approvers). */
  decide: boolean;
  /** Row and batch Retry / Abandon (for approvers). */
  showButtons: boolean;
  askReason: boolean;
  batchFailed: boolean;
  notice: string;
  hint: string;
}

export interface BulkBatchView {
  simulated: boolean;
  noApprovers: boolean;
  showButtons: boolean;
  askReason?: boolean;
  notice?: string;
  warnings?: string;
}

export function bulkBatchCardModel(request: BulkRequest, view: BulkBatchView): BulkBatchCardModel {
  const base = header(request, view.simulated);
  const pending = request.status === 'pending_approval';
  const showButtons = view.showButtons && !view.noApprovers;
  const common = {
    ...base,
    rowCount: request.rows.length,
    warnings: view.warnings ?? '',
    noApprovers: view.noApprovers,
    askReason: view.askReason ?? false,
    notice: view.notice ?? '',
  };
  if (pending) {
    return {
      ...common,
      heading: `Approval needed: ${base.title}`,
      statusLine: '',
      statusColor: 'Default',
      facts: bulkPlanFacts(request),
      rowsHeading: `The first ${Math.min(SAMPLE_ROWS, request.rows.length)} of ${request.rows.length} rows`,
      rows: request.rows.slice(0, SAMPLE_ROWS).map((r) => ({
        line: r.line,
        label: `Line ${r.line}: ${r.plan.customer.companyName} (${r.plan.customer.kind === 'new' ? 'new' : 'existing'}, ${r.plan.customer.domain})`,
        detail: `${r.plan.registration.name} · ${r.plan.subscription.kind === 'azure-plan' ? 'buy an Azure plan' : `subscription ${r.plan.subscription.azureSubscriptionId}`} · ${accessWords(r.plan.access)}`,
        rowRequestId: '',
        canRetry: false,
        canAbandon: false,
      })),
      moreRows: request.rows.length > SAMPLE_ROWS ? `… and ${request.rows.length - SAMPLE_ROWS} more rows.` : '',
      decide: showButtons,
      showButtons,
      batchFailed: false,
      hint: showButtons || view.noApprovers ? '' : 'Waiting for an approver. Approvers see Approve and Reject here.',
    };
  }
  const states = request.results.bulkRows ?? [];
  const c = bulkCounts(states, request.rows.length);
  const attention = states.filter((s) => s.status === 'failed' || s.status === 'paused');
  const finished = request.status === 'succeeded';
  const facts: Fact[] = [
    { title: 'Done', value: String(c.done) },
    { title: 'Running', value: String(c.running) },
    { title: 'Waiting', value: String(c.waiting) },
    { title: 'Failed', value: String(c.failed) },
  ];
  if (c.paused) facts.push({ title: 'Waiting for the customer agreement', value: String(c.paused) });
  if (c.abandoned) facts.push({ title: 'Abandoned', value: String(c.abandoned) });
  const rowsShown = attention.slice(0, MAX_ROWS_SHOWN).map((s) => rowView(request, s));
  const closed = ['rejected', 'cancelled', 'abandoned'].includes(request.status);
  return {
    ...common,
    heading: base.title,
    statusLine: statusLine(request, c.failed),
    statusColor: finished ? 'Good' : request.status === 'failed' || c.failed ? 'Attention' : closed ? 'Warning' : 'Accent',
    facts: closed && states.length === 0 ? bulkPlanFacts(request) : facts,
    rowsHeading: 'Rows that need an approver',
    rows: rowsShown,
    moreRows: attention.length > MAX_ROWS_SHOWN ? `… and ${attention.length - MAX_ROWS_SHOWN} more: type status ${request.id}.` : '',
    decide: false,
    showButtons,
    batchFailed: request.status === 'failed',
    hint: attention.length && !showButtons ? 'Approvers can Retry or Abandon each of these rows.' : '',
  };
}

function statusLine(request: BulkRequest, failed: number): string {
  switch (request.status) {
    case 'approved':
      return 'Approved: the rows start now.';
    case 'succeeded':
      return 'Done: every row has finished. The summary and the results are in the thread.';
    case 'failed': {
      const step = request.steps.find((s) => s.status === 'failed');
      return `Stopped: ${step?.error?.message ?? 'the batch stopped.'} ${step?.error?.nextStep ?? ''}`.trim();
    }
    case 'rejected':
      return `Rejected by ${request.decision?.by.name ?? 'an approver'}: ${request.decision?.reason ?? 'no reason given'}.`;
    case 'cancelled':
      return 'Cancelled before the rows started.';
    case 'abandoned':
      return 'Abandoned: rows already started keep their own state (type status with a row id).';
    default:
      return failed ? `Running: ${failed} row(s) failed and wait for an approver.` : 'Running…';
  }
}

function rowView(request: BulkRequest, state: BulkRowState): BulkBatchRow {
  const planned = request.rows.find((r) => r.line === state.line);
  const company = planned?.plan.customer.companyName ?? '';
  const failed = state.status === 'failed';
  return {
    line: state.line,
    label: `Line ${state.line}: ${company} (${state.requestId}) ${failed ? 'failed' : 'waits for the customer agreement'}`,
    detail: state.error ?? '',
    rowRequestId: state.requestId,
    canRetry: failed,
    canAbandon: true,
  };
}

function accessWords(access: BulkRequest['rows'][number]['plan']['access']): string {
  return access.kind === 'none' ? 'no guest access' : `guest access for ${access.email} (${access.mode === 'automatic' ? 'by the bot' : 'instructions'})`;
}

/** What the approver decides on: how many rows, where, what is created and what is bought. */
export function bulkPlanFacts(request: Pick<BulkRequest, 'rows' | 'skippedRows'>): Fact[] {
  const rows = request.rows;
  const byRegistration = new Map<string, number>();
  for (const r of rows) byRegistration.set(r.plan.registration.name, (byRegistration.get(r.plan.registration.name) ?? 0) + 1);
  const created = rows.filter((r) => r.plan.customer.kind === 'new');
  const bought = rows.filter((r) => r.plan.subscription.kind === 'azure-plan');
  const names = (list: typeof rows) => list.slice(0, 5).map((r) => r.plan.customer.companyName).join(', ') + (list.length > 5 ? `, … (${list.length - 5} more)` : '');
  const facts: Fact[] = [
    { title: 'Rows', value: `${rows.length} customer(s) to onboard` },
    { title: 'Registrations', value: [...byRegistration].map(([name, n]) => `${name} (${n})`).join(', ') },
    { title: 'Customers created', value: created.length ? `${created.length}: ${names(created)}` : 'none (every customer exists)' },
    { title: 'Azure plans bought', value: bought.length ? `${bought.length}: ${names(bought)}` : 'none (existing subscriptions only)' },
  ];
  if (request.skippedRows) facts.push({ title: 'Left out', value: `${request.skippedRows} row(s) of the list were not ready and are not part of this request` });
  return facts;
}

export function renderBulkBatchCard(vm: BulkBatchCardModel): AdaptiveCard {
  return renderCard(template, vm);
}
