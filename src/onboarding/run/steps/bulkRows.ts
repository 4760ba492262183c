// A bulk onboarding's rows (docs/bulk.md): each ready row becomes an ordinary onboarding request,
// approved with the batch, and runs like any other (durable, leased, resumed by another instance).
// At most BULK_CONCURRENCY rows are in flight at a time: the next row is started only when one
// finishes, fails or pauses. A row's id is recorded in the batch before the row is created, so a
// crash between the two finds and creates that same row, never a second one.
import { ConcurrencyError } from '../../ports';
import type { BulkRequest, BulkRowState, OnboardingRequest, RequestStatus, ServiceRequest } from '../../model';
import { newRequestId } from '../../requests/requestIds';
import { requestOf, type StepContext, type StepOutcome } from './step';

/** How often the batch looks at its rows when none told it (a row running on another instance). */
const BULK_LOOK_AGAIN_MS = 2_000;
/** A row in these states holds one of the BULK_CONCURRENCY places. */
export const IN_FLIGHT: readonly BulkRowState['status'][] = ['not-started', 'approved', 'running'];
/** A row in these states is finished for good; the batch ends when every row is. */
const SETTLED: readonly BulkRowState['status'][] = ['succeeded', 'abandoned', 'cancelled', 'rejected'];

export async function runBulkRows(ctx: StepContext): Promise<StepOutcome> {
  const batch = requestOf(ctx, 'bulk');
  const store = ctx.store;
  if (!store) throw new Error(`The runner gave the bulk onboarding ${batch.id} no request store.`);
  const limit = Math.max(1, ctx.bulkConcurrency ?? 4);
  const before = batch.results.bulkRows ?? [];
  let rows: BulkRowState[] = [];
  for (const row of before) rows.push(await observe(ctx, batch, row));
  const inFlight = rows.filter((r) => IN_FLIGHT.includes(r.status)).length;
  const fresh: BulkRowState[] = [];
  /** The rows as the stored batch has them. */
  let written = before;
  for (const planned of batch.rows) {
    if (inFlight + fresh.length >= limit) break;
    if (rows.some((r) => r.line === planned.line)) continue;
    fresh.push({ line: planned.line, requestId: newRequestId('onboard'), status: 'not-started' });
  }
  if (fresh.length > 0 && !ctx.signal.aborted) {
    // Recorded first, every new row in one write of the batch: a crash before a row's create finds its id and creates the row then.
    rows = [...rows, ...fresh];
    await ctx.record({ bulkRows: rows });
    written = rows;
    // Created side by side: each is its own request, recorded above, and a row's create is safe to
    // repeat. One after another, 40 rows took a few hundred ms to start (three store writes each), and
    // they reached the services spread over that time instead of together.
    const started = await Promise.all(fresh.map((row) => (ctx.signal.aborted ? row : observe(ctx, requestOf(ctx, 'bulk'), row))));
    rows = rows.map((r) => started.find((s) => s.line === r.line) ?? r);
  }
  const changed = recorded(rows) !== recorded(written);
  if (changed) await ctx.record({ bulkRows: rows });
  if (rows.length === batch.rows.length && rows.every((r) => SETTLED.includes(r.status))) {
    return { status: 'done', detail: countsText(rows, batch.rows.length) };
  }
  // A row that stops on this instance wakes the batch at once (the runner's sleepers); this bounds the wait otherwise.
  // Rows in flight have their own POLL_TIMEOUT_MINUTES: the batch itself times out only while it waits on people (failed or paused rows).
  const moving = changed || rows.some((r) => IN_FLIGHT.includes(r.status));
  return { status: 'poll', detail: countsText(rows, batch.rows.length), progress: moving, retryAfterMs: BULK_LOOK_AGAIN_MS };
}

/**
 * What of the rows is worth a write of the batch: which rows it started, and which of them ended,
 * failed or paused. A row going from created to approved to running is not: the batch reads every
 * row in flight again at each look, and the card counts them all as running. (The batch carries every
 * row's plan, about 1 KB a row: rewriting it for each of those steps cost more than the rows' own writes.)
 */
function recorded(rows: readonly BulkRowState[]): string {
  return JSON.stringify(rows.map((r) => [r.line, r.requestId, IN_FLIGHT.includes(r.status) ? 'in-flight' : r.status, r.error ?? '']));
}

