// Two turns of one conversation running at once (a double click, a Teams retry) would work from the
// same state and one would lose (./concurrentState.ts: the later save fails with an eTag conflict).
// In one process, turns of the same conversation therefore run one after another, so neither is
// lost; different conversations still run in parallel. Across instances the eTag check decides.
export class TurnQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `turn` after every earlier turn queued under `key` has settled. */
  run<T>(key: string, turn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(turn, turn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    // Forget the key once nothing else is queued behind this turn, so the map stays small.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Conversations with a turn running or queued. */
  get size(): number {
    return this.tails.size;
  }
}
