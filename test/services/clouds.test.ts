// Cloud profiles: each cloud's endpoints and portal, the *_ENDPOINT overrides, and token scopes
// that follow the endpoint actually used.
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { testConfig } from '../support/testConfig';
import { cloudProfile, joinUrl, scopeFor } from '../../src/services/clouds';
import { createAppCredential } from '../../src/services/credentials';
import { createCloud } from '../../src/services';

const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = '66666666-7777-4888-9999-aaaaaaaaaaaa';
const REGISTRATION = '/subscriptions/5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/azurestack-1';
const RESOURCE = `${REGISTRATION}/customerSubscriptions/3f15978e-005c-b763-bb78-2a8fab289c58`;
const withSecret = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: 'not-a-real-secret', REGISTRATIONS: REGISTRATION };

describe('cloud profiles', () => {
  it('defaults to the public cloud when credentials are set, with its endpoints and portal', () => {
    const config = testConfig(withSecret);
    const profile = cloudProfile(config);
    expect(profile.name).toBe('AzureCloud');
    expect(profile.endpoints).toEqual({
      arm: 'https://management.azure.com',
      graph: 'https://graph.microsoft.com',
      partnerCenter: 'https://api.partnercenter.microsoft.com',
      authorityHost: 'https://login.microsoftonline.com',
      roleAssignment: 'https://management.azure.com',
      roleAssignmentScope: 'https://management.azure.com/.default',
      auth: {
        partnerCenter: { authorityHost: 'https://login.microsoftonline.com', scope: 'https://api.partnercenter.microsoft.com/.default' },
        graph: { authorityHost: 'https://login.microsoftonline.com', scope: 'https://graph.microsoft.com/.default' },
        arm: { authorityHost: 'https://login.microsoftonline.com', scope: 'https://management.azure.com/.default' },
        roleAssignment: { authorityHost: 'https://login.microsoftonline.com', scope: 'https://management.azure.com/.default' },
      },
    });
    expect(profile.portalLink(RESOURCE)).toBe(`https://portal.azure.com/#@/resource${RESOURCE}`);
  });

  it('knows the China and US Government clouds', () => {
    const china = cloudProfile(testConfig({ ...withSecret, CLOUD: 'AzureChinaCloud' }));
    expect(china.endpoints.arm).toBe('https://management.chinacloudapi.cn');
    expect(china.endpoints.authorityHost).toBe('https://login.chinacloudapi.cn');
    expect(china.endpoints.partnerCenter).toBe('https://partner.partnercenterapi.microsoftonline.cn');
    expect(china.portalLink(RESOURCE)).toBe(`https://portal.azure.cn/#@/resource${RESOURCE}`);
    const usgov = cloudProfile(testConfig({ ...withSecret, CLOUD: 'AzureUSGovernment' }));
    expect(usgov.endpoints.arm).toBe('https://management.usgovcloudapi.net');
    expect(usgov.endpoints.graph).toBe('https://graph.microsoft.us');
    expect(usgov.portalLink(RESOURCE)).toBe(`https://portal.azure.us/#@/resource${RESOURCE}`);
  });

  it('gives each service of 21Vianet (AzureChinaCloud) its own authority and scope, on China’s endpoints', () => {
    const { auth } = cloudProfile(testConfig({ ...withSecret, CLOUD: 'AzureChinaCloud' })).endpoints;
    expect(auth).toEqual({
      partnerCenter: { authorityHost: 'https://login.chinacloudapi.cn', scope: 'https://partner.partnercenterapi.microsoftonline.cn/.default' },
      graph: { authorityHost: 'https://login.chinacloudapi.cn', scope: 'https://microsoftgraph.chinacloudapi.cn/.default' },
      arm: { authorityHost: 'https://login.chinacloudapi.cn', scope: 'https://management.chinacloudapi.cn/.default' },
      roleAssignment: { authorityHost: 'https://login.chinacloudapi.cn', scope: 'https://management.chinacloudapi.cn/.default' },
    });
  });

  it('gives each service of US Government its own authority and scope: the public Partner Center host, the US Government authority', () => {
    const { auth, partnerCenter } = cloudProfile(testConfig({ ...withSecret, CLOUD: 'AzureUSGovernment' })).endpoints;
    expect(partnerCenter).toBe('https://api.partnercenter.microsoft.com');
    expect(auth).toEqual({
      partnerCenter: { authorityHost: 'https://login.microsoftonline.us', scope: 'https://api.partnercenter.microsoft.com/.default' },
      graph: { authorityHost: 'https://login.microsoftonline.us', scope: 'https://graph.microsoft.us/.default' },
      arm: { authorityHost: 'https://login.microsoftonline.us', scope: 'https://management.usgovcloudapi.net/.default' },
      roleAssignment: { authorityHost: 'https://login.microsoftonline.us', scope: 'https://management.usgovcloudapi.net/.default' },
    });
  });

  it('lets each service’s *_AUTHORITY_HOST and *_SCOPE override the cloud’s, one service at a time', () => {
    const config = testConfig({
      ...withSecret,
      CLOUD: 'AzureUSGovernment',
      PARTNER_CENTER_AUTHORITY_HOST: 'https://login.microsoftonline.com/',
      PARTNER_CENTER_SCOPE: 'https://api.partnercenter.microsoft.com/.default',
      GRAPH_SCOPE: 'https://graph.microsoft.us/.default',
      ARM_AUTHORITY_HOST: 'https://login.example.test',
      ARM_SCOPE: 'https://management.core.usgovcloudapi.net/.default',
      ROLE_ASSIGNMENT_AUTHORITY_HOST: 'https://adfs.local.azurestack.external/adfs',
    });
    const { auth } = cloudProfile(config).endpoints;
    expect(auth.partnerCenter).toEqual({ authorityHost: 'https://login.microsoftonline.com', scope: 'https://api.partnercenter.microsoft.com/.default' });
    expect(auth.graph).toEqual({ authorityHost: 'https://login.microsoftonline.us', scope: 'https://graph.microsoft.us/.default' });
    expect(auth.arm).toEqual({ authorityHost: 'https://login.example.test', scope: 'https://management.core.usgovcloudapi.net/.default' });
    expect(auth.roleAssignment.authorityHost).toBe('https://adfs.local.azurestack.external/adfs');
    // The clients are built with them (one credential per authority).
    expect(createCloud(config).name).toBe('AzureUSGovernment');
  });

  it('refuses a scope that is not an app-only `.default` scope, naming the variable', () => {
    expect(() => testConfig({ ...withSecret, GRAPH_SCOPE: 'https://graph.microsoft.com/User.Read' })).toThrow(/GRAPH_SCOPE.*ending in \/\.default/s);
    expect(() => testConfig({ ...withSecret, PARTNER_CENTER_SCOPE: 'partner center' })).toThrow(/PARTNER_CENTER_SCOPE/);
  });

  it('lets ARM_ENDPOINT, GRAPH_ENDPOINT, PARTNER_CENTER_ENDPOINT and ROLE_ASSIGNMENT_ENDPOINT override a cloud', () => {
    const profile = cloudProfile(
      testConfig({
        ...withSecret,
        ARM_ENDPOINT: 'https://arm.example.test/',
        GRAPH_ENDPOINT: 'https://graph.example.test',
        PARTNER_CENTER_ENDPOINT: 'https://pc.example.test/api/',
        ROLE_ASSIGNMENT_ENDPOINT: 'https://management.local.azurestack.external',
      }),
    );
    expect(profile.endpoints.arm).toBe('https://arm.example.test');
    expect(profile.endpoints.partnerCenter).toBe('https://pc.example.test/api');
    expect(profile.endpoints.roleAssignment).toBe('https://management.local.azurestack.external');
    expect(profile.endpoints.roleAssignmentScope).toBe('https://management.local.azurestack.external/.default');
    expect(scopeFor(profile.endpoints.partnerCenter)).toBe('https://pc.example.test/api/.default');
  });

  it('asks for an Azure Stack Hub stamp’s own audience when ROLE_ASSIGNMENT_AUDIENCE is set', () => {
    const profile = cloudProfile(
      testConfig({
        ...withSecret,
        ROLE_ASSIGNMENT_ENDPOINT: 'https://management.local.azurestack.external',
        ROLE_ASSIGNMENT_AUDIENCE: 'https://management.contoso.onmicrosoft.com/3b6f1c2a-0000-4000-8000-000000000000',
      }),
    );
    expect(profile.endpoints.roleAssignmentScope).toBe('https://management.contoso.onmicrosoft.com/3b6f1c2a-0000-4000-8000-000000000000/.default');
    expect(profile.endpoints.auth.roleAssignment.scope).toBe(profile.endpoints.roleAssignmentScope);
  });

  it('links the simulated cloud to its own portal page, under the ARM origin', () => {
    const profile = cloudProfile(
      testConfig({
        CLOUD: 'sandbox',
        ARM_ENDPOINT: 'https://127.0.0.1:4443/arm',
        GRAPH_ENDPOINT: 'https://127.0.0.1:4443/graph',
        PARTNER_CENTER_ENDPOINT: 'https://127.0.0.1:4443/partnercenter',
        AZURE_AUTHORITY_HOST: 'https://127.0.0.1:4443',
      }),
    );
    expect(profile.portalLink(RESOURCE)).toBe(`https://127.0.0.1:4443/portal/#@/resource${RESOURCE}`);
    expect(scopeFor(profile.endpoints.arm)).toBe('https://127.0.0.1:4443/arm/.default');
  });

  it('refuses a simulated cloud without its endpoints', () => {
    expect(() => cloudProfile(testConfig({ CLOUD: 'sandbox' }))).toThrow(/ARM_ENDPOINT is required with CLOUD=sandbox/);
  });

  it('joins an endpoint with a path and a resource id without a double slash', () => {
    expect(joinUrl('https://127.0.0.1:1/arm/', '/subscriptions/x')).toBe('https://127.0.0.1:1/arm/subscriptions/x');
  });
});

