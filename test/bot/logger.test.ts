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
});
