// The reconcile reports of the last few minutes, one per scope (a registration or `all`): paging a
// report reuses it, "Check again" starts a new one, and a check already running is joined, never
// started twice. A button waits only as long as Teams lets an invoke wait; the check goes on.
import type { RegistrationRef } from '../../onboarding/model';
import type { Cloud } from '../../onboarding/ports';
import { reconcile, type ReconcileReport } from '../../onboarding/tenants/reconcile';
import type { TenantDirectory } from '../../onboarding/tenants/tenantDirectory';
import { within } from '../../bot/within';

/** A reconcile report is reused for paging this long; "Check again" always looks afresh. */
const REPORT_TTL_MS = 5 * 60_000;
const MAX_CACHED_REPORTS = 50;

interface ReportEntry {
  report: Promise<ReconcileReport>;
  settled: boolean;
  expires: number;
}

export class ReconcileReports {
  private readonly reports = new Map<string, ReportEntry>();

  constructor(private readonly deps: { cloud: Pick<Cloud, 'registrations' | 'partnerCenter' | 'stamps'>; directory: TenantDirectory }) {}

  /**
   * The report of a scope: the cached one, or a new check when there is none, it expired, or
   * `fresh` is asked for. Undefined if it is not ready within `waitMs`.
   */
  async report(scopeKey: string, scope: RegistrationRef[], options: { fresh: boolean; waitMs: number }): Promise<ReconcileReport | undefined> {
    const key = scopeKey.toLowerCase();
    let entry = this.reports.get(key);
    const stale = !entry || (entry.settled && (options.fresh || entry.expires <= Date.now()));
    if (!entry || stale) entry = this.startCheck(key, scope);
    return within(entry.report, options.waitMs);
  }

  private startCheck(key: string, scope: RegistrationRef[]): ReportEntry {
    if (this.reports.size >= MAX_CACHED_REPORTS) this.reports.clear();
    const report = reconcile({ cloud: this.deps.cloud, directory: this.deps.directory }, scope);
    const entry: ReportEntry = { report, settled: false, expires: Number.POSITIVE_INFINITY };
    report.then(
      () => Object.assign(entry, { settled: true, expires: Date.now() + REPORT_TTL_MS }),
      // A failed check is not kept: the next click starts again.
      () => this.reports.get(key) === entry && this.reports.delete(key),
    );
    this.reports.set(key, entry);
    return entry;
  }
}
