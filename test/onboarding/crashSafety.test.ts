// Crash safety: the bot runs as a child process (`node lib/index.js`, the real entry point) on a
// SQLite file, against a simulated cloud in this process. It is killed with SIGKILL in the middle of
// every write call (the simulator holds the call, the test kills, then lets the call complete as
// the service would) and at step boundaries; after each restart the run resumes, and in the end the
// simulated cloud holds exactly one of everything.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { randomUUID } from 'crypto';
import type { Guid, OffboardRequest, OnboardingRequest, RequestId, ServiceRequest, StepName } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { startLoopbackConnector, type LoopbackConnector } from '../support/loopbackConnector';
import { waitFor as waitForCondition } from '../support/waitFor';
import { channel, conversationReference } from '../support/activities';
import { newBulkRequest, newCustomerRequest, startTestSandbox } from './support';

jest.setTimeout(240_000);

const ROOT = path.join(__dirname, '..', '..');
const CHANNEL = '19:crash-approvals@thread.tacv2';

/** A write call of the run, as the simulated service sees it (held there while the bot is killed). */
interface Write {
  name: string;
  method: string;
  path: RegExp;
}

const WRITES: Write[] = [
  { name: 'create customer', method: 'POST', path: /^\/partnercenter\/v1\/customers$/ },
  { name: 'confirm agreement', method: 'POST', path: /\/agreements$/ },
  { name: 'create cart', method: 'POST', path: /\/carts$/ },
  { name: 'checkout', method: 'POST', path: /\/checkout$/ },
  { name: 'invite guest', method: 'POST', path: /^\/graph\/v1\.0\/invitations$/ },
  { name: 'assign Owner', method: 'PUT', path: /\/roleAssignments\/[^/]+$/ },
  { name: 'map tenant', method: 'PUT', path: /\/customerSubscriptions\/[^/]+$/ },
];

