// Simulated Microsoft Graph: guest invitations in the customer's directory, user lookup, and the
// approvers-group membership check in the partner's, through the real Graph JS client too.
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { ClientSecretCredential } from '@azure/identity';
import { randomUUID } from 'crypto';
import type { Sandbox } from '../../src/sandbox';
import { appToken, call, httpFixture, jsonFixture, shapeDifferences, testSandbox } from './support';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await testSandbox();
});
afterAll(() => sandbox.close());

const graph = (p: string) => `${sandbox.env.GRAPH_ENDPOINT}${p}`;

async function customer() {
  const c = sandbox.seedCustomer({ companyName: 'Guest Co', domain: `guest${randomUUID().slice(0, 6)}.onmicrosoft.com` });
  return { ...c, token: await appToken(sandbox, 'https://graph.microsoft.com', c.customerTenantId) };
}

test('an invitation is 201 in the fixture shape and creates a guest pending acceptance (G-2, G-1)', async () => {
  const { token, customerTenantId } = await customer();
  const request = httpFixture('graph/invitation-post.request.http').body;
  const answer = await call(graph('/v1.0/invitations'), { method: 'POST', token, body: request });
  expect(answer.status).toBe(201);
  expect(shapeDifferences(answer.body, httpFixture('graph/invitation-post.response.http').body)).toEqual([]);
  const guestId = (answer.body as { invitedUser: { id: string } }).invitedUser.id;
  expect(sandbox.state.directories[customerTenantId].users[guestId]).toMatchObject({ userType: 'Guest', externalUserState: 'PendingAcceptance' });

  const filter = encodeURIComponent("mail eq 'admin@fabrikam.com'");
  const found = await call(graph(`/v1.0/users?$filter=${filter}&$select=id,mail,userType,externalUserState`), { token });
  expect(found.status).toBe(200);
  expect((found.body as { value: unknown[] }).value).toEqual([{ id: guestId, mail: 'admin@fabrikam.com', userType: 'Guest', externalUserState: 'PendingAcceptance' }]);
});

test("a guest is only visible in the tenant it was invited to", async () => {
  const a = await customer();
  const b = await customer();
  await call(graph('/v1.0/invitations'), { method: 'POST', token: a.token, body: { invitedUserEmailAddress: 'ops@csp.example', inviteRedirectUrl: 'https://portal.local/' } });
  const filter = encodeURIComponent("mail eq 'ops@csp.example'");
  const inB = await call(graph(`/v1.0/users?$filter=${filter}`), { token: b.token });
  expect((inB.body as { value: unknown[] }).value).toEqual([]);
});

test('a re-invitation returns a new invitation for the same guest', async () => {
  const { token } = await customer();
  const body = { invitedUserEmailAddress: 'again@csp.example', inviteRedirectUrl: 'https://portal.local/' };
  const first = await call(graph('/v1.0/invitations'), { method: 'POST', token, body });
  const second = await call(graph('/v1.0/invitations'), { method: 'POST', token, body });
  const ids = [first, second].map((a) => a.body as { id: string; invitedUser: { id: string } });
  expect(ids[0].id).not.toBe(ids[1].id);
  expect(ids[0].invitedUser.id).toBe(ids[1].invitedUser.id);
});

test('bad input and a missing token get the Graph error shape', async () => {
  const { token } = await customer();
  const bad = await call(graph('/v1.0/invitations'), { method: 'POST', token, body: { invitedUserEmailAddress: 'not-an-email', inviteRedirectUrl: 'https://x.example/' } });
  expect(bad.status).toBe(400);
  const fixture = jsonFixture('graph/error-response.example.json');
  expect(shapeDifferences(bad.body, fixture)).toEqual([]);
  const none = await call(graph('/v1.0/invitations'), { method: 'POST', body: {} });
  expect(none.status).toBe(401);
  expect(shapeDifferences(none.body, fixture)).toEqual([]);
  expect(none.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  const armToken = await appToken(sandbox, sandbox.env.ARM_ENDPOINT);
  expect((await call(graph('/v1.0/users'), { token: armToken })).status).toBe(401);
});

test('checkMemberGroups is transitive and only answers groups the user is in', async () => {
  const token = await appToken(sandbox, sandbox.env.GRAPH_ENDPOINT);
  const check = async (userId: string) => {
    const answer = await call(graph(`/v1.0/users/${userId}/checkMemberGroups`), { method: 'POST', token, body: { groupIds: [sandbox.approverGroupId, randomUUID()] } });
    expect(answer.status).toBe(200);
    return (answer.body as { value: string[] }).value;
  };
  expect(await check(sandbox.users.approver)).toEqual([sandbox.approverGroupId]);
  expect(await check(sandbox.users.nestedApprover)).toEqual([sandbox.approverGroupId]);
  expect(await check(sandbox.users.operator)).toEqual([]);
  sandbox.addGroupMember(sandbox.approverGroupId, sandbox.users.operator);
  expect(await check(sandbox.users.operator)).toEqual([sandbox.approverGroupId]);
});

test('the real Graph client (customHosts) invites through the simulator', async () => {
  const c = sandbox.seedCustomer({ companyName: 'SDK Co', domain: 'sdkco.onmicrosoft.com' });
  const credential = new ClientSecretCredential(c.customerTenantId, sandbox.clientId, sandbox.clientSecret, {
    authorityHost: sandbox.env.AZURE_AUTHORITY_HOST,
    disableInstanceDiscovery: true,
  });
  const client = Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: [`${sandbox.env.GRAPH_ENDPOINT}/.default`] }),
    baseUrl: `${sandbox.env.GRAPH_ENDPOINT}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set(['127.0.0.1']),
  });
  const invitation = await client.api('/invitations').post({ invitedUserEmailAddress: 'sdk@csp.example', inviteRedirectUrl: 'https://portal.local/' });
  expect(invitation.status).toBe('PendingAcceptance');
  const users = await client.api('/users').filter("mail eq 'sdk@csp.example'").select('id,userType').get();
  expect(users.value).toEqual([{ id: invitation.invitedUser.id, userType: 'Guest' }]);
});
