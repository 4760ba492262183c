// The `status` answer in chat: the request, where it is, its steps and the end of its audit trail
// (Teams markdown; the full trail stays in the store).
import { describeState } from '../../onboarding/requests/requestLifecycle';
import type { BulkRequest, ServiceRequest } from '../../onboarding/model';
import { markdown, markdownText } from '../../cards/markdown';
import { requestTitle, stepLabel, when } from '../../cards/requestView';

/** The audit trail in chat stays readable; the full trail is in the store. */
const MAX_AUDIT_LINES = 25;

const MARK: Record<string, string> = { waiting: '▫️', running: '⏳', done: '✅', skipped: '⏭️', failed: '❌' };

export function statusText(request: ServiceRequest, trail: { at: string; actorName?: string; actor: string; action: string; detail: string }[]): string {
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
  const shown = trail.slice(-MAX_AUDIT_LINES);
  lines.push('', `**Audit trail**${trail.length > shown.length ? ` (last ${shown.length} of ${trail.length})` : ''}`);
  for (const e of shown) lines.push(`- ${when(e.at)} · ${markdown`${e.actorName ?? e.actor} · ${e.action}: ${e.detail}`}`);
  return lines.join('\n');
}

/** A bulk onboarding's rows: each row's line, company, own request id (with its own trail) and where it stands. */
function bulkRowLines(request: BulkRequest): string[] {
  const states = new Map((request.results.bulkRows ?? []).map((r) => [r.line, r]));
  const lines = ['', markdown`**Rows** (${String(request.rows.length)}; type status and a row's request id for its own trail)`];
  for (const row of request.rows) {
    const state = states.get(row.line);
    const where = state ? `${state.requestId}: ${state.status}` : 'not started';
    lines.push(`- ${markdown`line ${String(row.line)}, ${row.plan.customer.companyName}: ${where}${state?.error ? ` (${state.error})` : ''}`}`);
  }
  return lines;
}
