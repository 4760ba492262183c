// Logs are JSON and never carry secrets or tokens, wherever they sit in a logged object.
import { captureLogs } from '../support/logCapture';

describe('the logger', () => {
  it('writes JSON lines with level and time', () => {
    const logs = captureLogs('info');
    logs.logger.info({ requestId: 'ONB-7F3K' }, 'request stored');
    logs.logger.debug('not at info');
    expect(logs.records()).toEqual([expect.objectContaining({ level: 'info', msg: 'request stored', requestId: 'ONB-7F3K', time: expect.any(String) })]);
  });

  it('redacts passwords, client secrets, refresh tokens and authorization headers', () => {
    const logs = captureLogs('info');
    logs.logger.info(
      {
        config: { MicrosoftAppPassword: 'app-pw', AZURE_CLIENT_SECRET: 'cs', PARTNER_CENTER_REFRESH_TOKEN: 'rt', AZURE_STORAGE_CONNECTION_STRING: 'AccountKey=k', PORT: 3978 },
        req: { headers: { authorization: 'Bearer eyJhbGciOi.x.y' } },
        response: { access_token: 'at', refresh_token: 'rt2' },
        customer: { adminCredentials: { userName: 'admin@contoso', password: 'P@ss' } },
        token: 'tok',
      },
      'outbound call',
    );
    const line = logs.lines.join('');
    for (const secret of ['app-pw', '"cs"', '"rt"', 'AccountKey', 'eyJhbGciOi', '"at"', 'rt2', 'P@ss', 'tok"']) expect(line).not.toContain(secret);
    expect(logs.records()[0]).toMatchObject({ config: { MicrosoftAppPassword: '[redacted]', PORT: 3978 } });
  });

  it('redacts at any depth: nested objects, arrays, error properties; other fields are kept', () => {
    const logs = captureLogs('info');
    const err = Object.assign(new Error('call failed'), { request: { headers: { Authorization: 'Bearer deep-err-token' } } });
    logs.logger.info(
      {
        a: { b: { c: { d: { password: 'deep-pw', keep: 'visible' } } } },
        calls: [{ response: { body: { refresh_token: 'deep-rt' } } }, [{ client_secret: 'deep-cs' }]],
        state: { customers: { x: { adminCredentials: { password: 'deep-admin' } } } },
        err,
      },
      'nested',
    );
    const line = logs.lines.join('');
    for (const secret of ['deep-pw', 'deep-rt', 'deep-cs', 'deep-admin', 'deep-err-token']) expect(line).not.toContain(secret);
    expect(logs.records()[0]).toMatchObject({ a: { b: { c: { d: { password: '[redacted]', keep: 'visible' } } } }, err: { message: 'call failed' } });
  });

  it('keeps a circular object loggable', () => {
    const logs = captureLogs('info');
    const loop: Record<string, unknown> = { name: 'loop', token: 'loop-token' };
    loop.self = loop;
    logs.logger.info({ loop }, 'circular');
    expect(logs.lines.join('')).not.toContain('loop-token');
    expect(logs.records()[0]).toMatchObject({ loop: { name: 'loop', self: '[circular]' } });
  });
});
