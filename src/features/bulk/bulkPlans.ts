// Checked lists, between the check and the submit (docs/bulk.md). A check runs once per pasted list
// and may take longer than Teams waits for a click: the click answers with what it has after a
// bound, and the plan is stored when it is ready, so "Show the plan", paging and Submit work on
// any instance. The plan belongs to whoever checked it; only they may submit it.
import { randomUUID } from 'crypto';
import type { BulkRow, Person } from '../../onboarding/model';
import type { FactStore } from '../../onboarding/ports';
import { within } from '../../bot/within';
import type { BulkListRow } from '../../dialogs/bulkList';
import { checkBulkRows, type BulkCheckDependencies, type BulkProblem } from '../../dialogs/bulkPlan';

export interface StoredBulkPlan {
  planId: string;
  /** Who checked the list (Entra object id) and where: only they may submit it. */
  owner: Person;
  teamsTenantId: string;
  conversationId: string;
  checkedAt: string;
  total: number;
  ready: BulkRow[];
  problems: BulkProblem[];
  /** Set once the plan was submitted (the rows are in the request then). */
  submitted?: string;
}

type PlanOrigin = Pick<StoredBulkPlan, 'owner' | 'teamsTenantId' | 'conversationId'>;

/** A plan is kept in memory while it is checked; a failed check is forgotten and the next click starts again. */
const MAX_RUNNING = 20;

export class BulkPlans {
  private readonly running = new Map<string, Promise<StoredBulkPlan>>();

  constructor(private readonly deps: BulkCheckDependencies & { store: BulkCheckDependencies['store'] & { facts: FactStore } }) {}

  /** Starts checking a list; the plan, or undefined when it is not ready within `waitMs` (the check goes on). */
  async check(rows: readonly BulkListRow[], origin: PlanOrigin, waitMs: number): Promise<{ planId: string; plan?: StoredBulkPlan }> {
    const planId = randomUUID();
    if (this.running.size >= MAX_RUNNING) this.running.clear();
    const work = this.run(planId, rows, origin);
    this.running.set(planId, work);
    work.then(
      () => this.running.delete(planId),
      () => this.running.delete(planId),
    );
    return { planId, plan: await within(work, waitMs) };
  }

  /** The stored plan, or the running check's within `waitMs`; undefined when neither is here (yet). */
  async get(planId: string, waitMs: number): Promise<StoredBulkPlan | undefined> {
    const stored = await this.deps.store.facts.get<StoredBulkPlan>(factKey(planId));
    if (stored) return stored;
    const running = this.running.get(planId);
    return running ? within(running, waitMs) : undefined;
  }

  isChecking(planId: string): boolean {
    return this.running.has(planId);
  }

  /** Marks the plan submitted and keeps only what a late click needs (the request id). */
  async markSubmitted(plan: StoredBulkPlan, requestId: string): Promise<void> {
    await this.deps.store.facts.set(factKey(plan.planId), { ...plan, ready: [], problems: [], submitted: requestId });
  }

  private async run(planId: string, rows: readonly BulkListRow[], origin: PlanOrigin): Promise<StoredBulkPlan> {
    const checked = await checkBulkRows(rows, this.deps);
    const plan: StoredBulkPlan = { planId, ...origin, checkedAt: new Date().toISOString(), ...checked };
    await this.deps.store.facts.set(factKey(planId), plan);
    return plan;
  }
}

function factKey(planId: string): string {
  return `bulk-plan:${planId}`;
}
