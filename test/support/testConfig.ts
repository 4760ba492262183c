// Configurations for tests: loadConfig plus what a bot needs to pass the start-up checks. On the
// simulated cloud that is local mode (LOCAL_MODE=true, CLOUD=sandbox), as `npm start` runs it; on a
// real cloud (tests never call it) a made-up app identity, since an empty MicrosoftAppId is refused.
import { loadConfig, type Config } from '../../src/config';
import { TEAMS_TENANT } from './people';

export const TEST_APP_ID = '4f8b1c2d-0000-4000-8000-00000000b07a';

/** Added to `sandbox.env` for a bot process: the sandbox's lines plus this make a local bot. */
export const LOCAL_MODE_ENV = { LOCAL_MODE: 'true', CLOUD: 'sandbox' } as const;

export function testConfig(env: NodeJS.ProcessEnv = {}): Config {
  if (env.MicrosoftAppId || env.LOCAL_MODE) return loadConfig(env);
  const hasCredentials = Boolean(env.AZURE_CLIENT_ID || env.AZURE_CLIENT_SECRET || env.AZURE_CLIENT_CERTIFICATE_PATH);
  const simulated = (env.CLOUD || (hasCredentials ? 'AzureCloud' : 'sandbox')) === 'sandbox';
  const identity = simulated
    ? LOCAL_MODE_ENV
    : { MicrosoftAppId: TEST_APP_ID, MicrosoftAppPassword: 'test-app-password', ALLOWED_TENANT_IDS: TEAMS_TENANT, APPROVER_IDS: TEST_APP_ID };
  return loadConfig({ ...identity, ...env });
}