describe('credentials', () => {
  it('uses the client secret, the certificate, or the managed identity', () => {
    const secret = testConfig(withSecret);
    expect(createAppCredential(secret, cloudProfile(secret))).toBeInstanceOf(ClientSecretCredential);
    const cert = testConfig({ ...withSecret, AZURE_CLIENT_SECRET: '', AZURE_CLIENT_CERTIFICATE_PATH: '/etc/bot/cert.pem' });
    expect(createAppCredential(cert, cloudProfile(cert))).toBeInstanceOf(ClientCertificateCredential);
    const managed = testConfig({ CLOUD: 'AzureCloud', REGISTRATIONS: REGISTRATION });
    expect(createAppCredential(managed, cloudProfile(managed))).toBeInstanceOf(ManagedIdentityCredential);
  });

  it('builds a cloud named after CLOUD, not simulated, that may confirm agreements only with a delegated token', () => {
    const cloud = createCloud(testConfig(withSecret));
    expect(cloud.name).toBe('AzureCloud');
    expect(cloud.simulated).toBe(false);
    expect(cloud.partnerCenter.canConfirmCustomerAgreement).toBe(false);
    expect(cloud.registrations.allowed.map((r) => r.resourceId)).toEqual([REGISTRATION]);
    const delegated = createCloud(testConfig({ ...withSecret, PARTNER_CENTER_REFRESH_TOKEN: 'not-a-real-token' }));
    expect(delegated.partnerCenter.canConfirmCustomerAgreement).toBe(true);
  });
});
