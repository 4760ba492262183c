// Answering in time: Teams waits about 15 s for an invoke, so a card click that needs slow work
// answers with what it has after a bound, and the work goes on.

/** The promise's value, or undefined if it takes longer than `ms` (the work goes on; `Infinity` waits). */
export async function within<T>(promise: Promise<T | undefined>, ms: number): Promise<T | undefined> {
  if (!Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
