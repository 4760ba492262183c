// Waiting on a condition instead of sleeping: polls until `condition` holds (a truthy value, which
// is returned) or fails with what was awaited.
export interface WaitOptions {
  timeoutMs?: number;
  /** How often to look again. Default 10 ms. */
  everyMs?: number;
  /** What is awaited, for the failure message (a function: worked out only on failure). */
  what?: string | (() => string);
}

export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, everyMs = 10, what = 'the condition' } = options;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