const STAMP = 'azurestack-payg-east';
const OFFBOARD_WRITES: Write[] = [
  { name: 'remove the mapping', method: 'DELETE', path: /\/customerSubscriptions\/[^/]+$/ },
  { name: 'remove the Owner role', method: 'DELETE', path: /^\/stamps\/[^/]+\/management\/.*\/roleAssignments\/[^/]+$/ },
  { name: 'disable the stamp subscription', method: 'PUT', path: /^\/stamps\/[^/]+\/adminmanagement\/.*\/Microsoft\.Subscriptions\.Admin\/subscriptions\/[^/]+$/ },
  { name: 'unregister the directory', method: 'DELETE', path: /^\/stamps\/[^/]+\/adminmanagement\/.*\/directoryTenants\/[^/]+$/ },
];
const STAMP_WRITES: Write[] = [
  { name: 'onboard directory', method: 'PUT', path: /^\/stamps\/[^/]+\/adminmanagement\/.*\/directoryTenants\/[^/]+$/ },
  { name: 'create the stamp subscription', method: 'PUT', path: /^\/stamps\/[^/]+\/adminmanagement\/.*\/Microsoft\.Subscriptions\.Admin\/subscriptions\/[^/]+$/ },
  { name: 'invite the CSP guest', method: 'POST', path: /^\/graph\/v1\.0\/invitations$/ },
  { name: 'Owner on the stamp', method: 'PUT', path: /^\/stamps\/[^/]+\/management\/.*\/roleAssignments\/[^/]+$/ },
];

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('crash safety: SIGKILL anywhere, restart, nothing twice', () => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let dir: string;
  let storeFile: string;
  let store: BotStore;
  let bot: ChildProcess | undefined;
  let botLog = '';

  beforeAll(async () => {
    sandbox = await startTestSandbox({ orderCompleteMs: 20, entitlementActiveMs: 20 });
    connector = await startLoopbackConnector();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crash-'));
    storeFile = path.join(dir, 'bot.db');
    store = await openSqliteStore(storeFile);
    // The bot was installed in the approvals channel earlier: its reference is in the store.
    await store.conversations.save(CHANNEL, conversationReference(channel(CHANNEL), { serviceUrl: connector.serviceUrl }));
  });
  afterAll(async () => {
    bot?.kill('SIGKILL');
    await store.close();
    await connector.close();
    await sandbox.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function startBot(): Promise<ChildProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(ROOT, 'lib', 'index.js')], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        ...sandbox.env,
        // The stamps: requests that choose an Azure Stack Hub subscription get the stamp steps; the others are billing only.
        ...sandbox.stampEnv,
        CLOUD: 'sandbox',
        LOCAL_MODE: 'true',
        PORT: String(port),
        STORE: 'sqlite',
        STORE_PATH: storeFile,
        PARTNER_CENTER_REFRESH_TOKEN: sandbox.delegatedRefreshToken,
        APPROVER_IDS: sandbox.users.approver,
        APPROVAL_CHANNEL_ID: CHANNEL,
        POLL_INTERVAL_SECONDS: '0',
        POLL_MAX_INTERVAL_SECONDS: '0',
        LEASE_SECONDS: '1',
        BULK_CONCURRENCY: '2',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (botLog += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (botLog += d.toString()));
    bot = child;
    return child;
  }

  async function kill(child: ChildProcess) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const found = await waitForCondition(
      async () => {
        const value = await probe();
        return value === undefined ? undefined : { value };
      },
      { timeoutMs, everyMs: 25, what: () => `${what}. Bot log:\n${botLog.slice(-3000)}` },
    );
    return found.value;
  }

  const stored = async (id: RequestId) => (await store.requests.get(id))!.value;

  /**
   * For each write: a bot started with that call held at the simulated service, killed once the call
   * has arrived, then the call let through (the service finishes what the dead bot asked). Fails if
   * the request ends without making the call.
   */
  async function killInsideEach(writes: readonly Write[], id: RequestId, options: { ended: (r: ServiceRequest) => boolean; afterEach?: (write: Write) => Promise<void> }) {
    for (const write of writes) {
      const hold = sandbox.holds.add({ method: write.method, path: write.path });
      const child = await startBot();
      await Promise.race([
        hold.arrived,
        waitFor(`the ${write.name} call`, async () => (options.ended(await stored(id)) ? true : undefined)).then(() => {
          throw new Error(`the request ${id} ended without calling ${write.name}`);
        }),
      ]);
      await kill(child);
      hold.release();
      await options.afterEach?.(write);
    }
  }

  /** For each step: a bot started and killed as soon as the step is stored as done. */
  async function killAfterEachStep(steps: readonly StepName[], id: RequestId) {
    for (const step of steps) {
      const child = await startBot();
      await waitFor(`step ${step} to be stored as done`, async () => ((await stored(id)).steps.find((s) => s.name === step)?.status === 'done' ? true : undefined));
      await kill(child);
    }
  }

  /** One more start, left to run until the request reaches one of the statuses (succeeded or failed); then killed. */
  async function finishWithOneMoreStart(id: RequestId, ends: readonly string[] = ['succeeded', 'failed']): Promise<ServiceRequest> {
    const child = await startBot();
    const done = await waitFor(`request ${id} to finish`, async () => {
      const r = await stored(id);
      return ends.includes(r.status) ? r : undefined;
    });
    await kill(child);
    return done;
  }

  async function approved(): Promise<{ id: RequestId; before: ReturnType<Sandbox['state']['counts']> }> {
    const before = sandbox.state.counts();
    const request = newCustomerRequest(sandbox, { conversationId: CHANNEL });
    await store.requests.create({ ...request, status: 'approved', approvalCard: { conversationId: CHANNEL, activityId: 'card-1' } });
    return { id: request.id, before };
  }

  /** Exactly `n` of each thing an onboarding creates (one per run) since `before`. */
  function expectCreated(before: ReturnType<Sandbox['state']['counts']>, n = 1) {
    const after = sandbox.state.counts();
    expect({
      customers: after.customersCreated - before.customersCreated,
      agreements: after.agreementsCreated - before.agreementsCreated,
      orders: after.ordersCreated - before.ordersCreated,
      checkouts: after.checkouts - before.checkouts,
      guests: after.guestUsersCreated - before.guestUsersCreated,
      owners: after.roleAssignmentsCreated - before.roleAssignmentsCreated,
    }).toEqual({ customers: n, agreements: n, orders: n, checkouts: n, guests: n, owners: n });
  }

  it('killed in the middle of every write call: each restart resumes, the run completes once', async () => {
    const { id, before } = await approved();
    await killInsideEach(WRITES, id, { ended: (r) => r.status === 'succeeded' });
    const done = await finishWithOneMoreStart(id);
    expect(done.status).toBe('succeeded');
    expectCreated(before);
    const registration = Object.values(sandbox.state.registrations).find((r) => r.id.toLowerCase() === (done as OnboardingRequest).registration.resourceId.toLowerCase())!;
    expect(registration.customerSubscriptions[done.results.azureSubscriptionId!]).toEqual({ tenantId: done.results.customerTenantId });
    // The result was posted (to the approval thread) exactly once the run knew of.
    expect(connector.sent.filter((s) => s.method === 'POST' && JSON.stringify(s.activity).includes(`request ${id} is done`)).length).toBeGreaterThanOrEqual(1);
    expect((await store.audit.list(id)).filter((e) => e.action === 'run-resumed').length).toBeGreaterThanOrEqual(WRITES.length);
  });

  /** An approved onboarding whose customer manages an Azure Stack Hub subscription (the bot makes the CSP's account its guest Owner). */
  async function approvedWithStamp(): Promise<{ id: RequestId; domain: string }> {
    const offer = Object.values(sandbox.state.stamps[STAMP].offers).find((o) => o.state === 'Public')!;
    const stamp = sandbox.state.stamps[STAMP];
    const base = newCustomerRequest(sandbox, { conversationId: CHANNEL, access: { kind: 'none' } });
    const request = {
      ...base,
      stamp: {
        registration: STAMP,
        offerId: `/subscriptions/${stamp.providerSubscriptionId}/resourceGroups/${offer.resourceGroup}/providers/Microsoft.Subscriptions.Admin/offers/${offer.name}`,
        offerName: offer.displayName,
        managedBy: 'customer' as const,
        owner: `admin@${base.customer.domain}`,
        ownerName: 'Tess Admin',
        guestMode: 'automatic' as const,
        cspAccount: sandbox.stampEnv.CSP_GUEST_ACCOUNT,
      },
    };
    await store.requests.create({ ...request, status: 'approved', approvalCard: { conversationId: CHANNEL, activityId: 'card-1' } });
    return { id: request.id, domain: base.customer.domain };
  }

  /** One directory, one user subscription (the chosen owner and offer), one CSP guest, Owner once. */
  function expectOneOfEachOnTheStamp(done: OnboardingRequest) {
    const stamp = sandbox.state.stamps[STAMP];
    const tenant = done.results.customerTenantId!;
    expect(Object.values(stamp.directoryTenants).filter((d) => d.tenantId === tenant)).toHaveLength(1);
    const subs = Object.values(stamp.subscriptions).filter((s) => s.tenantId === tenant);
    expect(subs).toEqual([expect.objectContaining({ subscriptionId: done.results.stampSubscriptionId, owner: done.stamp!.owner, offerId: done.stamp!.offerId, state: 'Enabled' })]);
    const guests = Object.values(sandbox.state.directories[tenant].users).filter((u) => u.mail === sandbox.stampEnv.CSP_GUEST_ACCOUNT);
    expect(guests).toHaveLength(1);
    expect(stamp.roleAssignments.filter((ra) => ra.scope === `/subscriptions/${done.results.stampSubscriptionId}`)).toEqual([expect.objectContaining({ principalId: guests[0].id })]);
  }

  it('Azure Stack Hub steps: killed in the middle of every stamp write, each restart resumes, one of everything on the stamp', async () => {
    const { id, domain } = await approvedWithStamp();
    await killInsideEach(STAMP_WRITES, id, {
      ended: (r) => ['succeeded', 'paused', 'failed'].includes(r.status),
      // The customer's admin consents as soon as the directory is on the stamp: the consent step then finds it healthy.
      afterEach: async (write) => {
        if (write.name === 'onboard directory') await waitFor('the directory on the stamp', async () => (sandbox.state.stamps[STAMP].directoryTenants[domain] ? sandbox.consentDirectory(STAMP, domain) : undefined));
      },
    });
    const done = await finishWithOneMoreStart(id, ['succeeded', 'failed', 'paused']);
    expect(done.status).toBe('succeeded');
    expectOneOfEachOnTheStamp(done as OnboardingRequest);
  });

  it('Azure Stack Hub steps: killed right after each stamp step is stored, and at the consent pause: one of everything on the stamp', async () => {
    const { id, domain } = await approvedWithStamp();
    // The pause: the run stops, waiting for the customer; the admin consents; an operator clicks (stored as the lifecycle does).
    const child = await startBot();
    const paused = await waitFor('the consent pause', async () => {
      const r = await stored(id);
      return r.status === 'paused' ? r : undefined;
    });
    await kill(child);
    expect(paused.steps.find((s) => s.name === 'stamp-consent')?.status).toBe('waiting');
    sandbox.consentDirectory(STAMP, domain);
    const current = (await store.requests.get(id))!;
    await store.requests.replace({ ...current.value, status: 'running', results: { ...current.value.results, stampConsentContinuedBy: sandbox.users.approver } }, current.etag);
    const boundaries: StepName[] = ['stamp-consent', 'stamp-subscription', 'stamp-access', 'stamp-check'];
    await killAfterEachStep(boundaries, id);
    const done = await finishWithOneMoreStart(id);
    expect(done.status).toBe('succeeded');
    expectOneOfEachOnTheStamp(done as OnboardingRequest);
  });

  it('offboarding: killed in the middle of every write, each restart resumes; everything taken away once', async () => {
    // A customer with everything: mapped on east, a user subscription on its stamp, the CSP guest as its Owner.
    const domain = `offboard${Date.now()}.onmicrosoft.com`;
    const customer = sandbox.seedCustomer({ companyName: 'Offboard Co', domain, azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const tenant = customer.customerTenantId as Guid;
    const sub = sandbox.seedStampSubscription({ stamp: STAMP, tenantId: tenant, domain, owner: `admin@${domain}` });
    const guest = sandbox.seedUser({ tenantId: tenant, displayName: 'CSP', mail: sandbox.stampEnv.CSP_GUEST_ACCOUNT, userType: 'Guest' }) as Guid;
    const stamp = sandbox.state.stamps[STAMP];
    stamp.roleAssignments.push({ name: randomUUID(), scope: `/subscriptions/${sub.subscriptionId}`, principalId: guest, roleDefinitionId: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635' });
    const base = newCustomerRequest(sandbox, { conversationId: CHANNEL });
    const request: OffboardRequest = {
      id: base.id.replace('ONB-', 'OFF-') as RequestId,
      kind: 'offboard',
      status: 'approved',
      teamsTenantId: base.teamsTenantId,
      requester: base.requester,
      conversationId: CHANNEL,
      approvalCard: { conversationId: CHANNEL, activityId: 'card-1' },
      customer: { customerTenantId: tenant, companyName: 'Offboard Co', domain },
      mappings: [{ registration: base.registration, azureSubscriptionId: customer.azureSubscriptionId as Guid }],
      stamps: [{ registration: STAMP, directory: domain, subscriptionIds: [sub.subscriptionId as Guid], guest: { objectId: guest, account: sandbox.stampEnv.CSP_GUEST_ACCOUNT, ownerOf: [sub.subscriptionId as Guid] } }],
      unregisterDirectory: true,
      steps: [],
      results: {},
      createdAt: base.createdAt,
      updatedAt: base.updatedAt,
    };
    await store.requests.create(request);
    const before = { ...stamp.counters, mappingDeletes: sandbox.state.counters.mappingDeletes };
    await killInsideEach(OFFBOARD_WRITES, request.id, { ended: (r) => r.status === 'succeeded' || r.status === 'failed' });
    const done = await finishWithOneMoreStart(request.id);
    expect(done.steps.find((s) => s.status === 'failed')).toBeUndefined();
    expect(done.status).toBe('succeeded');
    expect(sandbox.state.registrations[sandbox.registrations.payAsYouUse.toLowerCase()].customerSubscriptions[customer.azureSubscriptionId!]).toBeUndefined();
    expect(stamp.subscriptions[sub.subscriptionId].state).toBe('Disabled');
    expect(stamp.roleAssignments.filter((ra) => ra.principalId === guest)).toEqual([]);
    expect(stamp.directoryTenants[domain]).toBeUndefined();
    expect({
      mappingDeletes: sandbox.state.counters.mappingDeletes - before.mappingDeletes,
      ownerDeletes: stamp.counters.roleAssignmentDeletes - before.roleAssignmentDeletes,
      disables: stamp.counters.subscriptionPuts - before.subscriptionPuts,
      directoryDeletes: stamp.counters.directoryTenantDeletes - before.directoryTenantDeletes,
    }).toEqual({ mappingDeletes: 1, ownerDeletes: 1, disables: 1, directoryDeletes: 1 });
  });

  it('killed right after each step is stored: each restart resumes, the run completes once', async () => {
    const { id, before } = await approved();
    const boundaries: StepName[] = ['check-registration', 'customer', 'customer-agreement', 'azure-plan', 'azure-subscription', 'customer-access', 'map-tenant'];
    await killAfterEachStep(boundaries, id);
    const done = await finishWithOneMoreStart(id);
    expect(done.status).toBe('succeeded');
    expectCreated(before);
  });

  it('a bulk onboarding killed mid-batch (inside a row\'s calls, three times): every row runs once, exactly three of everything, one summary', async () => {
    const before = sandbox.state.counts();
    const batch = newBulkRequest(sandbox, [2, 3, 4], { conversationId: CHANNEL });
    await store.requests.create(batch);
    // BULK_CONCURRENCY=2: two rows start, the third waits for a place.
    await killInsideEach([WRITES[0], WRITES[3], WRITES[6]], batch.id, { ended: (r) => r.status === 'succeeded' });
    // The summary is posted before the batch's last step is stored as done.
    const done = await finishWithOneMoreStart(batch.id);
    expect(done.status).toBe('succeeded');
    const rowRequests = (await store.requests.list()).map((v) => v.value).filter((r): r is OnboardingRequest => r.kind === 'onboard' && r.batch?.id === batch.id);
    expect(rowRequests.map((r) => r.batch!.line).sort()).toEqual([2, 3, 4]);
    expect(rowRequests.every((r) => r.status === 'succeeded')).toBe(true);
    expectCreated(before, 3);
    for (const row of rowRequests) {
      const registration = Object.values(sandbox.state.registrations).find((r) => r.id.toLowerCase() === row.registration.resourceId.toLowerCase())!;
      expect(registration.customerSubscriptions[row.results.azureSubscriptionId!]).toEqual({ tenantId: row.results.customerTenantId });
    }
    // One summary in the thread, never a result per row.
    const posts = connector.sent.filter((s) => s.method === 'POST').map((s) => JSON.stringify(s.activity));
    expect(posts.filter((p) => p.includes(`bulk onboarding ${batch.id} is done: 3 of 3`))).toHaveLength(1);
    // That one summary carries the results CSV, a line per row, each succeeded (nothing else posted a CSV).
    const csvPosts = connector.sent.filter((s) => s.method === 'POST' && String(s.activity.text ?? '').includes('Results (CSV):'));
    expect(csvPosts).toHaveLength(1);
    const csvLines = String(csvPosts[0].activity.text).split('\n').filter((l) => /^\d+,/.test(l));
    expect(csvLines.map((l) => [l.split(',')[0], rowRequests.some((r) => l.includes(`,${r.id},`)), l.includes(',succeeded')])).toEqual([
      ['2', true, true],
      ['3', true, true],
      ['4', true, true],
    ]);
    expect(posts.filter((p) => rowRequests.some((r) => p.includes(`request ${r.id} is done`)))).toEqual([]);
    expect((await store.audit.list(batch.id)).filter((e) => e.action === 'run-resumed').length).toBeGreaterThanOrEqual(3);
  });
});
