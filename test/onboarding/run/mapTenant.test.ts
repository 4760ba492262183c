// The mapping steps read the registration's mappings once, let the rule (rules/tenantMapping)
// decide, and send one PUT: no other ARM call before it. Against the simulated ARM over HTTPS.
import { v4 as uuidv4 } from 'uuid';
import { parseRegistrationId, type Guid, type OnboardingRequest, type RegistrationRef, type RemapRequest, type ServiceRequest } from '../../../src/onboarding/model';
import type { FactStore } from '../../../src/onboarding/ports';
import { unapprovedRegistration } from '../../../src/onboarding/rules/unapprovedRegistration';
import { mapTenant } from '../../../src/onboarding/run/steps/mapTenant';
import { remapTenant } from '../../../src/onboarding/run/steps/remapTenant';
import type { StepContext } from '../../../src/onboarding/run/steps/step';
import { useTestCloud } from '../../services/harness';

const t = useTestCloud();
let payg: RegistrationRef;
beforeAll(() => {
  payg = parseRegistrationId(t.sandbox.registrations.payAsYouUse);
});

function memoryFacts(): FactStore {
  const facts = new Map<string, unknown>();
  return { get: async <T>(key: string) => facts.get(key) as T | undefined, set: async (key, value) => void facts.set(key, value) };
}

function contextFor(request: Partial<OnboardingRequest> | Partial<RemapRequest>, facts = memoryFacts()): StepContext {
  return {
    request: { id: 'ONB-TEST', kind: 'onboard', registration: payg, results: {}, ...request } as ServiceRequest,
    cloud: t.cloud,
    notifier: {} as StepContext['notifier'],
    facts,
    signal: new AbortController().signal,
    record: async () => undefined,
    audit: async () => undefined,
    now: () => new Date('2026-12-01T10:00:00Z'),
  };
}

function unmappedCustomer(): { tenant: Guid; subscription: Guid } {
  const prefix = `step${uuidv4().slice(0, 8)}`;
  const seeded = t.sandbox.seedCustomer({ companyName: prefix, domain: `${prefix}.onmicrosoft.com`, azurePlan: 'active' });
  return { tenant: seeded.customerTenantId as Guid, subscription: seeded.azureSubscriptionId as Guid };
}

const mappings = (ref: RegistrationRef) => t.sandbox.state.registrations[ref.resourceId.toLowerCase()].customerSubscriptions;
function armCallsDuring(from: number): string[] {
  return t.sandbox.requests.slice(from).filter((r) => r.path.startsWith('/arm/')).map((r) => `${r.method} ${r.path.endsWith('/customerSubscriptions') ? 'list' : 'one'}`);
}

describe('map-tenant', () => {
  it('reads the mappings once, then sends one PUT', async () => {
    const { tenant, subscription } = unmappedCustomer();
    const from = t.sandbox.requests.length;
    const outcome = await mapTenant(contextFor({ results: { customerTenantId: tenant, azureSubscriptionId: subscription } }));
    expect(outcome.status).toBe('done');
    expect(armCallsDuring(from)).toEqual(['GET list', 'PUT one']);
    expect(mappings(payg)[subscription]).toEqual({ tenantId: tenant });
  });

  it('already mapped: done after one read, no PUT', async () => {
    const { tenant, subscription } = unmappedCustomer();
    await t.cloud.registrations.putMapping(payg, subscription, tenant);
    const from = t.sandbox.requests.length;
    await expect(mapTenant(contextFor({ results: { customerTenantId: tenant, azureSubscriptionId: subscription } }))).resolves.toMatchObject({ status: 'done' });
    expect(armCallsDuring(from)).toEqual(['GET list']);
  });

  it('a tenant billed through another subscription is not moved by an onboarding', async () => {
    const { tenant, subscription } = unmappedCustomer();
    const older = uuidv4();
    mappings(payg)[older] = { tenantId: tenant };
    const from = t.sandbox.requests.length;
    const error = await mapTenant(contextFor({ results: { customerTenantId: tenant, azureSubscriptionId: subscription } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TenantAlreadyMapped', transient: false, message: expect.stringContaining(older) });
    expect(armCallsDuring(from)).toEqual(['GET list']);
    expect(mappings(payg)[older]).toEqual({ tenantId: tenant });
  });

  it('a subscription billing another tenant is not moved by an onboarding', async () => {
    const { subscription } = unmappedCustomer();
    const other = uuidv4();
    mappings(payg)[subscription] = { tenantId: other };
    const error = await mapTenant(contextFor({ results: { customerTenantId: uuidv4() as Guid, azureSubscriptionId: subscription } })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SubscriptionMappedToOtherTenant', message: expect.stringContaining(other) });
  });

  it('remembers a registration Azure refused as not approved for multi-tenant billing', async () => {
    const notApproved = parseRegistrationId(t.sandbox.registrations.notApproved);
    const { tenant, subscription } = unmappedCustomer();
    const facts = memoryFacts();
    const error = await mapTenant(contextFor({ registration: notApproved, results: { customerTenantId: tenant, azureSubscriptionId: subscription } }, facts)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UnauthorizedCspRegistration' });
    await expect(unapprovedRegistration(facts, notApproved)).resolves.toEqual({ date: '2026-12-01T10:00:00.000Z', requestId: 'ONB-TEST' });
  });
});

describe('remap-tenant', () => {
  it('overwrites exactly what the approver saw, with one read and one PUT', async () => {
    const { tenant, subscription } = unmappedCustomer();
    const older = uuidv4() as Guid;
    mappings(payg)[older] = { tenantId: tenant };
    const from = t.sandbox.requests.length;
    const outcome = await remapTenant(
      contextFor({
        kind: 'remap',
        customer: { kind: 'existing', customerTenantId: tenant, companyName: 'X', domain: 'x.example' },
        azureSubscriptionId: subscription,
        previousMapping: { azureSubscriptionId: older },
      }),
    );
    expect(outcome).toMatchObject({ status: 'done', detail: expect.stringContaining(`tenant ${tenant} was billed through subscription ${older}`) });
    expect(armCallsDuring(from)).toEqual(['GET list', 'PUT one']);
  });

  it('stops when the mappings changed since the approval', async () => {
    const { tenant, subscription } = unmappedCustomer();
    mappings(payg)[uuidv4()] = { tenantId: tenant };
    const error = await remapTenant(
      contextFor({
        kind: 'remap',
        customer: { kind: 'existing', customerTenantId: tenant, companyName: 'X', domain: 'x.example' },
        azureSubscriptionId: subscription,
        previousMapping: {},
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MappingChangedSinceApproval' });
    expect(mappings(payg)[subscription]).toBeUndefined();
  });
});
