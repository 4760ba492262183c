// The `status` answer in chat: the request, where it is, its steps and its whole audit trail, one
// page of it per message (Teams markdown), oldest first; the last line says how to read the next page.
import { describeState } from '../../onboarding/requests/requestLifecycle';
import { IN_FLIGHT } from '../../onboarding/run/steps/bulkRows';
import type { BulkRequest, ServiceRequest } from '../../onboarding/model';
import { markdown, markdownText } from '../../cards/markdown';
import { requestTitle, stepLabel, when } from '../../cards/requestView';

/** Trail entries per page: a page stays readable and far below Teams' message size limit. */
export const AUDIT_PAGE_SIZE = 25;
/** An entry's detail is cut here in chat (a service's error text can be long); the store keeps it whole. */
const MAX_DETAIL_LENGTH = 500;

const MARK: Record<string, string> = { waiting: '▫️', running: '⏳', done: '✅', skipped: '⏭️', failed: '❌' };

export function statusText(request: ServiceRequest, trail: { at: string; actorName?: string; actor: string; action: string; detail: string }[], page = 1): string {
  const lines = [
    request.kind === 'onboard'
      ? markdown`**${request.id}**: onboard ${request.customer.companyName} (${request.customer.domain}) on ${request.registration.name}`
      : markdown`**${request.id}**: ${requestTitle(request)}`,
    markdown`Requested by ${request.requester.name} on ${when(request.createdAt)}. ${describeState(request)}`,
  ];
  if (request.kind === 'bulk') lines.push(...bulkRowLines(request));
  if (request.steps.length > 0) {
    lines.push('', '**Steps**');
    for (const s of request.steps) lines.push(`- ${MARK[s.status] ?? ''} ${stepLabel(s.name)}: ${markdownText(s.detail ?? s.status)}${s.attempts > 1 ? ` (attempt ${s.attempts})` : ''}`);
  }
  const pageCount = Math.max(1, Math.ceil(trail.length / AUDIT_PAGE_SIZE));
  const shownPage = Math.min(Math.max(1, page), pageCount);
  const first = (shownPage - 1) * AUDIT_PAGE_SIZE;
  const shown = trail.slice(first, first + AUDIT_PAGE_SIZE);
  const range = trail.length ? `entries ${first + 1}–${first + shown.length} of ${trail.length}` : 'empty';
  lines.push('', `**Audit trail** (${range}, page ${shownPage} of ${pageCount})`);
  for (const e of shown) {
    const detail = e.detail.length > MAX_DETAIL_LENGTH ? `${e.detail.slice(0, MAX_DETAIL_LENGTH - 1)}…` : e.detail;
    lines.push(`- ${when(e.at)} · ${markdown`${e.actorName ?? e.actor} · ${e.action}: ${detail}`}`);
  }
  if (shownPage < pageCount) lines.push('', `Type \`status ${request.id} ${shownPage + 1}\` for the next page.`);
  return lines.join('\n');
}

/** A bulk onboarding's rows: each row's line, company, own request id (with its own trail) and where it stands. */
function bulkRowLines(request: BulkRequest): string[] {
  const states = new Map((request.results.bulkRows ?? []).map((r) => [r.line, r]));
  const lines = ['', markdown`**Rows** (${String(request.rows.length)}; type status and a row's request id for its own trail)`];
  for (const row of request.rows) {
    const state = states.get(row.line);
    // A row in flight may be recorded as created, approved or running: the batch records only when it ends.
    const where = state ? `${state.requestId}: ${IN_FLIGHT.includes(state.status) ? 'in progress' : state.status}` : 'not started';
    lines.push(`- ${markdown`line ${String(row.line)}, ${row.plan.customer.companyName}: ${where}${state?.error ? ` (${state.error})` : ''}`}`);
  }
  return lines;
}
