// The whole runbook on the simulated cloud through the real clients and a real SQLite store:
// a new customer with an Azure plan and guest access ends with exactly one of everything.
import { randomUUID } from 'crypto';
import { openSqliteStore } from '../../src/store/sqliteStore';
import { openBlobStore } from '../../src/store/blobStore';
import { startAzurite, type AzuriteBlob } from '../support/azurite';
import type { BotStore } from '../../src/store/types';
import { createRunner, type Runner } from '../../src/onboarding/run/runner';
import type { Sandbox } from '../../src/sandbox';
import type { Cloud } from '../../src/onboarding/ports';
import { parseRegistrationId, type Guid, type OnboardingRequest } from '../../src/onboarding/model';
import { unapprovedRegistration } from '../../src/onboarding/rules/unapprovedRegistration';
import { requestFacts } from '../../src/cards/requestView';
import { MEGAN } from '../support/people';
import { RecordingNotifier, confirmOnAgreementPage as confirmOnPage, newCustomerRequest, sandboxCloud, sandboxConfig, silentLogger, startTestSandbox, sandboxPerDescribe } from './support';

const APPROVER = { aadObjectId: MEGAN.aadObjectId };

describe('the onboarding run on the simulated cloud', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  let cloud: Cloud;
  let notifier: RecordingNotifier;
  let runner: Runner;

  sandboxPerDescribe((s) => (sandbox = s));
  /** Azurite, started by the first test that needs Blob storage. */
  let blob: Promise<AzuriteBlob> | undefined;
  const azurite = () => (blob ??= startAzurite());
  afterAll(async () => {
    await (await blob)?.close();
  });
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    notifier = new RecordingNotifier();
  });
  afterEach(async () => {
    await runner?.stop();
    await store.close();
  });

  function startRunner(extra: Record<string, string> = {}) {
    const config = sandboxConfig(sandbox, extra);
    cloud = sandboxCloud(config);
    runner = createRunner({ store, cloud, notifier, logger: silentLogger, pollIntervalMs: 0, pollMaxIntervalMs: 0, leaseMs: 2000 });
    return runner;
  }

  const confirmOnAgreementPage = (customerTenantId: string) => confirmOnPage(sandbox, customerTenantId);

  async function approve(request: OnboardingRequest) {
    const created = await store.requests.create(request);
    await store.requests.replace({ ...created.value, status: 'approved' }, created.etag);
  }

  /** Approves the request, runs it to its end and gives it back as stored. */
  async function runApproved(request: OnboardingRequest) {
    await approve(request);
    runner.schedule(request.id);
    await runner.idle();
    return (await store.requests.get(request.id))!.value;
  }

  it('new customer, Azure plan, guest with Owner: one of each, the right mapping, and the result with the link', async () => {
    startRunner();
    const before = sandbox.state.counts();
    const request = newCustomerRequest(sandbox);
    const done = await runApproved(request);
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ['check-registration', 'done'],
      ['customer', 'done'],
      ['customer-agreement', 'done'],
      ['azure-plan', 'done'],
      ['azure-subscription', 'done'],
      ['customer-access', 'done'],
      ['map-tenant', 'done'],
      // No AZURESTACK_STAMPS here: billing only.
      ['stamp-directory', 'skipped'],
      ['stamp-consent', 'skipped'],
      ['stamp-subscription', 'skipped'],
      ['stamp-access', 'skipped'],
      ['stamp-check', 'skipped'],
      ['post-result', 'done'],
    ]);
    const after = sandbox.state.counts();
    expect(after.customersCreated - before.customersCreated).toBe(1);
    expect(after.agreementsCreated - before.agreementsCreated).toBe(1);
    // The agreement confirmed is the attested acceptance: the customer's person and day, not the billing contact or now.
    const confirmed = sandbox.state.agreements.filter((a) => a.customerTenantId === done.results.customerTenantId);
    expect(confirmed).toEqual([expect.objectContaining({ primaryContact: request.agreement!.acceptedBy, dateAgreed: '2026-11-27T00:00:00.000Z', userId: sandbox.users.partnerAdmin })]);
    expect(after.checkouts - before.checkouts).toBe(1);
    expect(after.ordersCreated - before.ordersCreated).toBe(1);
    expect(after.invitations - before.invitations).toBe(1);
    expect(after.roleAssignmentsCreated - before.roleAssignmentsCreated).toBe(1);
    expect(after.mappingPuts - before.mappingPuts).toBe(1);

    const { customerTenantId, azureSubscriptionId, mappingResourceId } = done.results;
    const customer = sandbox.state.customers[customerTenantId!];
    expect(customer.domain).toBe(request.customer.domain);
    const registration = Object.values(sandbox.state.registrations).find((r) => r.id.toLowerCase() === request.registration.resourceId.toLowerCase())!;
    expect(registration.customerSubscriptions[azureSubscriptionId!]).toEqual({ tenantId: customerTenantId });
    expect(sandbox.state.roleAssignments.filter((a) => a.principalId === done.results.guestObjectId)).toHaveLength(1);

    expect(notifier.results).toHaveLength(1);
    expect(notifier.results[0].links.mappingResourceId).toBe(mappingResourceId);
    expect(notifier.results[0].links.portalLink).toContain(azureSubscriptionId);
    expect(done.results.resultPostedActivityId).toBe(`result-${request.id}`);

    // The audit trail has the run and every call that changed something; never the admin password.
    const trail = await store.audit.list(request.id);
    const actions = trail.map((e) => e.action);
    for (const a of ['run-started', 'customer-created', 'agreement-confirmed', 'order-created', 'guest-invited', 'owner-assigned', 'tenant-mapped', 'run-succeeded']) {
      expect(actions).toContain(a);
    }
    // The audit names who attested the acceptance, and whose acceptance it was.
    expect(trail.find((e) => e.action === 'agreement-confirmed')!.detail).toMatch(new RegExp(`accepted by Cora Signer .* on 2026-11-27, as attested by ${request.requester.name}`));
    expect(JSON.stringify(trail)).not.toContain(customer.adminCredentials.password);
    expect(JSON.stringify(done)).not.toContain(customer.adminCredentials.password);
    // The guest's invitation redeem URL is not stored (Entra e-mails it; the run never uses it).
    expect(JSON.stringify(done)).not.toMatch(/redeem/i);
    // The checklist was shown live: running states came before done ones.
    expect(notifier.changes.some((r) => r.steps.some((s) => s.status === 'running'))).toBe(true);
  });

  it.each([
    ['a new customer', 'new'],
    ['an existing customer', 'existing'],
  ])("%s in Germany buys the Azure plan as it is offered in Germany, not the US catalog item", async (_label, kind) => {
    startRunner();
    const base = newCustomerRequest(sandbox);
    if (base.customer.kind !== 'new') throw new Error('a new customer');
    const prefix = base.customer.domain.split('.')[0];
    const customer =
      kind === 'new'
        ? { ...base.customer, address: { country: 'DE', city: 'Berlin', postalCode: '10117', addressLine1: 'Unter den Linden 1' }, culture: 'de-DE', language: 'de' }
        : {
            kind: 'existing' as const,
            customerTenantId: sandbox.seedCustomer({ companyName: `Berlin ${prefix}`, domain: `${prefix}.onmicrosoft.com`, country: 'DE', agreement: true }).customerTenantId as Guid,
            companyName: `Berlin ${prefix}`,
            domain: `${prefix}.onmicrosoft.com`,
          };
    const request = newCustomerRequest(sandbox, { id: base.id, customer });
    await approve(request);
    runner.schedule(request.id);
    await runner.idle();
    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    const orders = Object.values(sandbox.state.orders).filter((o) => o.customerTenantId === done.results.customerTenantId);
    expect(orders.flatMap((o) => o.lineItems.map((l) => l.offerId))).toEqual(['DZH318Z0BPS6:0001:DZH318Z0BMDE']);
  });

  it('"buy an Azure plan" for a customer who already has one: the run stops before acting on a subscription nobody approved', async () => {
    startRunner();
    const seeded = sandbox.seedCustomer({ companyName: 'Planned Already Ltd', domain: `planned${Date.now()}.onmicrosoft.com`, azurePlan: 'active' });
    const base = newCustomerRequest(sandbox);
    const request: OnboardingRequest = {
      ...base,
      customer: { kind: 'existing', customerTenantId: seeded.customerTenantId as Guid, companyName: 'Planned Already Ltd', domain: 'planned.onmicrosoft.com' },
      subscription: { kind: 'azure-plan' },
    } as OnboardingRequest;
    // What the approver saw: a new subscription, and the guest as Owner of that new one.
    const facts = Object.fromEntries(requestFacts(request).map((f) => [f.title, f.value]));
    expect(facts.Subscription).toBe('Buy an Azure plan: a new Azure subscription');
    expect(facts['Customer access']).toContain('as guest with Owner on the new Azure subscription');
    const { failed, step, before } = await runUntilItFails(request, 'azure-plan');
    expect(step.error).toMatchObject({ code: 'SubscriptionNotApproved', transient: false });
    expect(step.error?.message).toContain(`already has an Azure plan (${seeded.pcSubscriptionId})`);
    expect(step.error?.nextStep).toMatch(/existing Azure subscription/);
    // Nothing acted on the plan's subscription: no guest, no Owner, no mapping, nothing bought.
    expect(failed.results.azureSubscriptionId).toBeUndefined();
    const after = sandbox.state.counts();
    for (const count of ['checkouts', 'ordersCreated', 'invitations', 'roleAssignmentsCreated', 'mappingPuts'] as const) expect(after[count]).toBe(before[count]);
    expect(failed.steps.filter((s) => ['azure-subscription', 'customer-access', 'map-tenant'].includes(s.name)).map((s) => s.status)).toEqual(['waiting', 'waiting', 'waiting']);
  });

  it('a replayed customer create that answers 409 (the MS-RequestId forgotten, the domain taken) uses the customer the first create made', async () => {
    startRunner();
    const request = newCustomerRequest(sandbox);
    // As if the first create went through under this MS-RequestId and Partner Center no longer knows the id.
    const first = sandbox.seedCustomer({ companyName: request.customer.companyName, domain: request.customer.domain, azurePlan: 'none' });
    const crashed = { ...request, results: { ...request.results, createCustomerRequestId: randomUUID() } };
    await approve(crashed);
    const before = sandbox.state.counts();
    runner.schedule(request.id);
    await runner.idle();
    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    expect(done.results.customerTenantId).toBe(first.customerTenantId);
    expect(sandbox.state.counts().customersCreated).toBe(before.customersCreated);
    const found = (await store.audit.list(request.id)).find((e) => e.action === 'customer-found');
    expect(found?.detail).toContain('answered a conflict');
  });

  it('after an unclear checkout the run adopts only an Azure plan order, never another product\'s order of the customer', async () => {
    startRunner();
    const request = newCustomerRequest(sandbox);
    const customer = sandbox.seedCustomer({ companyName: request.customer.companyName, domain: request.customer.domain, azurePlan: 'none' });
    const tenant = customer.customerTenantId as Guid;
    const { cartId } = await cloud.partnerCenter.createCart(tenant, await cloud.partnerCenter.azurePlanCatalogItemId(tenant));
    // The customer's Microsoft 365 order, completed, and the run's checkout with no clear answer.
    const at = new Date().toISOString();
    sandbox.state.orders['m365-order'] = {
      id: 'm365-order',
      customerTenantId: tenant,
      billingCycle: 'monthly',
      lineItems: [{ lineItemNumber: 0, offerId: 'CFQ7TTC0LH18:0001:CFQ7TTC0KDN3', subscriptionId: 'm365-subscription', friendlyName: 'Microsoft 365 Business Basic', quantity: 1 }],
      status: 'completed',
      creationDate: at,
      completesAt: at,
    };
    await approve({ ...request, results: { customerTenantId: tenant, cartId, checkoutSubmittedAt: at } });
    runner.schedule(request.id);
    await runner.idle();
    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    expect(done.results.orderId).not.toBe('m365-order');
    expect(done.results.pcSubscriptionId).not.toBe('m365-subscription');
    expect((await store.audit.list(request.id)).map((e) => e.action)).toContain('checkout-resent');
  });

  it.each(['SQLite', 'Blob'] as const)("%s: a step's end is written with what comes next (the next step's start or skip, or the run's end): one write, the trail in order", async (kind) => {
    if (kind === 'Blob') {
      await store.close();
      store = await openBlobStore({ connectionString: (await azurite()).connectionString, container: `run-${randomUUID()}` });
    }
    startRunner();
    // The trail entries the run writes together, as the store gets them: with the request in one
    // commit (SQLite's replaceAndAudit), or after it in one append (Blob's appendAll).
    const together: string[][] = [];
    const requests = store.requests;
    const audit = store.audit;
    if (requests.replaceAndAudit) {
      const replaceAndAudit = requests.replaceAndAudit.bind(requests);
      requests.replaceAndAudit = (request, etag, entries) => (together.push(entries.map((e) => e.action)), replaceAndAudit(request, etag, entries));
    } else {
      const [append, appendAll] = [audit.append.bind(audit), audit.appendAll!.bind(audit)];
      audit.append = (entry) => (together.push([entry.action]), append(entry));
      audit.appendAll = (entries) => (together.push(entries.map((e) => e.action)), appendAll(entries));
    }
    const request = newCustomerRequest(sandbox);
    const done = await runApproved(request);
    expect(done.status).toBe('succeeded');
    const stepsDone = done.steps.filter((s) => s.status === 'done').length;
    const ends = together.filter((w) => w.includes('step-done'));
    expect(ends).toHaveLength(stepsDone);
    for (const w of ends) expect([w.length, w[0], ['step-started', 'step-skipped', 'run-succeeded'].includes(w[1])]).toEqual([2, 'step-done', true]);
    expect(together[together.length - 1]).toEqual(['step-done', 'run-succeeded']);
    if (requests.replaceAndAudit) {
      // One write to start the run, one per step started or skipped, one to end it: none of its own for a step's end.
      expect(together).toHaveLength(1 + done.steps.length + 1);
    }
    // The trail reads as it did: each step started and done before the next one starts.
    const trail = (await store.audit.list(request.id)).map((e) => e.action).filter((a) => ['step-started', 'step-done', 'step-skipped', 'run-succeeded'].includes(a));
    const expected = done.steps.flatMap((s) => (s.status === 'skipped' ? ['step-skipped'] : ['step-started', 'step-done']));
    expect(trail).toEqual([...expected, 'run-succeeded']);
  });

  it("a run stopped just after a step ended still stores that step's end and results, and the next worker goes on from there", async () => {
    startRunner();
    const request = newCustomerRequest(sandbox);
    await approve(request);
    // The mapping's PUT is held; the runner is told to stop while it is in flight.
    const hold = sandbox.holds.add({ method: 'PUT', path: /\/customerSubscriptions\/[^/]+$/ });
    runner.schedule(request.id);
    await hold.arrived;
    const stopped = runner.stop();
    hold.release();
    await stopped;

    const stored = (await store.requests.get(request.id))!.value;
    expect(stored.status).toBe('running');
    expect(stored.steps.find((s) => s.name === 'map-tenant')).toMatchObject({ status: 'done' });
    expect(stored.results.mappingResourceId).toBeDefined();
    expect(stored.steps.find((s) => s.name === 'stamp-directory')!.status).toBe('waiting');
    expect((await store.audit.list(request.id)).filter((e) => e.action === 'step-done' && /tenant/i.test(e.detail))).not.toHaveLength(0);

    const mappingPuts = sandbox.state.counts().mappingPuts;
    startRunner();
    runner.schedule(request.id);
    await runner.idle();
    expect((await store.requests.get(request.id))!.value.status).toBe('succeeded');
    // The mapping step was not run again.
    expect(sandbox.state.counts().mappingPuts).toBe(mappingPuts);
  });

  it('a second run of a finished request changes nothing (every step finds its own result)', async () => {
    startRunner();
    const request = newCustomerRequest(sandbox);
    await approve(request);
    runner.schedule(request.id);
    await runner.idle();
    const before = sandbox.state.counts();
    // As if a worker crashed after the last step but before "succeeded" was stored.
    const stored = (await store.requests.get(request.id))!;
    await store.requests.replace({ ...stored.value, status: 'running', steps: stored.value.steps.map((s) => ({ ...s, status: 'waiting' })) }, stored.etag);
    runner.schedule(request.id);
    await runner.idle();
    expect((await store.requests.get(request.id))!.value.status).toBe('succeeded');
    expect(sandbox.state.counts()).toEqual(before);
    expect(notifier.results).toHaveLength(1);
  });

  it('without a delegated credential the run pauses for the customer agreement without calling the App+User API, and Continue after a hand confirmation finishes it', async () => {
    startRunner({ PARTNER_CENTER_REFRESH_TOKEN: '' });
    const checkoutsBefore = sandbox.state.counts().checkouts;
    const request = newCustomerRequest(sandbox);
    await approve(request);
    const agreementCallsBefore = sandbox.requests.filter((r) => /\/agreements$/.test(r.path)).length;
    runner.schedule(request.id);
    await runner.idle();
    const paused = (await store.requests.get(request.id))!;
    expect(paused.value.status).toBe('paused');
    expect(paused.value.steps.find((s) => s.name === 'customer-agreement')!.detail).toMatch(/no delegated Partner Center credential.*Confirm the agreement in Partner Center .*Cora Signer.*2026-11-27.*then click Continue/);
    // App+User only: nothing was asked app-only (the real service answers 403).
    expect(sandbox.requests.filter((r) => /\/agreements$/.test(r.path))).toHaveLength(agreementCallsBefore);
    expect(sandbox.state.counts().checkouts).toBe(checkoutsBefore); // nothing bought while paused
    const ordersWhilePaused = sandbox.state.counts().ordersCreated;

    // The operator confirms on the simulated Partner Center's page...
    await confirmOnAgreementPage(paused.value.results.customerTenantId!);
    expect(sandbox.state.counts().ordersCreated).toBe(ordersWhilePaused);
    // ...and an approver clicks Continue (the lifecycle's transition, done here directly on the store).
    await store.requests.replace({ ...paused.value, status: 'running', results: { ...paused.value.results, agreementContinuedBy: APPROVER.aadObjectId } }, paused.etag);
    runner.schedule(request.id);
    await runner.idle();
    const done = (await store.requests.get(request.id))!.value;
    expect(done.status).toBe('succeeded');
    expect(done.steps.find((s) => s.name === 'customer-agreement')!.detail).toMatch(/by hand/);
    expect((await store.audit.list(request.id)).map((e) => e.action)).toContain('agreement-confirmed-by-hand');
  });

  it('a refused delegated sign-in pauses the run with the reason and how to renew it (no secret), and Continue after a hand confirmation finishes it', async () => {
    const revoked = 'sandbox-rt.revoked-and-secret';
    startRunner({ PARTNER_CENTER_REFRESH_TOKEN: revoked });
    const checkoutsBefore = sandbox.state.counts().checkouts;
    const request = newCustomerRequest(sandbox);
    await approve(request);
    runner.schedule(request.id);
    await runner.idle();
    const paused = (await store.requests.get(request.id))!;
    expect(paused.value.status).toBe('paused');
    const step = paused.value.steps.find((s) => s.name === 'customer-agreement')!;
    expect(step.status).toBe('waiting');
    expect(step.detail).toContain('The delegated Partner Center sign-in has expired or was revoked.');
    expect(step.detail).toMatch(/consents again with an MFA sign-in .* PARTNER_CENTER_REFRESH_TOKEN and restarts the bot/);
    expect(step.detail).toMatch(/confirm the agreement in Partner Center .* then click Continue/);
    expect(sandbox.state.counts().checkouts).toBe(checkoutsBefore);
    const trail = await store.audit.list(request.id);
    expect(trail.map((e) => e.action)).toEqual(expect.arrayContaining(['agreement-sign-in-refused', 'run-paused']));
    expect(trail.map((e) => e.action)).not.toContain('step-failed');
    expect(JSON.stringify(paused.value) + JSON.stringify(trail)).not.toContain(revoked);

    // An operator confirms by hand; the delegated sign-in still fails, so Continue takes the approver's word
    // (the checkout would answer 13605 if it were not so) and goes on.
    await confirmOnAgreementPage(paused.value.results.customerTenantId!);
    await store.requests.replace({ ...paused.value, status: 'running', results: { ...paused.value.results, agreementContinuedBy: APPROVER.aadObjectId } }, paused.etag);
    runner.schedule(request.id);
    await runner.idle();
    expect((await store.requests.get(request.id))!.value.status).toBe('succeeded');
  });

  it('a permanent failure stops the run with the step, the cause and the next step; fixing it and retrying completes', async () => {
    startRunner();
    const request = newCustomerRequest(sandbox, { registration: (await import('../../src/onboarding/model')).parseRegistrationId(sandbox.registrations.notApproved) });
    await approve(request);
    runner.schedule(request.id);
    await runner.idle();
    const failed = (await store.requests.get(request.id))!;
    expect(failed.value.status).toBe('failed');
    const step = failed.value.steps.find((s) => s.status === 'failed')!;
    expect(step.name).toBe('map-tenant');
    expect(step.error!.code).toBe('UnauthorizedCspRegistration');
    expect(step.error!.nextStep).toBeTruthy();
    expect(await unapprovedRegistration(store.facts, request.registration)).toEqual({ date: expect.any(String), requestId: request.id });

    // Microsoft approves the registration; an approver clicks Retry.
    const registration = Object.values(sandbox.state.registrations).find((r) => r.id.toLowerCase() === request.registration.resourceId.toLowerCase())!;
    registration.approvedForMultiTenancy = true;
    const before = sandbox.state.counts();
    await store.requests.replace(
      { ...failed.value, status: 'running', steps: failed.value.steps.map((s) => (s.status === 'failed' ? { ...s, status: 'waiting' } : s)) },
      failed.etag,
    );
    runner.schedule(request.id);
    await runner.idle();
    expect((await store.requests.get(request.id))!.value.status).toBe('succeeded');
    const after = sandbox.state.counts();
    expect(after.customersCreated).toBe(before.customersCreated);
    expect(after.ordersCreated).toBe(before.ordersCreated);
    expect(after.invitations).toBe(before.invitations);
    expect(after.mappingPuts - before.mappingPuts).toBe(1);
  });

  it('a Development (proof of concept) registration is refused by the first step, with the reason, before anything is created', async () => {
    const development = sandbox.seedRegistration({ name: 'azurestack-poc-run', billingModel: 'Development' });
    startRunner({ REGISTRATIONS: [sandbox.env.REGISTRATIONS, development].join(',') });
    const error = await refusedByTheFirstStep(newCustomerRequest(sandbox, { registration: parseRegistrationId(development) }));
    expect(error).toMatchObject({
      code: 'CustomerSubscriptionsNotAllowed',
      message: 'azurestack-poc-run uses the Development billing model, which cannot bill usage to customer tenants: only a PayAsYouUse registration can.',
    });
  });

  /** Approves and runs the request; the run fails at `stepName`. Returns the request, the failed step and the simulator's counts from before the run. */
  async function runUntilItFails(request: OnboardingRequest, stepName: string) {
    await approve(request);
    const before = sandbox.state.counts();
    runner.schedule(request.id);
    await runner.idle();
    const failed = (await store.requests.get(request.id))!.value;
    expect(failed.status).toBe('failed');
    const step = failed.steps.find((s) => s.status === 'failed')!;
    expect(step.name).toBe(stepName);
    return { failed, step, before };
  }

  /** The run fails at check-registration and nothing is created in the simulated cloud. Returns the step's error. */
  async function refusedByTheFirstStep(request: OnboardingRequest) {
    const { step, before } = await runUntilItFails(request, 'check-registration');
    expect(sandbox.state.counts()).toEqual(before);
    return step.error!;
  }

  it.each(['AzureChinaCloud', 'AzureUSGovernment'])('in %s an Azure-plan request is refused by the first step, with the reason, before anything is created', async (cloudName) => {
    const config = sandboxConfig(sandbox);
    // The simulated cloud's clients, under the national cloud's name (what the rule reads).
    cloud = Object.assign(sandboxCloud(config), { name: cloudName });
    runner = createRunner({ store, cloud, notifier, logger: silentLogger, pollIntervalMs: 0, pollMaxIntervalMs: 0, leaseMs: 2000 });
    const error = await refusedByTheFirstStep(newCustomerRequest(sandbox));
    expect(error).toMatchObject({
      code: 'AzurePlanPurchaseNotAvailable',
      message: expect.stringContaining(`In ${cloudName} (`),
      nextStep: expect.stringContaining('Use an existing Azure subscription'),
    });
    expect(error.message).toContain('the Microsoft Customer Agreement and Azure plan purchase APIs do not apply');
  });
});

