// `npm run audit -- [--since <date>] [--until <date>] [--format csv|json]`: every request's audit
// trail, for auditors, read from the store the bot's own environment configures (STORE, STORE_PATH,
// the Blob settings; `.env` read as the bot reads it). Prints to stdout; reads, never writes.
// JSON: one array of requests, each with who asked, who approved, its steps (with the services'
// correlation ids), its result and its trail. CSV: a header line, then one line per trail entry.
import * as dotenv from 'dotenv';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, loadConfig } from './config';
import type { AuditEntry, ServiceRequest } from './onboarding/model';
import type { AuditLog, RequestStore } from './onboarding/ports';

export interface AuditExportOptions {
  /** Entries at or after this instant. */
  since?: Date;
  /** Entries before this instant (a date alone means up to the end of that day, UTC). */
  until?: Date;
  format: 'csv' | 'json';
}

export class AuditArgumentError extends Error {}

const USAGE = 'usage: npm run audit -- [--since <date>] [--until <date>] [--format csv|json]   (dates as 2026-11-30 or 2026-11-30T08:00:00Z)';

export function parseAuditArgs(argv: readonly string[]): AuditExportOptions {
  const options: AuditExportOptions = { format: 'json' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') throw new AuditArgumentError(USAGE);
    if (flag !== '--since' && flag !== '--until' && flag !== '--format') throw new AuditArgumentError(`Unknown argument ${flag}.\n${USAGE}`);
    if (value === undefined || value.startsWith('--')) throw new AuditArgumentError(`${flag} needs a value.\n${USAGE}`);
    i++;
    if (flag === '--format') {
      if (value !== 'csv' && value !== 'json') throw new AuditArgumentError(`--format must be csv or json, not ${value}.`);
      options.format = value;
    } else {
      options[flag === '--since' ? 'since' : 'until'] = parseInstant(flag, value);
    }
  }
  if (options.since && options.until && options.since >= options.until) throw new AuditArgumentError('--since must be before --until.');
  return options;
}

/** A day (`2026-11-30`, UTC) or an ISO instant with its zone; `--until` with a day covers that whole day. */
function parseInstant(flag: string, value: string): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const instant = day || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(day ? `${value}T00:00:00Z` : value) : undefined;
  if (!instant || Number.isNaN(instant.getTime())) throw new AuditArgumentError(`${flag} must be a date such as 2026-11-30 or 2026-11-30T08:00:00Z, not ${value}.`);
  if (day && flag === '--until') instant.setUTCDate(instant.getUTCDate() + 1);
  return instant;
}

/** One Partner Center, ARM or Graph call a step made, as the run recorded it. */
export interface StepCall {
  operation: string;
  statusCode?: number;
  correlationId?: string;
  requestId?: string;
}

export interface AuditedRequest {
  id: string;
  kind: string;
  status: string;
  createdAt: string;
  requestedBy: { name: string; aadObjectId: string };
  approvedBy: Array<{ name: string; aadObjectId: string; at: string }>;
  rejectedBy?: { name: string; aadObjectId: string; at: string; reason?: string };
  /** Each step with every cloud call it made (from the trail's `data.calls`) and, when it failed, the failure's code and ids. */
  steps: Array<{ name: string; status: string; detail?: string; code?: string; correlationId?: string; requestId?: string; calls: StepCall[] }>;
  result: Record<string, unknown>;
  trail: AuditEntry[];
}

/** Every request with at least one trail entry in the window, oldest first, its trail cut to the window. */
export async function collectAudit(store: { requests: RequestStore; audit: AuditLog }, options: Omit<AuditExportOptions, 'format'>): Promise<AuditedRequest[]> {
  const inWindow = (e: AuditEntry) => (!options.since || Date.parse(e.at) >= options.since.getTime()) && (!options.until || Date.parse(e.at) < options.until.getTime());
  const requests = (await store.requests.list()).map((v) => v.value).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  const out: AuditedRequest[] = [];
  for (const request of requests) {
    const trail = (await store.audit.list(request.id)).filter(inWindow);
    if (trail.length > 0) out.push(audited(request, trail, callsByStep(await store.audit.list(request.id))));
  }
  return out;
}

