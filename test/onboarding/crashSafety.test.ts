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
import type { BulkRequest, OnboardingRequest, RequestId, StepName } from '../../src/onboarding/model';
import { newRequestId } from '../../src/onboarding/requests/requestIds';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { startLoopbackConnector, type LoopbackConnector } from '../support/loopbackConnector';
import { waitFor as waitForCondition } from '../support/waitFor';
import { channel, conversationReference } from '../support/activities';
import { newCustomerRequest, REQUESTER, startTestSandbox, TEAMS_TENANT } from './support';

jest.setTimeout(240_000);

const ROOT = path.join(__dirname, '..', '..');
const CHANNEL = '19:crash-approvals@thread.tacv2';

const WRITES: Array<{ name: string; method: string; path: RegExp }> = [
  { name: 'create customer', method: 'POST', path: /^\/partnercenter\/v1\/customers$/ },
  { name: 'confirm agreement', method: 'POST', path: /\/agreements$/ },
  { name: 'create cart', method: 'POST', path: /\/carts$/ },
  { name: 'checkout', method: 'POST', path: /\/checkout$/ },
  { name: 'invite guest', method: 'POST', path: /^\/graph\/v1\.0\/invitations$/ },
  { name: 'assign Owner', method: 'PUT', path: /\/roleAssignments\/[^/]+$/ },
  { name: 'map tenant', method: 'PUT', path: /\/customerSubscriptions\/[^/]+$/ },
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

  async function approved(): Promise<{ id: RequestId; before: ReturnType<Sandbox['state']['counts']> }> {
    const before = sandbox.state.counts();
    const request = newCustomerRequest(sandbox, { conversationId: CHANNEL });
    await store.requests.create({ ...request, status: 'approved', approvalCard: { conversationId: CHANNEL, activityId: 'card-1' } });
    return { id: request.id, before };
  }

  function expectOneOfEach(before: ReturnType<Sandbox['state']['counts']>) {
    const after = sandbox.state.counts();
    expect({
      customers: after.customersCreated - before.customersCreated,
      agreements: after.agreementsCreated - before.agreementsCreated,
      orders: after.ordersCreated - before.ordersCreated,
      checkouts: after.checkouts - before.checkouts,
      guests: after.guestUsersCreated - before.guestUsersCreated,
      owners: after.roleAssignmentsCreated - before.roleAssignmentsCreated,
    }).toEqual({ customers: 1, agreements: 1, orders: 1, checkouts: 1, guests: 1, owners: 1 });
  }

  it('killed in the middle of every write call: each restart resumes, the run completes once', async () => {
    const { id, before } = await approved();
    for (const write of WRITES) {
      const hold = sandbox.holds.add({ method: write.method, path: write.path });
      const child = await startBot();
      await Promise.race([
        hold.arrived,
        waitFor(`the ${write.name} call`, async () => ((await stored(id)).status === 'succeeded' ? true : undefined)).then(() => {
          throw new Error(`the run finished without calling ${write.name}`);
        }),
      ]);
      await kill(child);
      hold.release(); // the service finishes the call the dead bot made
    }
    const child = await startBot();
    const done = await waitFor('the run to finish', async () => {
      const r = await stored(id);
      return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
    });
    await kill(child);
    expect(done.status).toBe('succeeded');
    expectOneOfEach(before);
    const registration = Object.values(sandbox.state.registrations).find((r) => r.id.toLowerCase() === (done as OnboardingRequest).registration.resourceId.toLowerCase())!;
    expect(registration.customerSubscriptions[done.results.azureSubscriptionId!]).toEqual({ tenantId: done.results.customerTenantId });
    // The result was posted (to the approval thread) exactly once the run knew of.
    expect(connector.sent.filter((s) => s.method === 'POST' && JSON.stringify(s.activity).includes(`request ${id} is done`)).length).toBeGreaterThanOrEqual(1);
    expect((await store.audit.list(id)).filter((e) => e.action === 'run-resumed').length).toBeGreaterThanOrEqual(WRITES.length);
  });

  it('killed right after each step is stored: each restart resumes, the run completes once', async () => {
    const { id, before } = await approved();
    const boundaries: StepName[] = ['check-registration', 'customer', 'customer-agreement', 'azure-plan', 'azure-subscription', 'customer-access', 'map-tenant'];
    for (const step of boundaries) {
      const child = await startBot();
      await waitFor(`step ${step} to be stored as done`, async () => {
        const r = await stored(id);
        return r.steps.find((s) => s.name === step)?.status === 'done' ? true : undefined;
      });
      await kill(child);
    }
    const child = await startBot();
    const done = await waitFor('the run to finish', async () => {
      const r = await stored(id);
      return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
    });
    await kill(child);
    expect(done.status).toBe('succeeded');
    expectOneOfEach(before);
  });

  it('a bulk onboarding killed mid-batch (inside a row\'s calls, three times): every row runs once, exactly three of everything, one summary', async () => {
    const before = sandbox.state.counts();
    const now = new Date().toISOString();
    const rows = [2, 3, 4].map((line) => {
      const { kind, customer, subscription, registration, access, agreement } = newCustomerRequest(sandbox, { conversationId: CHANNEL });
      return { line, plan: { kind, customer, subscription, registration, access, agreement } };
    });
    const batch: BulkRequest = {
      id: newRequestId('bulk'),
      kind: 'bulk',
      status: 'approved',
      teamsTenantId: TEAMS_TENANT,
      requester: REQUESTER,
      conversationId: CHANNEL,
      decision: { outcome: 'approved', by: { ...REQUESTER, name: 'Adele Approver' }, at: now },
      approvalCard: { conversationId: CHANNEL, activityId: 'card-bulk' },
      rows,
      skippedRows: 0,
      steps: [],
      results: {},
      createdAt: now,
      updatedAt: now,
    };
    await store.requests.create(batch);
    // BULK_CONCURRENCY=2: two rows start, the third waits for a place.
    for (const write of [WRITES[0], WRITES[3], WRITES[6]]) {
      const hold = sandbox.holds.add({ method: write.method, path: write.path });
      const child = await startBot();
      await Promise.race([
        hold.arrived,
        waitFor(`a row's ${write.name} call`, async () => ((await stored(batch.id)).status === 'succeeded' ? true : undefined)).then(() => {
          throw new Error(`the batch finished without calling ${write.name}`);
        }),
      ]);
      await kill(child);
      hold.release();
    }
    const child = await startBot();
    const done = await waitFor('the batch to finish', async () => {
      const r = await stored(batch.id);
      return r.status === 'succeeded' || r.status === 'failed' ? r : undefined;
    });
    // The summary is posted before the batch's last step is stored as done.
    await kill(child);
    expect(done.status).toBe('succeeded');
    const rowRequests = (await store.requests.list()).map((v) => v.value).filter((r): r is OnboardingRequest => r.kind === 'onboard' && r.batch?.id === batch.id);
    expect(rowRequests.map((r) => r.batch!.line).sort()).toEqual([2, 3, 4]);
    expect(rowRequests.every((r) => r.status === 'succeeded')).toBe(true);
    const after = sandbox.state.counts();
    expect({
      customers: after.customersCreated - before.customersCreated,
      agreements: after.agreementsCreated - before.agreementsCreated,
      orders: after.ordersCreated - before.ordersCreated,
      checkouts: after.checkouts - before.checkouts,
      guests: after.guestUsersCreated - before.guestUsersCreated,
      owners: after.roleAssignmentsCreated - before.roleAssignmentsCreated,
    }).toEqual({ customers: 3, agreements: 3, orders: 3, checkouts: 3, guests: 3, owners: 3 });
    for (const row of rowRequests) {
      const registration = Object.values(sandbox.state.registrations).find((r) => r.id.toLowerCase() === row.registration.resourceId.toLowerCase())!;
      expect(registration.customerSubscriptions[row.results.azureSubscriptionId!]).toEqual({ tenantId: row.results.customerTenantId });
    }
    // One summary in the thread, never a result per row.
    const posts = connector.sent.filter((s) => s.method === 'POST').map((s) => JSON.stringify(s.activity));
    expect(posts.filter((p) => p.includes(`bulk onboarding ${batch.id} is done: 3 of 3`))).toHaveLength(1);
    expect(posts.filter((p) => rowRequests.some((r) => p.includes(`request ${r.id} is done`)))).toEqual([]);
    expect((await store.audit.list(batch.id)).filter((e) => e.action === 'run-resumed').length).toBeGreaterThanOrEqual(3);
  });
});
