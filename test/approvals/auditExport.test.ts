// `npm run audit`: the trail of every request, read by the built command from the store the bot's
// own environment configures (a `.env` in its working directory, read as the bot reads it), on
// SQLite and on Blob (Azurite). The requests are made and decided through the bot, on a fake clock
// for their dates; the run's own entries carry the cloud calls' correlation ids.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { AuditedRequest } from '../../src/auditExport';
import type { OnboardingRequest } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openBlobStore, openSqliteStore, type BotStore } from '../../src/store';
import { startAzurite, type AzuriteBlob } from '../support/azurite';
import { startBot } from '../support/botDriver';
import { startLoopbackConnector, type LoopbackConnector } from '../support/loopbackConnector';
import { RITA, directoryPeople } from '../support/people';
import { newCustomerRequest, sandboxCloud, sandboxConfig, startTestSandbox } from '../onboarding/support';

const ENTRY = path.join(__dirname, '..', '..', 'lib', 'auditExport.js');
const CHANNEL = '19:audit-approvals@thread.tacv2';
const NOV_1 = Date.parse('2026-11-01T09:00:00Z');
const NOV_3 = Date.parse('2026-11-03T09:00:00Z');

function runAudit(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--disable-warning=DEP0111', ENTRY, ...args], { cwd, env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(['sqlite', 'blob'] as const)('npm run audit, on %s', (storeKind) => {
  let sandbox: Sandbox;
  let connector: LoopbackConnector;
  let azurite: AzuriteBlob | undefined;
  let dir: string;
  let rejected: OnboardingRequest;
  let approved: OnboardingRequest;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    connector = await startLoopbackConnector();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-export-'));
    const container = `audit-${process.pid}`;
    let store: BotStore;
    if (storeKind === 'sqlite') {
      fs.writeFileSync(path.join(dir, '.env'), 'LOCAL_MODE=true\nCLOUD=sandbox\nSTORE_PATH=./data/bot.db\n');
      fs.mkdirSync(path.join(dir, 'data'));
      store = await openSqliteStore(path.join(dir, 'data', 'bot.db'));
    } else {
      azurite = await startAzurite();
      fs.writeFileSync(path.join(dir, '.env'), `LOCAL_MODE=true\nCLOUD=sandbox\nSTORE=blob\nAZURE_STORAGE_CONNECTION_STRING="${azurite.connectionString}"\nAZURE_STORAGE_CONTAINER=${container}\n`);
      store = await openBlobStore({ connectionString: azurite.connectionString, container });
    }
    const { adele, nestor, olivia } = directoryPeople(sandbox);
    connector.roster = [adele, nestor, olivia, RITA];
    let clock = NOV_1;
    const config = sandboxConfig(sandbox, { APPROVAL_CHANNEL_ID: CHANNEL, APPROVER_GROUP_ID: sandbox.approverGroupId, APPROVALS_REQUIRED: '2' });
    const bot = await startBot(config, { store, cloud: sandboxCloud(config), connector, now: () => new Date(clock) });
    await bot.as(olivia, CHANNEL).say('help');
    // A display name a spreadsheet would run as a formula, a company name with a comma and quotes: the CSV keeps both text.
    const submit = async (requesterName = RITA.name) => {
      const { kind, customer, subscription, registration, access, agreement, requester, teamsTenantId, conversationId, id } = newCustomerRequest(sandbox);
      const named = { ...customer, companyName: 'Contoso, "Ltd"' };
      const origin = { requester: { ...requester, name: requesterName }, teamsTenantId, conversationId };
      const taken = await bot.app.approvals.intake.submit({ kind, customer: named, subscription, registration, access, agreement }, origin, `submit:${id}`);
      if (!taken.ok) throw new Error(taken.reason);
      return taken.request as OnboardingRequest;
    };
    rejected = await submit('=SUM(1,2) Rita');
    await bot.as(adele, CHANNEL).invoke('request.rejectConfirm', { requestId: rejected.id, reason: 'duplicate' });
    clock = NOV_3;
    approved = await submit();
    await bot.as(adele, CHANNEL).invoke('request.approve', { requestId: approved.id });
    await bot.as(nestor, CHANNEL).invoke('request.approve', { requestId: approved.id });
    await bot.close();
    await store.close();
  });
  afterAll(async () => {
    await connector.close();
    await sandbox.close();
    await azurite?.close();
  });

  it('JSON: every request with who asked, who approved, its steps, its result and its whole trail with the calls\' correlation ids', async () => {
    const { code, stdout, stderr } = await runAudit(['--format', 'json'], dir);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const requests = JSON.parse(stdout) as AuditedRequest[];
    expect(requests.map((r) => [r.id, r.status])).toEqual([
      [rejected.id, 'rejected'],
      [approved.id, 'succeeded'],
    ]);
    const [first, second] = requests;
    expect(first.requestedBy).toEqual({ name: '=SUM(1,2) Rita', aadObjectId: RITA.aadObjectId });
    expect(second.requestedBy).toEqual({ name: 'Rita Requester', aadObjectId: RITA.aadObjectId });
    expect(first.rejectedBy).toMatchObject({ name: 'Adele Approver', reason: 'duplicate', at: '2026-11-01T09:00:00.000Z' });
    expect(second.approvedBy.map((a) => a.name)).toEqual(['Adele Approver', 'Nestor Finance']);
    expect(second.steps.every((s) => s.status === 'done' || s.status === 'skipped')).toBe(true);
    expect(second.result).toMatchObject({ status: 'succeeded', mappingResourceId: expect.stringContaining('/customerSubscriptions/') });
    // Each step with the calls it made and the services' ids: Partner Center's MS-CorrelationId and MS-RequestId, ARM's and Graph's request ids.
    const customer = second.steps.find((s) => s.name === 'customer')!;
    expect(customer.calls).toEqual(expect.arrayContaining([expect.objectContaining({ operation: expect.any(String), statusCode: 201, correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/) })]));
    const mapping = second.steps.find((s) => s.name === 'map-tenant')!;
    expect(mapping.calls.length).toBeGreaterThan(0);
    expect(second.steps.filter((s) => s.calls.length > 0).length).toBeGreaterThan(3);
    expect(second.trail.map((e) => e.action)).toEqual(expect.arrayContaining(['submitted', 'approval-requested', 'approved', 'step-started', 'tenant-mapped', 'run-succeeded']));
  });

  it('CSV: a header, then one line per trail entry with its request id; a formula typed into a name stays text', async () => {
    const json = JSON.parse((await runAudit([], dir)).stdout) as AuditedRequest[];
    const { code, stdout } = await runAudit(['--format', 'csv'], dir);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('requestId,kind,requestStatus,requestedBy,approvedBy,at,actor,actorName,action,detail,correlationId,serviceRequestId,statusCode,data');
    const entries = json.reduce((n, r) => n + r.trail.length, 0);
    expect(lines).toHaveLength(1 + entries);
    expect(lines.slice(1).every((l) => l.startsWith(`${rejected.id},`) || l.startsWith(`${approved.id},`))).toBe(true);
    const submitted = lines.find((l) => l.startsWith(`${rejected.id},`) && l.includes(',submitted,'))!;
    expect(submitted.startsWith(`${rejected.id},onboard,rejected,"'=SUM(1,2) Rita",,2026-11-01T09:00:00.000Z,`)).toBe(true);
    expect(submitted).toContain(`"Onboarding of Contoso, ""Ltd"" (new customer)`);
    // A step's calls ride on its own entry, in the data column.
    expect(lines.find((l) => l.includes(',step-done,') && l.includes('""calls""') && l.includes('correlationId'))).toBeDefined();
  });

  it('--since and --until keep the entries in the window, and the requests that have some', async () => {
    const until = JSON.parse((await runAudit(['--until', '2026-11-01'], dir)).stdout) as AuditedRequest[];
    expect(until.map((r) => r.id)).toEqual([rejected.id]);
    const since = JSON.parse((await runAudit(['--since', '2026-11-02T00:00:00Z'], dir)).stdout) as AuditedRequest[];
    expect(since.map((r) => r.id)).toEqual([approved.id]);
    expect(since[0].trail.every((e) => e.at >= '2026-11-02')).toBe(true);
  });

  it('bad arguments: a clear message, exit 2, nothing printed', async () => {
    for (const args of [['--format', 'xml'], ['--since', 'yesterday'], ['--since', '2026-11-03', '--until', '2026-11-01'], ['--verbose']]) {
      const { code, stdout, stderr } = await runAudit(args, dir);
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr).toMatch(/--format must be csv or json|--since must be a date|--since must be before --until|Unknown argument --verbose/);
    }
  });
});

it('npm run audit without a store where the environment says: says where it looked, creates nothing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-export-none-'));
  fs.writeFileSync(path.join(dir, '.env'), 'LOCAL_MODE=true\nCLOUD=sandbox\nSTORE_PATH=./nowhere/bot.db\n');
  const { code, stderr } = await runAudit([], dir);
  expect(code).toBe(1);
  expect(stderr).toContain(`There is no store at ${path.join(fs.realpathSync(dir), 'nowhere', 'bot.db')}`);
  expect(fs.existsSync(path.join(dir, 'nowhere'))).toBe(false);
});
