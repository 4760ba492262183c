// Role assignment contract: Owner for the customer's guest at the subscription scope, in the
// customer's tenant, with a deterministic name; RoleAssignmentExists counts as done; the
// api-version follows ROLE_ASSIGNMENT_API_VERSION (2015-07-01 on an Azure Stack Hub stamp).
import { v4 as uuidv4 } from 'uuid';
import { testConfig } from '../support/testConfig';
import { parseRegistrationId, type Guid } from '../../src/onboarding/model';
import { createCloud } from '../../src/services';
import { OWNER_ROLE_DEFINITION_GUID, roleAssignmentName } from '../../src/services/roleAssignmentClient';
import { FAST_RETRY, ioTurn, requestsTo, until, useRetryClock, useTestCloud } from './harness';

const t = useTestCloud();

/** A customer with an active Azure subscription and a guest in its directory. */
function customerWithGuest(): { tenant: Guid; subscription: Guid; guest: Guid } {
  const prefix = `ra${uuidv4().slice(0, 8)}`;
  const seeded = t.sandbox.seedCustomer({ companyName: prefix, domain: `${prefix}.onmicrosoft.com`, azurePlan: 'active' });
  const guest = t.sandbox.seedUser({ tenantId: seeded.customerTenantId, displayName: 'CSP Ops', mail: `ops@${prefix}.example`, userType: 'Guest' });
  return { tenant: seeded.customerTenantId as Guid, subscription: seeded.azureSubscriptionId as Guid, guest: guest as Guid };
}

const assignmentsOf = (subscription: string) => t.sandbox.state.roleAssignments.filter((ra) => ra.subscriptionId === subscription);

