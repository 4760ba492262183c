// Every row rule of a bulk list, checked against the simulated cloud with the real clients: the
// onboarding dialog's own parsers and checks decide, and each problem names its line, company and
// column. Duplicates within the list and against open requests go too.
import { readBulkList } from '../../src/dialogs/bulkList';
import { checkBulkRows, type BulkPlan } from '../../src/dialogs/bulkPlan';
import { NEW_CUSTOMER_NEEDS_AZURE_PLAN } from '../../src/dialogs/onboardingChecks';
import { MESSAGES } from '../../src/dialogs/onboardingInput';
import { parseRegistrationId } from '../../src/onboarding/model';
import type { Cloud } from '../../src/onboarding/ports';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { newCustomerRequest, sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';

jest.setTimeout(60_000);

const HEADER = 'companyName,domain,country,region,city,postalCode,addressLine1,firstName,lastName,email,phone,registration,subscription,access,agreementDate';

describe('checking every row of a bulk list', () => {
  let sandbox: Sandbox;
  let cloud: Cloud;
  let store: BotStore;
  let reg: string;
  let capacity: string;
  let adatum: { customerTenantId: string; azureSubscriptionId?: string };
  let lapsed: { customerTenantId: string; azureSubscriptionId?: string };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    cloud = sandboxCloud(sandboxConfig(sandbox));
    store = await openSqliteStore(':memory:');
    reg = parseRegistrationId(sandbox.registrations.payAsYouUse).name;
    capacity = parseRegistrationId(sandbox.registrations.capacity).name;
    adatum = sandbox.seedCustomer({ companyName: 'Adatum', domain: 'adatum.com', azurePlan: 'active' });
    lapsed = sandbox.seedCustomer({ companyName: 'Lapsed', domain: 'lapsed.onmicrosoft.com', azurePlan: 'active' });
  });
  afterAll(async () => {
    await store?.close();
    await sandbox?.close();
  });

  /** A new customer's row, every column filled; `change` overrides cells by column. */
  function newRow(prefix: string, change: Record<string, string> = {}): string {
    const cells: Record<string, string> = {
      companyName: `${prefix} Ltd`,
      domain: `${prefix}.onmicrosoft.com`,
      country: 'US',
      region: 'WA',
      city: 'Redmond',
      postalCode: '98052',
      addressLine1: 'One Way 1',
      firstName: 'Tess',
      lastName: 'Admin',
      email: `tess@${prefix}.example`,
      phone: '+1 425 555 0101',
      registration: reg,
      subscription: 'azure-plan',
      access: 'none',
      agreementDate: '2026-11-27',
      ...change,
    };
    return HEADER.split(',')
      .map((c) => (/[",]/.test(cells[c]) ? `"${cells[c].replace(/"/g, '""')}"` : cells[c]))
      .join(',');
  }

  function existingRow(change: Record<string, string> = {}): string {
    return newRow('x', { companyName: 'Adatum', domain: 'adatum.com', country: '', region: '', city: '', postalCode: '', addressLine1: '', firstName: '', lastName: '', email: '', phone: '', subscription: adatum.azureSubscriptionId!, access: 'admin@adatum.com', agreementDate: '', ...change });
  }

  async function plan(rows: string[], over: Partial<Cloud> = {}): Promise<BulkPlan> {
    const list = readBulkList([HEADER, ...rows].join('\n'));
    if (!list.ok) throw new Error(list.problem);
    return checkBulkRows(list.rows, { cloud: { ...cloud, ...over } as Cloud, store, now: () => new Date('2026-12-01T12:00:00Z') });
  }

  /** Line 2's problems as `column: words`. */
  const problemsOf = (p: BulkPlan, line = 2) => p.problems.filter((x) => x.line === line).map((x) => `${x.column}: ${x.problem}`);

  it('makes a ready new customer (Azure plan, the billing contact as who accepted the agreement) and a ready existing customer (their subscription, guest access as instructions)', async () => {
    const p = await plan([newRow('fresh1'), existingRow()]);
    expect(p.problems).toEqual([]);
    expect(p.total).toBe(2);
    const [fresh, existing] = p.ready;
    expect(fresh.line).toBe(2);
    expect(fresh.plan).toMatchObject({
      kind: 'onboard',
      customer: { kind: 'new', companyName: 'fresh1 Ltd', domain: 'fresh1.onmicrosoft.com', address: { country: 'US', region: 'WA', city: 'Redmond' }, culture: 'en-US', language: 'en' },
      subscription: { kind: 'azure-plan' },
      agreement: { acceptedBy: { firstName: 'Tess', lastName: 'Admin', email: 'tess@fresh1.example' }, dateAccepted: '2026-11-27' },
      registration: { resourceId: parseRegistrationId(sandbox.registrations.payAsYouUse).resourceId },
      access: { kind: 'none' },
    });
    expect(existing.line).toBe(3);
    expect(existing.plan).toMatchObject({
      customer: { kind: 'existing', customerTenantId: adatum.customerTenantId, companyName: 'Adatum', domain: 'adatum.com' },
      subscription: { kind: 'existing', azureSubscriptionId: adatum.azureSubscriptionId },
      access: { kind: 'guest-owner', email: 'admin@adatum.com', mode: 'instructions' },
    });
  });

  it('accepts a bare prefix as a new customer domain (as the company card does)', async () => {
    const p = await plan([newRow('fresh2', { domain: 'Fresh2' })]);
    expect(p.problems).toEqual([]);
    expect(p.ready[0].plan.customer.domain).toBe('fresh2.onmicrosoft.com');
  });

  it('registration: only one of REGISTRATIONS, and only one that can bill customer tenants', async () => {
    const unknown = await plan([newRow('reg1', { registration: 'nowhere' })]);
    expect(problemsOf(unknown)).toEqual([expect.stringMatching(/^registration: registration: "nowhere" is not one this bot may change: use one of .*\b/)]);
    expect(problemsOf(unknown)[0]).toContain(reg);
    const notBilling = await plan([newRow('reg2', { registration: capacity })]);
    expect(problemsOf(notBilling)).toEqual([expect.stringMatching(/^registration: .*Capacity billing model.*only a PayAsYouUse registration can/)]);
    expect(notBilling.ready).toEqual([]);
  });

  it('domain: a well-formed domain; a new customer only on <prefix>.onmicrosoft.com; never a tenant that is not our customer', async () => {
    expect(problemsOf(await plan([newRow('d1', { domain: 'bad domain!' })]))).toEqual([expect.stringMatching(/^domain: domain: a new customer's <prefix>\.onmicrosoft\.com/)]);
    expect(problemsOf(await plan([newRow('d2', { domain: 'nobody.example.com' })]))).toEqual([expect.stringMatching(/^domain: nobody\.example\.com is no customer of yours/)]);
    const taken = await plan([newRow('d3', { domain: 'lapsed.onmicrosoft.com' })], {
      partnerCenter: Object.assign(Object.create(cloud.partnerCenter), { findCustomerByDomain: async () => undefined }),
    });
    expect(problemsOf(taken)).toEqual([expect.stringMatching(/^domain: lapsed\.onmicrosoft\.com belongs to a tenant that is not your customer/)]);
    expect(problemsOf(await plan([newRow('d4', { domain: `${'a'.repeat(28)}.onmicrosoft.com` })]))).toEqual([`domain: ${MESSAGES.domainPrefix}`]);
  });

  it('country and address: the billing card’s rules, each problem in its column', async () => {
    const p = await plan([
      newRow('a1', { country: 'XX' }),
      newRow('a2', { region: '' }),
      newRow('a3', { city: '', postalCode: '!', addressLine1: '' }),
      newRow('a4', { email: 'not-an-email', phone: '12' }),
      newRow('a5', { country: 'RU', region: '' }),
      newRow('a6', { companyName: '' }),
    ]);
    expect(problemsOf(p, 2)).toEqual([`country: ${MESSAGES.country}`]);
    expect(problemsOf(p, 3)).toEqual([`region: ${MESSAGES.region}`]);
    expect(problemsOf(p, 4)).toEqual([`city: ${MESSAGES.city}`, `postalCode: ${MESSAGES.postalCode}`, `addressLine1: ${MESSAGES.addressLine1}`]);
    expect(problemsOf(p, 5)).toEqual(expect.arrayContaining([`email: ${MESSAGES.email}`, `phone: ${MESSAGES.phone}`]));
    expect(problemsOf(p, 6)).toEqual([`organizationRegistrationNumber: ${MESSAGES.organizationRegistrationRequired}`]);
    expect(problemsOf(p, 7)).toEqual([`companyName: ${MESSAGES.companyName}`]);
    expect(p.problems.find((x) => x.line === 4)?.company).toBe('a3 Ltd');
    expect(p.ready).toEqual([]);
  });

  it('subscription: azure-plan or a GUID; a new customer buys an Azure plan; an Azure plan needs the agreement date', async () => {
    const p = await plan([
      newRow('s1', { subscription: 'plan please' }),
      newRow('s2', { subscription: adatum.azureSubscriptionId! }),
      newRow('s3', { agreementDate: '' }),
      newRow('s4', { agreementDate: '2027-05-01' }),
    ]);
    expect(problemsOf(p, 2)).toEqual([expect.stringMatching(/^subscription: subscription: azure-plan, or the id of one of the customer's Azure subscriptions/)]);
    expect(problemsOf(p, 3)).toEqual([`subscription: ${NEW_CUSTOMER_NEEDS_AZURE_PLAN}`]);
    expect(problemsOf(p, 4)).toEqual(expect.arrayContaining([expect.stringMatching(/^agreementDate: agreementDate: a new Azure plan needs the day the customer accepted/)]));
    expect(problemsOf(p, 5)).toEqual([`agreementDate: ${MESSAGES.agreementDate}`]);
  });

  it("subscription: for an existing customer, one of their active Azure subscriptions in Partner Center", async () => {
    const p = await plan([existingRow({ subscription: lapsed.azureSubscriptionId! })]);
    expect(problemsOf(p)).toEqual([expect.stringMatching(new RegExp(`^subscription: ${lapsed.azureSubscriptionId} is not one of Adatum's Azure subscriptions in Partner Center`))]);
  });

  it('subscription: no Azure plan purchase where the cloud has none (AzureChinaCloud)', async () => {
    const p = await plan([existingRow({ subscription: 'azure-plan' })], { name: 'AzureChinaCloud' });
    expect(problemsOf(p)).toEqual([expect.stringMatching(/^subscription: In AzureChinaCloud .* do not apply/)]);
  });

  it("access: none, or the customer admin's e-mail", async () => {
    const p = await plan([existingRow({ access: 'someone' }), existingRow({ access: '' }).replace('Adatum', 'Adatum')]);
    expect(problemsOf(p, 2)).toEqual([`access: ${MESSAGES.adminEmail}`]);
    expect(problemsOf(p, 3)).toEqual([expect.stringMatching(/^access: access: none, or the e-mail/)]);
  });

  it('duplicates: the same customer twice in the list keeps the first row; a customer an open request onboards is left out', async () => {
    const within = await plan([newRow('dup1'), newRow('dup1', { companyName: 'Again' }), existingRow(), existingRow({ domain: 'ADATUM.COM' })]);
    expect(within.ready.map((r) => r.line)).toEqual([2, 4]);
    expect(problemsOf(within, 3)).toEqual(['domain: Line 2 onboards the same customer or subscription: keep one of the two rows.']);
    expect(problemsOf(within, 5)).toEqual(['domain: Line 4 onboards the same customer or subscription: keep one of the two rows.']);

    const open = newCustomerRequest(sandbox);
    await store.requests.create({ ...open, customer: { ...open.customer, domain: 'dup2.onmicrosoft.com' } });
    const against = await plan([newRow('dup2')]);
    expect(problemsOf(against)).toEqual([`domain: Request ${open.id} (pending approval) already onboards this customer or subscription: leave the row out, or cancel ${open.id} first.`]);
  });
});
