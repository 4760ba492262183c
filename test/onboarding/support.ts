// Shared pieces of the onboarding tests: a request as the dialog stores it, the real clients
// pointed at an in-process simulated cloud, and a notifier that records what Teams would be told.
import type { Config } from '../../src/config';
import { testConfig } from '../support/testConfig';
import { parseRegistrationId, type BulkRequest, type OnboardingRequest, type RequestId } from '../../src/onboarding/model';
import { newRequestId } from '../../src/onboarding/requests/requestIds';
import type { ApprovalPosting, ResultLinks, RunNotifier } from '../../src/onboarding/ports';
import { startSandbox, type Sandbox } from '../../src/sandbox';
import { createCloud } from '../../src/services';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { REQUESTER, TEAMS_TENANT } from '../support/people';

export { REQUESTER, TEAMS_TENANT };

let counter = 0;
/** A request id the dialog's generator could have made (no I or O). */
export function nextRequestId(): RequestId {
  counter += 1;
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
  let n = counter + Math.floor(Math.random() * 1_000_000);
  let s = '';
  for (let i = 0; i < 6; i++) {
    s += alphabet[n % alphabet.length];
    n = Math.floor(n / alphabet.length);
  }
  return `ONB-${s}` as RequestId;
}

export function newCustomerRequest(sandbox: Sandbox, overrides: Partial<OnboardingRequest> = {}): OnboardingRequest {
  const id = overrides.id ?? nextRequestId();
  const prefix = `t${id.slice(4).toLowerCase()}${Math.floor(Math.random() * 1e6)}`;
  const now = new Date().toISOString();
  return {
    id,
    kind: 'onboard',
    status: 'pending_approval',
    teamsTenantId: TEAMS_TENANT,
    requester: REQUESTER,
    conversationId: 'a:requester-chat',
    customer: {
      kind: 'new',
      companyName: `Tailspin ${id}`,
      domain: `${prefix}.onmicrosoft.com`,
      address: { country: 'US', region: 'WA', city: 'Redmond', postalCode: '98052', addressLine1: 'One Microsoft Way' },
      contact: { firstName: 'Tess', lastName: 'Admin', email: `tess@${prefix}.example`, phoneNumber: '4255550101' },
      culture: 'en-US',
      language: 'en',
    },
    subscription: { kind: 'azure-plan' },
    // Who at the customer accepted the Microsoft Customer Agreement, and when: not the billing contact, not today.
    agreement: { acceptedBy: { firstName: 'Cora', lastName: 'Signer', email: `cora@${prefix}.example` }, dateAccepted: '2026-11-27' },
    registration: parseRegistrationId(sandbox.registrations.payAsYouUse),
    access: { kind: 'guest-owner', email: `ops-${prefix}@csp-partner.example`, displayName: 'CSP Ops', mode: 'automatic' },
    steps: [],
    results: {},
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

/**
 * A bulk onboarding of new customers on the given lines (as Submit stores it), approved by Adele unless
 * `overrides` says otherwise; each row's plan as newCustomerRequest builds it.
 */
export function newBulkRequest(sandbox: Sandbox, lines: number[], overrides: Partial<BulkRequest> = {}): BulkRequest {
  const now = new Date().toISOString();
  const conversationId = overrides.conversationId ?? 'approvals';
  return {
    id: newRequestId('bulk'),
    kind: 'bulk',
    status: 'approved',
    teamsTenantId: TEAMS_TENANT,
    requester: REQUESTER,
    conversationId,
    decision: { outcome: 'approved', by: { ...REQUESTER, name: 'Adele Approver' }, at: now },
    approvalCard: { conversationId, activityId: 'card-bulk' },
    rows: lines.map((line) => {
      const { kind, customer, subscription, registration, access, agreement } = newCustomerRequest(sandbox, { conversationId });
      return { line, plan: { kind, customer, subscription, registration, access, agreement } };
    }),
    skippedRows: 0,
    steps: [],
    results: {},
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export async function startTestSandbox(delays: { orderCompleteMs?: number; entitlementActiveMs?: number; latencyMs?: number } = {}) {
  return startSandbox({ port: 0, seed: false, delays: { orderCompleteMs: 5, entitlementActiveMs: 5, latencyMs: 0, ...delays } });
}

/**
 * A simulated cloud for the calling `describe`: started before its tests (handed to `use`), closed
 * after them.
 */
export function sandboxPerDescribe(use: (sandbox: Sandbox) => void, delays: Parameters<typeof startTestSandbox>[0] = {}): void {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startTestSandbox(delays);
    use(sandbox);
  });
  afterAll(async () => {
    await sandbox?.close();
  });
}

/**
 * A fresh in-memory SQLite store for each test, handed to `use`; after each test `beforeClose` runs
 * (stopping the test's runner: it may still be writing) and then the store is closed.
 */
export function sqliteStorePerTest(use: (store: BotStore) => void, beforeClose: () => unknown = () => undefined): void {
  let store: BotStore | undefined;
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    use(store);
  });
  afterEach(async () => {
    await beforeClose();
    await store?.close();
  });
}