/** The calls each step made, in order, from the whole trail (the window cuts the trail, not a step's calls). */
function callsByStep(trail: AuditEntry[]): Map<string, StepCall[]> {
  const byStep = new Map<string, StepCall[]>();
  for (const e of trail) {
    if (typeof e.data?.step !== 'string' || typeof e.data.calls !== 'string') continue;
    try {
      byStep.set(e.data.step, [...(byStep.get(e.data.step) ?? []), ...(JSON.parse(e.data.calls) as StepCall[])]);
    } catch {
      // A line the run did not write; the trail still shows it as it is.
    }
  }
  return byStep;
}

function audited(r: ServiceRequest, trail: AuditEntry[], calls: Map<string, StepCall[]>): AuditedRequest {
  const person = (p: { name: string; aadObjectId: string }) => ({ name: p.name, aadObjectId: p.aadObjectId });
  const votes = r.approvals?.length ? r.approvals : r.decision?.outcome === 'approved' ? [{ by: r.decision.by, at: r.decision.at }] : [];
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    createdAt: r.createdAt,
    requestedBy: person(r.requester),
    approvedBy: votes.map((v) => ({ ...person(v.by), at: v.at })),
    rejectedBy: r.decision?.outcome === 'rejected' ? { ...person(r.decision.by), at: r.decision.at, reason: r.decision.reason } : undefined,
    steps: r.steps.map((s) => ({
      name: s.name,
      status: s.status,
      detail: s.detail,
      code: s.error?.code,
      correlationId: s.error?.correlationId,
      requestId: s.error?.requestId,
      calls: calls.get(s.name) ?? [],
    })),
    result: { status: r.status, ...r.results },
    trail,
  };
}

const CSV_COLUMNS = ['requestId', 'kind', 'requestStatus', 'requestedBy', 'approvedBy', 'at', 'actor', 'actorName', 'action', 'detail', 'correlationId', 'serviceRequestId', 'statusCode', 'data'];

export function formatAudit(requests: AuditedRequest[], format: 'csv' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(requests, null, 2)}\n`;
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of requests) {
    for (const e of r.trail) {
      const data = e.data ?? {};
      lines.push(
        [
          r.id,
          r.kind,
          r.status,
          r.requestedBy.name,
          r.approvedBy.map((a) => a.name).join('; '),
          e.at,
          e.actor,
          e.actorName ?? '',
          e.action,
          e.detail,
          String(data.correlationId ?? ''),
          String(data.requestId ?? ''),
          String(data.statusCode ?? ''),
          Object.keys(data).length ? JSON.stringify(data) : '',
        ]
          .map(csvField)
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * RFC 4180 quoting; a field a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first: names and
 * company names are typed by people) is prefixed with `'`.
 */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export async function main(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let options: AuditExportOptions;
  try {
    options = parseAuditArgs(argv);
  } catch (e) {
    if (!(e instanceof AuditArgumentError)) throw e;
    process.stderr.write(`${e.message}\n`);
    return 2;
  }
  dotenv.config({ quiet: true, processEnv: env as Record<string, string> });
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write('The audit export reads the bot\'s own configuration. Fix these environment variables (or .env):\n');
    for (const problem of err.problems) process.stderr.write(`  ${problem}\n`);
    return 1;
  }
  if (config.STORE === 'sqlite' && !fs.existsSync(config.STORE_PATH)) {
    // Opening it would create an empty store: say where we looked instead.
    process.stderr.write(`There is no store at ${path.resolve(config.STORE_PATH)} (STORE_PATH). Run the export where the bot runs, with its environment.\n`);
    return 1;
  }
  const { openStore } = await import('./store');
  const store = await openStore(config);
  try {
    const requests = await collectAudit(store, options);
    await new Promise<void>((resolve, reject) => out.write(formatAudit(requests, options.format), (e) => (e ? reject(e) : resolve())));
    return 0;
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`The audit export failed: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
