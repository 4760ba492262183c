// Directory contract on the real Microsoft Graph client against the simulated Graph over HTTPS:
// the token reaches a non-Graph host (customHosts), customer-tenant tokens, the invitation
// example, transitive group membership, and the RetryHandler waiting out Retry-After.
import { v4 as uuidv4 } from 'uuid';
import type { Guid } from '../../src/onboarding/model';
import { requestsTo, until, useRetryClock, useTestCloud } from './harness';

const INVITATIONS = '/graph/v1.0/invitations';

const t = useTestCloud();

function newCustomer(): { tenant: Guid; domain: string } {
  const domain = `dir${uuidv4().slice(0, 8)}.onmicrosoft.com`;
  return { tenant: t.sandbox.seedCustomer({ companyName: domain, domain }).customerTenantId as Guid, domain };
}

const invitation = (email: string) => ({ email, displayName: 'CSP Ops', redirectUrl: 'https://portal.local.azurestack.external/' });

describe('guests in the customer directory', () => {
  it('finds a user by mail with a token for the customer’s tenant, through a non-Graph host', async () => {
    const { tenant, domain } = newCustomer();
    const admin = await t.cloud.directory.findUserByMail(tenant, `admin@${domain}`);
    expect(admin).toMatchObject({ mail: `admin@${domain}`, userType: 'Member', objectId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const [lookup] = requestsTo(t.sandbox, 'GET', '/graph/v1.0/users').filter((r) => r.query.$filter === `mail eq 'admin@${domain}'`);
    expect(lookup.headers.authorization).toBe('present');
    expect(lookup.query.$select).toBe('id,mail,userType,externalUserState');
    // The partner's directory has no such user: the token really was the customer's.
    await expect(t.cloud.directory.findUserByMail(t.sandbox.partnerTenantId as Guid, `admin@${domain}`)).resolves.toBeUndefined();
  });

  it('quotes an apostrophe in the mail filter', async () => {
    const { tenant } = newCustomer();
    t.sandbox.seedUser({ tenantId: tenant, displayName: "Pat O'Brien", mail: "pat.o'brien@example.com", userType: 'Guest' });
    await expect(t.cloud.directory.findUserByMail(tenant, "pat.o'brien@example.com")).resolves.toMatchObject({ userType: 'Guest', externalUserState: 'Accepted' });
  });

  it('invites a guest (the documented 201 invitation) who is then found pending acceptance', async () => {
    const { tenant } = newCustomer();
    const invited = await t.cloud.directory.inviteGuest(tenant, { ...invitation('ops@csp.example'), message: 'Welcome' });
    expect(invited.redeemUrl).toMatch(/\/redeem\?rd=/);
    expect(t.sandbox.state.directories[tenant].users[invited.objectId]).toMatchObject({ userType: 'Guest', mail: 'ops@csp.example' });
    await expect(t.cloud.directory.findUserByMail(tenant, 'ops@csp.example')).resolves.toEqual({
      objectId: invited.objectId,
      mail: 'ops@csp.example',
      userType: 'Guest',
      externalUserState: 'PendingAcceptance',
    });
  });

  it('waits out a 429 Retry-After before inviting, and invites once', async () => {
    const { tenant } = newCustomer();
    await t.cloud.directory.findUserByMail(tenant, 'warm@example.com');
    useRetryClock();
    t.sandbox.faults.add({ method: 'POST', path: INVITATIONS, kind: 'status', status: 429, retryAfterSeconds: 15 });
    const sent = requestsTo(t.sandbox, 'POST', INVITATIONS).length;
    const from = t.calls.length;
    const inviting = t.cloud.directory.inviteGuest(tenant, invitation('throttled@csp.example'));
    await until(() => requestsTo(t.sandbox, 'POST', INVITATIONS)[sent]?.status === 429, 'the throttled answer');
    await jest.advanceTimersByTimeAsync(14_000);
    expect(requestsTo(t.sandbox, 'POST', INVITATIONS)).toHaveLength(sent + 1);
    await jest.advanceTimersByTimeAsync(2_000);
    const invited = await inviting;
    expect(requestsTo(t.sandbox, 'POST', INVITATIONS).slice(sent).map((r) => r.status)).toEqual([429, 201]);
    expect(Object.values(t.sandbox.state.directories[tenant].invitations)).toHaveLength(1);
    expect(t.calls.slice(from)).toEqual([
      { operation: 'inviteGuest', statusCode: 201, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), correlationId: expect.any(String) },
    ]);
    expect(invited.objectId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives up on a service that stays unavailable with a transient error', async () => {
    const { tenant } = newCustomer();
    await t.cloud.directory.findUserByMail(tenant, 'warm@example.com');
    useRetryClock();
    t.sandbox.faults.add({ method: 'GET', path: '/graph/v1.0/users', kind: 'status', status: 503, times: 10 });
    const finding = t.cloud.directory.findUserByMail(tenant, 'nobody@example.com').catch((e: unknown) => e);
    let outcome: unknown;
    void finding.then((e) => (outcome = e));
    for (let i = 0; i < 50 && outcome === undefined; i++) await jest.advanceTimersByTimeAsync(1_000);
    expect(outcome).toMatchObject({ statusCode: 503, transient: true, message: 'Microsoft Graph had a temporary problem.' });
    expect(requestsTo(t.sandbox, 'GET', '/graph/v1.0/users').filter((r) => r.status === 503)).toHaveLength(4);
  });

  it('says a dropped connection and a timeout in plain words', async () => {
    const { tenant } = newCustomer();
    t.sandbox.faults.add({ method: 'POST', path: INVITATIONS, kind: 'drop' });
    await expect(t.cloud.directory.inviteGuest(tenant, invitation('drop@csp.example'))).rejects.toMatchObject({ code: 'dropped', transient: true });
    t.sandbox.faults.add({ method: 'POST', path: INVITATIONS, kind: 'timeout' });
    await expect(t.cloud.directory.inviteGuest(tenant, invitation('slow@csp.example'))).rejects.toMatchObject({
      code: 'timeout',
      message: 'Microsoft Graph did not answer in time.',
    });
  });

  it('puts a Graph error body into a DomainError with the service code', async () => {
    const { tenant } = newCustomer();
    await expect(t.cloud.directory.inviteGuest(tenant, invitation('not-an-email'))).rejects.toMatchObject({ code: 'BadRequest', statusCode: 400, transient: false });
  });
});

describe('approver group membership (partner tenant)', () => {
  it('counts direct and nested members, and nobody else', async () => {
    const { approver, nestedApprover, operator } = t.sandbox.users;
    const group = t.sandbox.approverGroupId as Guid;
    await expect(t.cloud.directory.isMemberOfGroup(approver as Guid, group)).resolves.toBe(true);
    await expect(t.cloud.directory.isMemberOfGroup(nestedApprover as Guid, group)).resolves.toBe(true);
    await expect(t.cloud.directory.isMemberOfGroup(operator as Guid, group)).resolves.toBe(false);
    await expect(t.cloud.directory.isMemberOfGroup(uuidv4() as Guid, group)).resolves.toBe(false);
    const check = requestsTo(t.sandbox, 'POST', `/graph/v1.0/users/${approver}/checkMemberGroups`);
    expect(check[0].headers.authorization).toBe('present');
  });
});
