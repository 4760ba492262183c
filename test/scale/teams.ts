// Load helpers of the scale tests. Activities come from test/support/activities.ts, the people
// from test/support/people.ts, posting to a bot from test/support/botDriver.ts.
export { postActivity, type PostResult } from '../support/botDriver';

/** Runs `work` over `items` with at most `limit` at once (a closed loop, like a busy channel). */
export async function inBatches<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

