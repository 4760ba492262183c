// The one reading of Retry-After and of a response body, shared by the bot's connector policy and
// the service clients.
import { parseJsonBody } from '../../src/http/jsonBody';
import { parseRetryAfter } from '../../src/http/retryAfter';

describe('Retry-After', () => {
  it('reads delay-seconds, fractions included, as milliseconds', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('0.2')).toBe(200);
    expect(parseRetryAfter('0')).toBe(0);
  });

  it('reads an HTTP date as the time until then, never negative', () => {
    const inTenSeconds = new Date(Math.ceil(Date.now() / 1000) * 1000 + 10_000).toUTCString();
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThan(8_000);
    expect(parseRetryAfter(inTenSeconds)).toBeLessThanOrEqual(11_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(0);
  });

  it('absent or unreadable: undefined, so the caller backs off on its own', () => {
    for (const value of [undefined, null, '', '  ', 'soon']) expect(parseRetryAfter(value)).toBeUndefined();
  });
});

describe('a response body', () => {
  it('JSON, with or without a byte-order mark', () => {
    expect(parseJsonBody('{"code":600061}')).toEqual({ code: 600061 });
    expect(parseJsonBody('\uFEFF{"items":[]}')).toEqual({ items: [] });
  });

  it('empty, blank or not JSON: undefined, an answer rather than a crash', () => {
    for (const text of [undefined, null, '', ' \n', '<html>Bad gateway</html>']) expect(parseJsonBody(text)).toBeUndefined();
  });
});