describe('an order Partner Center does not finish', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  beforeAll(async () => {
    // Orders take an hour here: the step polls and polls.
    sandbox = await startTestSandbox({ orderCompleteMs: 3_600_000 });
    store = await openSqliteStore(':memory:');
  });
  afterAll(async () => {
    await store.close();
    await sandbox.close();
  });

  it('fails the run after POLL_TIMEOUT_MINUTES with the order\'s state and Retry, and Retry picks the order up once it completes', async () => {
    const config = sandboxConfig(sandbox);
    const notifier = new RecordingNotifier();
    const runner = createRunner({ store, cloud: sandboxCloud(config), notifier, logger: silentLogger, pollIntervalMs: 0, pollMaxIntervalMs: 0, pollTimeoutMs: 50, leaseMs: 2000 });
    const request = newCustomerRequest(sandbox);
    const created = await store.requests.create(request);
    await store.requests.replace({ ...created.value, status: 'approved' }, created.etag);
    runner.schedule(request.id);
    await runner.idle();
    const failed = (await store.requests.get(request.id))!;
    expect(failed.value.status).toBe('failed');
    const step = failed.value.steps.find((s) => s.status === 'failed')!;
    expect(step.name).toBe('azure-plan');
    expect(step.error).toMatchObject({ code: 'PollTimedOut', message: expect.stringContaining('still not finished'), nextStep: expect.stringContaining('Retry') });
    expect(step.pollingSince).toBeUndefined();

    // Partner Center completes the order; an approver clicks Retry (the lifecycle's transition, here on the store).
    const at = new Date().toISOString();
    for (const order of Object.values(sandbox.state.orders)) order.completesAt = at;
    for (const timed of [...Object.values(sandbox.state.pcSubscriptions), ...Object.values(sandbox.state.entitlements)] as Array<{ visibleAt?: string; activeAt?: string }>) {
      if (timed.visibleAt) timed.visibleAt = at;
      if (timed.activeAt) timed.activeAt = at;
    }
    const before = sandbox.state.counts();
    await store.requests.replace({ ...failed.value, status: 'running', steps: failed.value.steps.map((s) => (s.status === 'failed' ? { ...s, status: 'waiting' } : s)) }, failed.etag);
    runner.schedule(request.id);
    await runner.idle();
    expect((await store.requests.get(request.id))!.value.status).toBe('succeeded');
    expect(sandbox.state.counts().ordersCreated).toBe(before.ordersCreated);
    await runner.stop();
  });
});
