// Usage on the Azure Stack Hub stamps per customer directory, from the provider usage API (AZ-8):
// the stamp's user subscriptions say which directory each belongs to, the usage records say how
// much each used per day. Read-only; what bills it is the registration's mapping, not this.
import type { Guid } from '../model';
import type { AzureStackStamps, CallOptions } from '../ports';
import { DomainError } from '../errors';

/** One directory's usage on one stamp. */
export interface TenantStampUsage {
  /** The stamp (= the registration it reports to). */
  registration: string;
  tenantId: Guid;
  subscriptionIds: Guid[];
  /** Summed quantities of every meter, per UTC day (YYYY-MM-DD), oldest first; days without usage are left out. */
  days: Array<{ day: string; quantity: number }>;
  total: number;
}

export interface StampUsageSurvey {
  usage: TenantStampUsage[];
  /** Stamps that could not be read, with why. */
  problems: Array<{ registration: string; message: string }>;
}

export const USAGE_DAYS = 30;

/** Every directory's usage on every configured stamp (or only `tenantId`'s) in the last `days` complete days. */
export async function surveyStampUsage(stamps: AzureStackStamps, query: { tenantId?: Guid; days?: number } = {}, options?: CallOptions): Promise<StampUsageSurvey> {
  const days = query.days ?? USAGE_DAYS;
  const usage: TenantStampUsage[] = [];
  const problems: StampUsageSurvey['problems'] = [];
  for (const registration of stamps.registrations) {
    try {
      const subscriptions = await stamps.listSubscriptions(registration, options);
      const tenantOf = new Map(subscriptions.filter((s) => s.tenantId).map((s) => [s.subscriptionId, s.tenantId as Guid]));
      const wanted = query.tenantId?.toLowerCase();
      const theirs = wanted ? [...tenantOf.entries()].filter(([, t]) => t === wanted).map(([s]) => s) : undefined;
      if (theirs && theirs.length === 0) continue;
      // One subscriber: ask for it alone; everyone: one call.
      const records = theirs
        ? (await Promise.all(theirs.map((subscriberId) => stamps.usage(registration, { days, subscriberId }, options)))).flat()
        : await stamps.usage(registration, { days }, options);
      const byTenant = new Map<Guid, { subs: Set<Guid>; days: Map<string, number> }>();
      for (const r of records) {
        const tenant = tenantOf.get(r.subscriptionId);
        if (!tenant) continue; // a deleted subscription's directory is not known any more
        const entry = byTenant.get(tenant) ?? { subs: new Set<Guid>(), days: new Map<string, number>() };
        entry.subs.add(r.subscriptionId);
        entry.days.set(r.day, (entry.days.get(r.day) ?? 0) + r.quantity);
        byTenant.set(tenant, entry);
      }
      for (const [tenantId, entry] of byTenant) {
        const list = [...entry.days.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, quantity]) => ({ day, quantity: round(quantity) }));
        usage.push({ registration, tenantId, subscriptionIds: [...entry.subs], days: list, total: round(list.reduce((sum, d) => sum + d.quantity, 0)) });
      }
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      problems.push({ registration, message: `${e.message} ${e.nextStep}` });
    }
  }
  return { usage, problems };
}

const round = (n: number) => Math.round(n * 1000) / 1000;
