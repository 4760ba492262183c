// The tenant directory on the simulated cloud through the real clients: every page of a registration
// with 1,000 mappings joined with Partner Center names (bounded concurrency, cached for paging), an
// empty registration, one that does not exist, and the parsing that keeps bad input out.
import { isDomainError } from '../../src/onboarding/errors';
import type { Guid, RegistrationRef } from '../../src/onboarding/model';
import type { Cloud, CustomerSummary } from '../../src/onboarding/ports';
import { parseRemap, parseRemoval } from '../../src/onboarding/tenants/tenantChanges';
import { createTenantDirectory, pageTenants, parseTenantQuery, searchTenants, selectRegistration, type TenantRow } from '../../src/onboarding/tenants/tenantDirectory';
import type { Sandbox } from '../../src/sandbox';
import { sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';

const MISSING_REGISTRATION = '/subscriptions/5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/azurestack-never-registered';

describe('the tenant directory on the simulated cloud', () => {
  let sandbox: Sandbox;
  let cloud: Cloud;
  let east: RegistrationRef;
  let west: RegistrationRef;
  let seeded: Array<{ customerTenantId: string; azureSubscriptionId?: string }>;
  let rows: TenantRow[];
  let peakCustomerLookups = 0;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    seeded = sandbox.seedMappings(sandbox.registrations.payAsYouUse, 1000);
    const config = sandboxConfig(sandbox, { REGISTRATIONS: `${Object.values(sandbox.registrations).join(',')},${MISSING_REGISTRATION}` });
    cloud = sandboxCloud(config);
    east = cloud.registrations.allowed.find((r) => r.name === 'azurestack-payg-east')!;
    west = cloud.registrations.allowed.find((r) => r.name === 'azurestack-payg-west')!;
    // Count how many customer lookups are in flight at once (the real call is made).
    const getCustomer = cloud.partnerCenter.getCustomer.bind(cloud.partnerCenter);
    let inFlight = 0;
    cloud.partnerCenter.getCustomer = async (id: Guid) => {
      peakCustomerLookups = Math.max(peakCustomerLookups, ++inFlight);
      try {
        return await getCustomer(id);
      } finally {
        inFlight--;
      }
    };
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const calls = (service: string, pathPart: string, since: number) => sandbox.requests.slice(since).filter((r) => r.service === service && r.path.includes(pathPart));

  it('lists all 1,000 mappings of a registration (every page), each joined with its customer, with at most 8 lookups at once (speed is measured by npm run bench, not here)', async () => {
    const directory = createTenantDirectory({ cloud });
    const before = sandbox.requests.length;
    rows = await directory.listTenants([east]);

    expect(rows).toHaveLength(1000);
    const bySubscription = new Map(rows.map((r) => [r.azureSubscriptionId, r]));
    for (const s of seeded) {
      const row = bySubscription.get(s.azureSubscriptionId as Guid)!;
      expect(row.customerTenantId).toBe(s.customerTenantId);
      expect(row.customer?.customerTenantId).toBe(s.customerTenantId);
      expect(row.resourceId).toBe(`${east.resourceId}/customerSubscriptions/${s.azureSubscriptionId}`);
    }
    // Sorted by name, numbers in order: "Tenant x 2" before "Tenant x 10".
    const numbers = rows.map((r) => Number(/ (\d+)$/.exec(r.customer!.companyName)![1]));
    expect(numbers.slice(0, 12)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // 1,000 mappings at 50 a page: 20 pages listed; one lookup per customer, never more than 8 at a time.
    expect(calls('arm', '/customerSubscriptions', before).filter((r) => r.method === 'GET')).toHaveLength(20);
    expect(calls('partnercenter', '/v1/customers/', before)).toHaveLength(1000);
    expect(peakCustomerLookups).toBeLessThanOrEqual(8);
    expect(peakCustomerLookups).toBeGreaterThan(1);

    // Paging and searching afterwards reuse the listing and the names: no calls at all.
    const again = sandbox.requests.length;
    const second = await directory.listTenants([east]);
    expect(second).toHaveLength(1000);
    expect(sandbox.requests.length).toBe(again);
  });

  it('pages 20 to a card page ("page 3 of 50") and searches by name, domain, tenant id and subscription id', () => {
    const page3 = pageTenants(rows, '', 3, 20);
    expect(page3).toMatchObject({ page: 3, pageCount: 50, matching: 1000, total: 1000 });
    expect(page3.rows).toEqual(rows.slice(40, 60));
    expect(pageTenants(rows, '', 99, 20).page).toBe(50);

    const target = rows[123];
    expect(searchTenants(rows, target.customerTenantId.toUpperCase())).toEqual([target]);
    expect(searchTenants(rows, target.azureSubscriptionId.slice(0, 18))).toEqual([target]);
    expect(searchTenants(rows, target.customer!.domain)).toEqual([target]);
    const byName = searchTenants(rows, `${target.customer!.companyName.split(' ').slice(0, 2).join(' ')} 12`);
    // "Tenant abc 12" also matches 120–129 and 1200+ do not exist: 12 and 120..129.
    expect(byName).toHaveLength(11);
    expect(pageTenants(rows, 'no such tenant', 1, 20)).toMatchObject({ rows: [], page: 1, pageCount: 1, matching: 0 });
  });

  it('an empty registration (the API answers with no body) is an empty list', async () => {
    const before = sandbox.requests.length;
    const directory = createTenantDirectory({ cloud });
    expect(await directory.listTenants([west])).toEqual([]);
    const listing = calls('arm', '/customerSubscriptions', before);
    expect(listing.map((r) => r.status)).toEqual([200]);
  });

  it('a configured registration that does not exist in Azure fails with RegistrationNotFound, and is not cached', async () => {
    const directory = createTenantDirectory({ cloud });
    const missing = cloud.registrations.allowed.find((r) => r.name === 'azurestack-never-registered')!;
    const failure = await directory.listTenants([missing]).catch((e) => e);
    expect(isDomainError(failure)).toBe(true);
    expect(failure.code).toBe('RegistrationNotFound');
    expect(failure.message).toContain('not found');
    const before = sandbox.requests.length;
    await directory.listTenants([missing]).catch(() => undefined);
    expect(calls('arm', 'azurestack-never-registered', before).length).toBeGreaterThan(0);
  });

  it('keeps a customer Partner Center no longer knows as a row without a name', async () => {
    const gone = sandbox.seedCustomer({ companyName: 'Gone Soon', domain: 'gonesoon.onmicrosoft.com', azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse2] });
    delete sandbox.state.customers[gone.customerTenantId];
    const directory = createTenantDirectory({ cloud });
    const found = await directory.listTenants([west]);
    expect(found).toHaveLength(1);
    expect(found[0].customerTenantId).toBe(gone.customerTenantId);
    expect(found[0].customer).toBeUndefined();
  });

  it('caches a customer name for its TTL only', async () => {
    let clock = 0;
    const directory = createTenantDirectory({ cloud, customerTtlMs: 1000, now: () => clock });
    const id = seeded[0].customerTenantId as Guid;
    const before = sandbox.requests.length;
    const first: CustomerSummary | undefined = await directory.customer(id);
    await directory.customer(id);
    expect(calls('partnercenter', id, before)).toHaveLength(1);
    clock = 1001;
    await directory.customer(id);
    expect(calls('partnercenter', id, before)).toHaveLength(2);
    expect(first?.customerTenantId).toBe(id);
  });
});

describe('what an operator types, parsed once', () => {
  const allowed: RegistrationRef[] = [
    {
      subscriptionId: '5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d' as Guid,
      resourceGroup: 'azurestack',
      name: 'azurestack-payg-east',
      resourceId: '/subscriptions/5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/azurestack-payg-east',
    },
    {
      subscriptionId: '5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d' as Guid,
      resourceGroup: 'azurestack',
      name: 'azurestack-payg-west',
      resourceId: '/subscriptions/5a1e7b2c-3d4f-4a5b-8c6d-7e8f9a0b1c2d/resourceGroups/azurestack/providers/Microsoft.AzureStack/registrations/azurestack-payg-west',
    },
  ];

  it('chooses a registration by name or resource id, offers a choice when none is named, and refuses anything else with the allowed names', () => {
    expect(selectRegistration(allowed, 'AZURESTACK-PAYG-WEST')).toEqual({ kind: 'one', registration: allowed[1] });
    expect(selectRegistration(allowed, allowed[0].resourceId.toLowerCase())).toEqual({ kind: 'one', registration: allowed[0] });
    expect(selectRegistration(allowed, '')).toEqual({ kind: 'choose', registrations: allowed });
    expect(selectRegistration(allowed, 'all')).toEqual({ kind: 'all', registrations: allowed });
    expect(selectRegistration([allowed[0]], '')).toEqual({ kind: 'one', registration: allowed[0] });
    for (const bad of ['azurestack-payg-north', '../azurestack-payg-east', `${allowed[0].resourceId}/../../x`]) {
      const refused = selectRegistration(allowed, bad);
      expect(refused.kind).toBe('unknown');
      expect((refused as { message: string }).message).toContain('azurestack-payg-east, azurestack-payg-west');
    }
  });

  it('takes a subscription id or a domain for `tenant`, nothing else', () => {
    expect(parseTenantQuery('3F15978E-005C-B763-BB78-2A8FAB289C58')).toEqual({ kind: 'id', id: '3f15978e-005c-b763-bb78-2a8fab289c58' });
    expect(parseTenantQuery('Contoso.onmicrosoft.com')).toEqual({ kind: 'domain', domain: 'contoso.onmicrosoft.com' });
    for (const bad of ['', '../../etc/passwd', '3f15978e-005c-b763-bb78', 'contoso', 'a b.com']) {
      expect(parseTenantQuery(bad).kind).toBe('invalid');
    }
  });

  it('parses `remove tenant` and `remap` with zod, with a specific message for each mistake', () => {
    expect(parseRemoval('3F15978E-005C-B763-BB78-2A8FAB289C58 on azurestack-payg-east')).toEqual({
      ok: true,
      value: { azureSubscriptionId: '3f15978e-005c-b763-bb78-2a8fab289c58', registration: 'azurestack-payg-east' },
    });
    expect(parseRemoval('3f15978e-005c-b763-bb78-2a8fab289c58')).toEqual({ ok: true, value: { azureSubscriptionId: '3f15978e-005c-b763-bb78-2a8fab289c58' } });
    const badId = parseRemoval('../../subscriptions/x');
    expect(badId).toEqual({ ok: false, message: expect.stringContaining('is not a subscription id') });
    expect(parseRemoval('')).toEqual({ ok: false, message: expect.stringContaining('remove tenant <subscription id>') });

    expect(parseRemap('3f15978e-005c-b763-bb78-2a8fab289c58 to contoso.onmicrosoft.com on azurestack-payg-west')).toEqual({
      ok: true,
      value: { azureSubscriptionId: '3f15978e-005c-b763-bb78-2a8fab289c58', tenant: 'contoso.onmicrosoft.com', registration: 'azurestack-payg-west' },
    });
    expect(parseRemap('3f15978e-005c-b763-bb78-2a8fab289c58 contoso.onmicrosoft.com')).toEqual({ ok: false, message: expect.stringContaining('remap <subscription id> to') });
    expect(parseRemap('3f15978e-005c-b763-bb78-2a8fab289c58 to ../../x')).toEqual({ ok: false, message: expect.stringContaining('neither a tenant id') });
    expect(parseRemap('not-a-guid to contoso.onmicrosoft.com')).toEqual({ ok: false, message: expect.stringContaining('is not a subscription id') });
  });
});
