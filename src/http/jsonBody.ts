// The one lenient reading of a response body: services answer errors, HEADs and 204s with empty or
// non-JSON bodies, and a missing body is an answer, not a crash.

/** The body as JSON, or undefined (empty, HEAD, or not JSON). */
export function parseJsonBody(text: string | null | undefined): unknown {
  if (!text || !text.trim()) return undefined;
  try {
    // Partner Center prefixes some bodies with a byte-order mark.
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
}