/** The row as its request stands now; a row recorded but never created (a crash in between) is created here. */
async function observe(ctx: StepContext, batch: BulkRequest, row: BulkRowState): Promise<BulkRowState> {
  if (SETTLED.includes(row.status)) return row;
  const store = ctx.store!;
  let stored = (await store.requests.get(row.requestId))?.value;
  if (stored && !isRowOf(stored, batch, row.line)) {
    // The recorded id was taken by another request before this row was created: draw again.
    const fresh = { ...row, requestId: newRequestId('onboard', 5) };
    await ctx.record({ bulkRows: (requestOf(ctx, 'bulk').results.bulkRows ?? []).map((r) => (r.line === row.line ? fresh : r)) });
    return observe(ctx, requestOf(ctx, 'bulk'), fresh);
  }
  if (!stored) stored = await createRow(ctx, batch, row);
  if (!stored) return row;
  return { line: row.line, requestId: row.requestId, status: stored.status, ...(failureOf(stored) ? { error: failureOf(stored) } : {}) };
}

function isRowOf(request: ServiceRequest, batch: BulkRequest, line: number): boolean {
  return request.kind === 'onboard' && request.batch?.id === batch.id && request.batch.line === line;
}

/** The row's onboarding request, approved with the batch, and its run started. */
async function createRow(ctx: StepContext, batch: BulkRequest, row: BulkRowState): Promise<OnboardingRequest | undefined> {
  const planned = batch.rows.find((r) => r.line === row.line);
  if (!planned) return undefined;
  const at = ctx.now().toISOString();
  const cards = [batch.approvalCard, ...(batch.approvalCopies ?? [])].filter((c): c is NonNullable<typeof c> => Boolean(c));
  const request: OnboardingRequest = {
    ...planned.plan,
    id: row.requestId,
    status: 'approved',
    teamsTenantId: batch.teamsTenantId,
    requester: batch.requester,
    conversationId: batch.conversationId,
    decision: batch.decision,
    batch: { id: batch.id, line: row.line, cards },
    steps: [],
    results: {},
    createdAt: at,
    updatedAt: at,
  };
  try {
    await ctx.store!.requests.create(request);
  } catch (e) {
    if (!(e instanceof ConcurrencyError)) throw e;
    // Created a moment ago by this same row (a replayed create): that is the row.
    const stored = (await ctx.store!.requests.get(row.requestId))?.value;
    return stored && isRowOf(stored, batch, row.line) ? (stored as OnboardingRequest) : undefined;
  }
  const who = batch.decision ? `approved by ${batch.decision.by.name} with ${batch.id}` : `approved with ${batch.id}`;
  await ctx.store!.audit.append({
    requestId: request.id,
    at,
    actor: batch.requester.aadObjectId,
    actorName: batch.requester.name,
    action: 'submitted',
    detail: `Onboarding of ${request.customer.companyName} (${request.customer.kind} customer) onto ${request.registration.name}: line ${row.line} of bulk onboarding ${batch.id}, ${who}.`,
  });
  await ctx.audit('row-started', `Line ${row.line} (${request.customer.companyName}) started as ${request.id}.`, { rowRequestId: request.id, line: row.line });
  ctx.startRun?.(request.id);
  return request;
}

/** A failed or abandoned row's failure, in plain words. */
function failureOf(request: ServiceRequest): string | undefined {
  const failed = request.steps.find((s) => s.status === 'failed' || s.error);
  if (failed?.error) return `${failed.error.message} ${failed.error.nextStep}`.trim();
  if (request.status === 'paused') return request.steps.find((s) => s.status === 'waiting' && s.detail)?.detail;
  return undefined;
}

export interface BulkCounts {
  done: number;
  running: number;
  waiting: number;
  failed: number;
  abandoned: number;
  paused: number;
}

/** done / running / waiting / failed, from the rows the batch has seen (rows not started yet are waiting). */
export function bulkCounts(rows: readonly BulkRowState[], total: number): BulkCounts {
  const count = (...statuses: Array<RequestStatus | 'not-started'>) => rows.filter((r) => statuses.includes(r.status)).length;
  const started = rows.length;
  return {
    done: count('succeeded'),
    running: count('approved', 'running', 'not-started'),
    waiting: total - started,
    failed: count('failed'),
    abandoned: count('abandoned', 'cancelled', 'rejected'),
    paused: count('paused'),
  };
}

function countsText(rows: readonly BulkRowState[], total: number): string {
  const c = bulkCounts(rows, total);
  const parts = [`${c.done} of ${total} done`, `${c.running} running`, `${c.waiting} waiting`, `${c.failed} failed`];
  if (c.paused) parts.push(`${c.paused} waiting for the customer agreement`);
  if (c.abandoned) parts.push(`${c.abandoned} abandoned`);
  return `${parts.join(', ')}.`;
}