describe('Owner for the guest', () => {
  it('assigns Owner under a deterministic name with a token for the customer’s tenant, and a retry changes nothing', async () => {
    const { tenant, subscription, guest } = customerWithGuest();
    const scope = `/subscriptions/${subscription}`;
    const name = roleAssignmentName(scope, guest, OWNER_ROLE_DEFINITION_GUID);
    const first = await t.cloud.roleAssignments.ensureOwner(tenant, subscription, guest);
    expect(first).toEqual({ roleAssignmentId: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`, created: true });
    const again = await t.cloud.roleAssignments.ensureOwner(tenant, subscription, guest);
    expect(again).toEqual({ roleAssignmentId: first.roleAssignmentId, created: false });
    expect(assignmentsOf(subscription)).toEqual([
      expect.objectContaining({ name, principalId: guest, principalType: 'User', roleDefinitionId: expect.stringMatching(new RegExp(`${OWNER_ROLE_DEFINITION_GUID}$`)) }),
    ]);
    const [put] = requestsTo(t.sandbox, 'PUT', `/arm${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`);
    expect(put.query['api-version']).toBe('2022-04-01');
  });

  it('names the same grant the same way every time, and different grants differently', () => {
    const scope = `/subscriptions/${uuidv4()}`;
    const principal = uuidv4();
    expect(roleAssignmentName(scope, principal, OWNER_ROLE_DEFINITION_GUID)).toBe(roleAssignmentName(scope.toUpperCase(), principal, OWNER_ROLE_DEFINITION_GUID));
    expect(roleAssignmentName(scope, principal, OWNER_ROLE_DEFINITION_GUID)).not.toBe(roleAssignmentName(scope, uuidv4(), OWNER_ROLE_DEFINITION_GUID));
  });

  it('counts an Owner assignment made by someone else (RoleAssignmentExists) as done', async () => {
    const { tenant, subscription, guest } = customerWithGuest();
    const byHand = uuidv4();
    t.sandbox.state.roleAssignments.push({
      name: byHand,
      scope: `/subscriptions/${subscription}`,
      subscriptionId: subscription,
      principalId: guest,
      principalType: 'User',
      roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${OWNER_ROLE_DEFINITION_GUID}`,
      createdOn: new Date().toISOString(),
    });
    const result = await t.cloud.roleAssignments.ensureOwner(tenant, subscription, guest);
    expect(result).toEqual({ roleAssignmentId: `/subscriptions/${subscription}/providers/Microsoft.Authorization/roleAssignments/${byHand}`, created: false });
    expect(assignmentsOf(subscription)).toHaveLength(1);
  });

  it('says a principal Azure cannot see yet is worth retrying (PrincipalNotFound)', async () => {
    const { tenant, subscription } = customerWithGuest();
    await expect(t.cloud.roleAssignments.ensureOwner(tenant, subscription, uuidv4() as Guid)).rejects.toMatchObject({
      code: 'PrincipalNotFound',
      transient: true,
      correlationId: expect.any(String),
    });
  });

  it('says a token for the wrong tenant plainly (InvalidAuthenticationTokenTenant)', async () => {
    const { subscription, guest } = customerWithGuest();
    await expect(t.cloud.roleAssignments.ensureOwner(t.sandbox.partnerTenantId as Guid, subscription, guest)).rejects.toMatchObject({
      code: 'InvalidAuthenticationTokenTenant',
      statusCode: 401,
    });
  });

  it('uses api-version 2015-07-01 (no principalType) for an Azure Stack Hub stamp', async () => {
    const stamp = createCloud(testConfig({ ...t.sandbox.env, CLOUD: 'sandbox', ROLE_ASSIGNMENT_API_VERSION: '2015-07-01' }), { retry: FAST_RETRY });
    const { tenant, subscription, guest } = customerWithGuest();
    await expect(stamp.roleAssignments.ensureOwner(tenant, subscription, guest)).resolves.toMatchObject({ created: true });
    const put = requestsTo(t.sandbox, 'PUT', new RegExp(`/arm/subscriptions/${subscription}/providers/Microsoft.Authorization/roleAssignments/`));
    expect(put.map((r) => r.query['api-version'])).toEqual(['2015-07-01']);
    expect(assignmentsOf(subscription)[0].principalType).toBeUndefined();
  });
});

describe('throttling per subscription, as ARM counts it', () => {
  it("a throttled Owner assignment in one customer's subscription holds neither the next customer's nor the registrations' writes (ARM's buckets are per subscription and principal, ARM-0)", async () => {
    const first = customerWithGuest();
    const second = customerWithGuest();
    const payg = parseRegistrationId(t.sandbox.registrations.payAsYouUse);
    // Warm both tenants' tokens and the registrations' client: the wait under test is the throttling one.
    await t.cloud.roleAssignments.ensureOwner(first.tenant, first.subscription, first.guest);
    await t.cloud.roleAssignments.ensureOwner(second.tenant, second.subscription, second.guest);
    await t.cloud.registrations.getRegistration(payg);
    useRetryClock();
    await jest.advanceTimersByTimeAsync(25_000);
    const puts = (subscription: string) => requestsTo(t.sandbox, 'PUT', new RegExp(`^/arm/subscriptions/${subscription}/`));
    const mappingPath = `/arm${payg.resourceId}/customerSubscriptions/${second.subscription}`;
    t.sandbox.faults.add({ method: 'PUT', path: new RegExp(`^/arm/subscriptions/${first.subscription}/`), kind: 'status', status: 429, retryAfterSeconds: 20 });
    const before = { first: puts(first.subscription).length, second: puts(second.subscription).length };
    const throttled = t.cloud.roleAssignments.ensureOwner(first.tenant, first.subscription, first.guest);
    await until(() => puts(first.subscription).some((r) => r.status === 429), 'the throttled answer');
    // The answer reaches the client a few I/O turns after the simulator sent it.
    for (let turn = 0; turn < 50; turn++) await ioTurn();
    // The other customer's assignment and the mapping go at once, while the first waits out its Retry-After.
    await expect(t.cloud.roleAssignments.ensureOwner(second.tenant, second.subscription, second.guest)).resolves.toMatchObject({ created: false });
    await expect(t.cloud.registrations.putMapping(payg, second.subscription, second.tenant)).resolves.toMatchObject({ azureSubscriptionId: second.subscription });
    expect(puts(second.subscription)).toHaveLength(before.second + 1);
    expect(requestsTo(t.sandbox, 'PUT', mappingPath)).toHaveLength(1);
    expect(puts(first.subscription)).toHaveLength(before.first + 1);
    await jest.advanceTimersByTimeAsync(20_001);
    await expect(throttled).resolves.toMatchObject({ created: false });
    expect(puts(first.subscription)).toHaveLength(before.first + 2);
  });
});
