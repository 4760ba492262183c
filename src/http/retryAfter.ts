// Retry-After (RFC 9110 §10.2.3), the one reading of it: the bot's connector policy, and the
// service clients that hand it to the run's backoff through DomainError.retryAfterMs.

/** Retry-After as delay-seconds or an HTTP date → milliseconds from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
