// What can be checked of the deployment without Azure (Bicep is not compiled here): the web app's
// settings in infra/azure.bicep make a valid production configuration for src/config.ts; every
// file m365agents*.yml names exists; every ${{PLACEHOLDER}} of the manifest, the yml files and the
// Bicep parameters is declared in env/.env.dev (or is written by an earlier provisioning action).
import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../src/config';

const root = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const bicep = read('infra/azure.bicep');
const PLACEHOLDER = /\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const placeholdersIn = (text: string) => [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]))].sort();

/** `{ name: 'X', value: <expression> }` entries of the web app's appSettings. */
function appSettings(): Map<string, string> {
  const block = bicep.slice(bicep.indexOf('appSettings: ['), bicep.indexOf(']\n', bicep.indexOf('appSettings: [')));
  return new Map([...block.matchAll(/\{ name: '([^']+)', value: (.+) \}$/gm)].map((m) => [m[1], m[2].trim()]));
}

/** `param <name> <type> [= default]` of the Bicep file, with whether it has a default. */
function bicepParams(): Map<string, { hasDefault: boolean }> {
  return new Map([...bicep.matchAll(/^param (\w+) \w+( =)?/gm)].map((m) => [m[1], { hasDefault: Boolean(m[2]) }]));
}

/** What each setting's Bicep expression yields in a real deployment, for the configuration check. */
const DEPLOYED: Record<string, string> = {
  "identity.properties.clientId": '5d1f3a9e-0000-4000-8000-00000000510e',
  "identity.properties.tenantId": '72f988bf-86f1-41af-91ab-2d7cd011db47',
  "'UserAssignedMSI'": 'UserAssignedMSI',
  allowedTenantIds: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  cloud: 'AzureCloud',
  partnerTenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  partnerCenterAppId: '9a7c2b1d-0000-4000-8000-0000000000ac',
  registrations: '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/hub-01',
  roleAssignmentEndpoint: '',
  roleAssignmentAudience: '',
  roleAssignmentApiVersion: '2022-04-01',
  "'blob'": 'blob',
  'storage.properties.primaryEndpoints.blob': 'https://stabc.blob.core.windows.net/',
  'container.name': 'csp-onboarding-bot',
  approvalChannelId: '19:approvals@thread.tacv2',
  approverIds: '',
  approverGroupId: 'a1b2c3d4-0000-4000-8000-0000000000a1',
  operatorIds: '',
  operatorGroupId: 'a1b2c3d4-0000-4000-8000-0000000000a2',
  'appInsights.properties.ConnectionString': 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/',
  "'info'": 'info',
  "'true'": 'true',
};

/** Settings App Service reads itself, not the bot. */
const PLATFORM_SETTINGS = ['SCM_DO_BUILD_DURING_DEPLOYMENT'];

describe('infra/azure.bicep and src/config.ts', () => {
  const settings = appSettings();
  const configSource = read('src/config.ts');
  const schemaBlock = configSource.slice(configSource.indexOf('const schema = z'), configSource.indexOf('.superRefine'));
  const configVariables = new Set([...schemaBlock.matchAll(/^ {4}([A-Za-z_]+):/gm)].map((m) => m[1]));

  it('sets only variables the bot reads (or App Service does)', () => {
    expect(settings.size).toBeGreaterThan(20);
    const unknown = [...settings.keys()].filter((name) => !configVariables.has(name) && !PLATFORM_SETTINGS.includes(name));
    expect(unknown).toEqual([]);
  });

  it("the web app's settings, as deployed, are a valid production configuration: the managed identity, Blob, telemetry", () => {
    const env: Record<string, string> = {};
    for (const [name, expression] of settings) {
      const secret = /^'@Microsoft\.KeyVault\(/.test(expression) || /\? '@Microsoft\.KeyVault\(/.test(expression);
      if (secret) {
        // A Key Vault reference: App Service puts the secret's value there.
        env[name] = `${name.toLowerCase()}-from-key-vault`;
        continue;
      }
      expect({ name, known: expression in DEPLOYED }).toEqual({ name, known: true });
      env[name] = DEPLOYED[expression];
    }
    const config = loadConfig(env);
    expect(config).toMatchObject({
      localMode: false,
      MicrosoftAppType: 'UserAssignedMSI',
      CLOUD: 'AzureCloud',
      STORE: 'blob',
      AZURE_STORAGE_CLIENT_ID: '5d1f3a9e-0000-4000-8000-00000000510e',
    });
    expect(config.AZURE_STORAGE_CONNECTION_STRING).toBeUndefined();
    expect(config.APPLICATIONINSIGHTS_CONNECTION_STRING).toMatch(/^InstrumentationKey=/);
    // Secrets only as Key Vault references, never as a parameter's plain value.
    for (const secret of ['AZURE_CLIENT_SECRET', 'PARTNER_CENTER_REFRESH_TOKEN']) expect(settings.get(secret)).toMatch(/@Microsoft\.KeyVault\(VaultName=/);
    expect(settings.has('MicrosoftAppPassword')).toBe(false);
    expect(settings.has('AZURE_STORAGE_CONNECTION_STRING')).toBe(false);
  });

  it('every setting fed by a parameter is a documented parameter, given in infra/azure.parameters.json unless it has a default', () => {
    const params = bicepParams();
    const given = Object.keys((JSON.parse(read('infra/azure.parameters.json')) as { parameters: Record<string, unknown> }).parameters);
    const fedByParams = [...settings.values()].filter((expression) => params.has(expression));
    expect(fedByParams.length).toBeGreaterThan(10);
    for (const name of params.keys()) {
      // Documented: an @description right above it.
      expect({ name, documented: new RegExp(`@description\\([^\\n]*\\)\\n(@[^\\n]*\\n)*param ${name} `).test(bicep) }).toEqual({ name, documented: true });
    }
    const required = [...params].filter(([, p]) => !p.hasDefault).map(([name]) => name);
    expect(required.filter((name) => !given.includes(name))).toEqual([]);
    expect(given.filter((name) => !params.has(name))).toEqual([]);
  });

  it('is what the README says: the resources the issue lists, HTTPS only, /readyz, Node 20, Always On, no shared keys, RBAC Key Vault', () => {
    for (const type of [
      'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.Web/serverfarms',
      'Microsoft.Web/sites',
      'Microsoft.BotService/botServices',
      'Microsoft.BotService/botServices/channels',
      'Microsoft.Storage/storageAccounts/blobServices/containers',
      'Microsoft.KeyVault/vaults',
      'Microsoft.OperationalInsights/workspaces',
      'Microsoft.Insights/components',
      'Microsoft.Authorization/roleAssignments',
    ]) {
      expect(bicep).toMatch(new RegExp(`'${type.replace(/\//g, '\\/').replace(/\./g, '\\.')}@\\d{4}-\\d{2}-\\d{2}(-preview)?'`));
    }
    for (const line of ["httpsOnly: true", "healthCheckPath: '/readyz'", "linuxFxVersion: 'NODE|20-lts'", 'alwaysOn: true', 'allowSharedKeyAccess: false', 'enableRbacAuthorization: true', "msaAppType: 'UserAssignedMSI'", "channelName: 'MsTeamsChannel'"]) {
      expect(bicep).toContain(line);
    }
    // Storage Blob Data Contributor and Key Vault Secrets User, for the identity.
    expect(bicep).toContain('ba92f5b4-2d11-453d-a403-e96b0029c9fe');
    expect(bicep).toContain('4633458b-17de-408a-b874-0445c86b69e6');
  });
});

describe('the Agents Toolkit files', () => {
  const ymlFiles = ['m365agents.yml', 'm365agents.local.yml'];
  const envDev = read('env/.env.dev');
  const declared = new Set([...envDev.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
  // SECRET_* live in env/.env.dev.user; the template names them in a comment.
  const secretsNamed = new Set([...envDev.matchAll(/^#.*\b(SECRET_[A-Z0-9_]+)=/gm)].map((m) => m[1]));

  it('every file the yml files name exists (build outputs aside)', () => {
    for (const file of ymlFiles) {
      const yml = read(file);
      const named = [...yml.matchAll(/^\s*(?:-\s*)?(?:path|parameters|manifestPath|ignoreFile|artifactFolder|appPackagePath|environmentFolderPath):\s*(\S+)\s*$/gm)].map((m) => m[1]);
      expect(named.length).toBeGreaterThan(1);
      const missing = named.filter((p) => !p.includes('/build/') && !fs.existsSync(path.join(root, p)));
      expect({ file, missing }).toEqual({ file, missing: [] });
    }
  });

  it("declares in env/.env.dev every placeholder of the manifest, the yml files and the Bicep parameters", () => {
    const sources = ['appPackage/manifest.json', 'm365agents.yml', 'infra/azure.parameters.json'];
    for (const file of sources) {
      const undeclared = placeholdersIn(read(file)).filter((name) => !declared.has(name) && !secretsNamed.has(name));
      expect({ file, undeclared }).toEqual({ file, undeclared: [] });
    }
    // And env/.env.local, for the local yml and `npm run package`.
    const local = new Set([...read('env/.env.local').matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const file of ['appPackage/manifest.json', 'm365agents.local.yml']) {
      expect({ file, undeclared: placeholdersIn(read(file)).filter((name) => !local.has(name)) }).toEqual({ file, undeclared: [] });
    }
  });

  it('what provisioning writes is written by an action: the Bicep outputs and writeToEnvironmentFile', () => {
    const yml = read('m365agents.yml');
    const written = new Set([
      ...[...yml.matchAll(/^\s+\w+: ([A-Z_][A-Z0-9_]*)\s*$/gm)].map((m) => m[1]),
      ...[...bicep.matchAll(/^output ([A-Z_][A-Z0-9_]*) /gm)].map((m) => m[1]),
    ]);
    const afterProvision = envDev.slice(envDev.indexOf('Written by `atk provision`'));
    const toBeWritten = [...afterProvision.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(toBeWritten).toEqual(expect.arrayContaining(['TEAMS_APP_ID', 'BOT_ID', 'BOT_DOMAIN', 'BOT_AZURE_APP_SERVICE_RESOURCE_ID']));
    expect(toBeWritten.filter((name) => !written.has(name))).toEqual([]);
    expect(written.has('SECRET_PARTNER_CENTER_APP_SECRET')).toBe(true);
    // The manifest's bot is the managed identity the Bicep creates.
    expect(bicep).toMatch(/^output BOT_ID string = identity\.properties\.clientId$/m);
  });
});

describe("the README's deployment", () => {
  it('is three commands, with only what no file can do left as manual steps', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('## Deploy it for real'), readme.indexOf('## More documentation'));
    const commands = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1].trim());
    expect(commands).toEqual(['atk provision --env dev\natk deploy --env dev\natk publish --env dev']);
    const manual = [...section.matchAll(/^\d+\. \*\*([^*]+)\*\*/gm)].map((m) => m[1]);
    expect(manual).toEqual(['Partner Center app access', 'Multi-tenant billing approval']);
  });
});
