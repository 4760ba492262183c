// Cloud checks behind onboarding card clicks (customer search, domain, address, entitlements,
// registrations). Teams gives an invoke about 8 s; a click waits for its checks until the turn's
// deadline and then answers with what it has ("still checking"), while the check goes on. The next
// click asking the same question joins the running check or takes the answer it left, so a slow
// Partner Center is asked once, not once per click; an answer once handed over is not reused.
import { within } from '../bot/within';

/** How long a click's cloud checks may take in all before the card answers "still checking". */
export const CARD_CHECK_BUDGET_MS = 6_000;
/** An answer nobody has seen yet waits this long for the click that asks again. */
const KEEP_ANSWER_MS = 30_000;
const MAX_CHECKS = 500;

/** The answer, or `done: false` when the check is still running at the turn's deadline. */
export type Checked<T> = { done: true; value: T } | { done: false };

interface Check {
  outcome: Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
  settledAt?: number;
}

export class CardChecks {
  private readonly checks = new Map<string, Check>();

  constructor(readonly budgetMs: number = CARD_CHECK_BUDGET_MS) {}

  /** The checks of one turn, sharing one deadline (`budgetMs` from now). */
  forTurn(): TurnChecks {
    return new TurnChecks(this, Date.now() + this.budgetMs);
  }

  /**
   * The answer to `key`: the running check's or the one it left unseen (waited for until `deadline`),
   * or a new check started with `start`. A failure is thrown like an answer, and likewise handed over once.
   */
  async answer<T>(key: string, start: () => Promise<T>, deadline: number): Promise<Checked<T>> {
    const check = this.current(key) ?? this.begin(key, start);
    const outcome = await within(check.outcome, Math.max(0, deadline - Date.now()));
    if (!outcome) return { done: false };
    // An answer is handed over once: the next question asks the cloud afresh (a domain free a minute
    // ago may be taken now). Only an answer nobody has seen yet (the click had said "still checking") is kept.
    if (this.checks.get(key) === check) this.checks.delete(key);
    if (!outcome.ok) throw outcome.error;
    return { done: true, value: outcome.value as T };
  }

  private current(key: string): Check | undefined {
    const check = this.checks.get(key);
    if (check?.settledAt !== undefined && Date.now() - check.settledAt > KEEP_ANSWER_MS) {
      this.checks.delete(key);
      return undefined;
    }
    return check;
  }

  private begin(key: string, start: () => Promise<unknown>): Check {
    if (this.checks.size >= MAX_CHECKS) this.forgetSettled();
    const check: Check = {
      outcome: start().then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    };
    void check.outcome.then(() => (check.settledAt = Date.now()));
    this.checks.set(key, check);
    return check;
  }

  private forgetSettled(): void {
    for (const [key, check] of this.checks) if (check.settledAt !== undefined) this.checks.delete(key);
    // Still full of running checks: start afresh rather than grow (they finish on their own).
    if (this.checks.size >= MAX_CHECKS) this.checks.clear();
  }
}

/** What a card step asks its checks through. */
export interface Checks {
  answer<T>(key: string, start: () => Promise<T>): Promise<Checked<T>>;
}

/** One turn's view of the checks: every check of the turn shares the turn's deadline. */
export class TurnChecks implements Checks {
  constructor(
    private readonly checks: CardChecks,
    readonly deadline: number,
  ) {}

  answer<T>(key: string, start: () => Promise<T>): Promise<Checked<T>> {
    return this.checks.answer(key, start, this.deadline);
  }
}

/** Asks the cloud every time and waits for the answer (outside a card click: nothing to bound). */
export const ASK_AND_WAIT: Checks = {
  answer: async <T>(_key: string, start: () => Promise<T>): Promise<Checked<T>> => ({ done: true, value: await start() }),
};
