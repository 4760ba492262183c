// Each service asks its own authority for tokens: a Graph authority of its own is where Graph's
// tokens come from (here one the simulated Entra ID does not serve), while Partner Center keeps the
// cloud's authority and works.
import { parseRegistrationId, type Guid } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(() => sandbox.close());

it('uses GRAPH_AUTHORITY_HOST for Graph only; Partner Center and ARM keep the cloud’s authority', async () => {
  const elsewhere = `${sandbox.url}/elsewhere`;
  const cloud = sandboxCloud(sandboxConfig(sandbox, { GRAPH_AUTHORITY_HOST: elsewhere }));
  const customer = sandbox.seedCustomer({ companyName: 'Authority Co', domain: 'authorityco.onmicrosoft.com', azurePlan: 'active' });

  await expect(cloud.partnerCenter.getCustomer(customer.customerTenantId as Guid)).resolves.toMatchObject({ customerTenantId: customer.customerTenantId });
  await expect(cloud.registrations.getRegistration(parseRegistrationId(sandbox.registrations.payAsYouUse))).resolves.toMatchObject({ billingModel: 'PayAsYouUse' });
  await expect(cloud.directory.findUserByMail(customer.customerTenantId as Guid, 'nobody@authorityco.onmicrosoft.com')).rejects.toBeDefined();

  const graphTokenAsks = sandbox.requests.filter((r) => r.path.startsWith('/elsewhere/'));
  expect(graphTokenAsks.length).toBeGreaterThan(0);
  expect(sandbox.requests.filter((r) => r.service === 'graph')).toHaveLength(0);
});

it('signing in ahead (issue 17): the calls that follow find their tokens and ask for none', async () => {
  const cloud = sandboxCloud(sandboxConfig(sandbox));
  const customer = sandbox.seedCustomer({ companyName: 'Ahead Co', domain: 'aheadco.onmicrosoft.com', azurePlan: 'active' });
  const tenant = customer.customerTenantId as Guid;
  const tokenAsks = () => sandbox.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).length;

  const before = tokenAsks();
  await cloud.signInAhead!();
  await cloud.signInAhead!(tenant);
  const signedIn = tokenAsks();
  expect(signedIn).toBe(before + 3);

  await expect(cloud.partnerCenter.getCustomer(tenant)).resolves.toMatchObject({ customerTenantId: customer.customerTenantId });
  await expect(cloud.directory.findUserByMail(tenant, 'nobody@aheadco.onmicrosoft.com')).resolves.toBeUndefined();
  expect(tokenAsks()).toBe(signedIn);
});