export function sandboxConfig(sandbox: Sandbox, extra: Record<string, string> = {}): Config {
  return testConfig({
    ...sandbox.env,
    CLOUD: 'sandbox',
    PARTNER_CENTER_REFRESH_TOKEN: sandbox.delegatedRefreshToken,
    POLL_INTERVAL_SECONDS: '0',
    POLL_MAX_INTERVAL_SECONDS: '0',
    LEASE_SECONDS: '2',
    APPROVER_IDS: sandbox.users.approver,
    STORE_PATH: ':memory:',
    LOG_LEVEL: 'silent',
    ...extra,
  });
}

/** The real clients, with the SDK's retries kept but its waits shortened (Retry-After still wins). */
export function sandboxCloud(config: Config) {
  return createCloud(config, { retry: { maxRetries: 3, retryDelayInMs: 5, maxRetryDelayInMs: 20 }, timeoutInMs: 5_000 });
}

/** What the run tells Teams, recorded (the Teams side has its own tests through the real adapter). */
export class RecordingNotifier implements RunNotifier {
  readonly changes: OnboardingRequest[] = [];
  readonly results: Array<{ request: OnboardingRequest; links: ResultLinks }> = [];
  async approvalRequested(request: OnboardingRequest): Promise<ApprovalPosting> {
    return { card: { conversationId: 'approvals', activityId: `card-${request.id}` }, copies: [] };
  }
  async requestChanged(request: OnboardingRequest): Promise<void> {
    this.changes.push(request);
  }
  async resultReady(request: OnboardingRequest, links: ResultLinks): Promise<string> {
    this.results.push({ request, links });
    return `result-${request.id}`;
  }
}

export const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * What an operator does on the simulated Partner Center's page (`/partner-center/#/customers/{id}/agreement`):
 * the page loads the customer, and its form posts the customer's acceptance to the control surface.
 */
export async function confirmOnAgreementPage(
  sandbox: Sandbox,
  customerTenantId: string,
  acceptance: { firstName: string; lastName: string; email: string; phoneNumber?: string; dateAgreed: string } = { firstName: 'Cora', lastName: 'Signer', email: 'cora@example.com', dateAgreed: '2026-11-27' },
): Promise<unknown> {
  const page = await fetch(`${sandbox.url}/partner-center/`);
  if (!page.ok || !(await page.text()).includes("Confirm the customer's acceptance")) throw new Error('The simulated Partner Center page did not load.');
  const url = `${sandbox.url}/_sandbox/customers/${customerTenantId}/agreement`;
  const shown = await fetch(url);
  if (!shown.ok) throw new Error(`The page shows no customer ${customerTenantId}.`);
  const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(acceptance) });
  if (answer.status !== 201) throw new Error(`Confirming on the page answered ${answer.status}: ${await answer.text()}`);
  return answer.json();
}
