// A finished bulk onboarding in words and as a results CSV (docs/bulk.md): one line per row with
// the customer, tenant id, Azure subscription, registration and the result or the error.
import type { BulkRequest } from '../onboarding/model';
import type { BulkRowResult } from '../onboarding/ports';
import { markdown } from './markdown';

export const RESULTS_CSV_COLUMNS = ['line', 'companyName', 'requestId', 'customerTenantId', 'azureSubscriptionId', 'registration', 'result', 'error'] as const;

/** The bot message limit is about 100 KB (docs/reference/teams-platform.md §TP-2): the CSV stays well under it. */
const MAX_CSV_CHARS = 60_000;

/** One sentence: how many rows were onboarded and how many were not. */
export function bulkSummaryText(request: BulkRequest, rows: readonly BulkRowResult[]): string {
  const done = rows.filter((r) => r.status === 'succeeded').length;
  const notDone = rows.length - done;
  const rest = notDone ? `, ${notDone} not (abandoned: see the error column)` : '';
  const left = request.skippedRows ? ` ${request.skippedRows} row(s) of the list were left out at submit.` : '';
  return markdown`bulk onboarding ${request.id} is done: ${String(done)} of ${String(rows.length)} customer(s) onboarded${rest}.${left}`;
}

/** The results as CSV (RFC 4180 quoting; a cell that a spreadsheet would run as a formula is prefixed with '). */
export function bulkResultsCsv(rows: readonly BulkRowResult[]): { csv: string; truncated: number } {
  const lines = [RESULTS_CSV_COLUMNS.join(',')];
  let length = lines[0].length;
  let truncated = 0;
  for (const r of [...rows].sort((a, b) => a.line - b.line)) {
    const cells = [String(r.line), r.companyName, r.requestId, r.customerTenantId ?? '', r.azureSubscriptionId ?? '', r.registrationName, r.status, r.error ?? ''];
    const line = cells.map(csvCell).join(',');
    if (length + line.length + 1 > MAX_CSV_CHARS) {
      truncated++;
      continue;
    }
    lines.push(line);
    length += line.length + 1;
  }
  return { csv: lines.join('\n'), truncated };
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The CSV in a code block: Teams shows it as typed, and a backtick in a name cannot close the block. */
export function csvBlock(csv: string): string {
  return '```\n' + csv.replace(/`/g, "'") + '\n```';
}
