// The Azure Stack Hub side of the run on the simulated cloud (real clients, real SQLite, the real
// lifecycle for the consent click): after the mapping, the customer's directory is onboarded on the
// stamp, the run pauses for the customer's consent with the exact instructions, the consent is given
// on the simulated page, "The customer has consented" resumes it, the user subscription is created
// from the offer in the customer's directory with the chosen owner, the CSP's account becomes a guest
// (and Owner when the customer manages it), and the check passes. A registration without a stamp
// gets billing only, and says so.
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { createRunner, type Runner } from '../../src/onboarding/run/runner';
import { createRequestLifecycle, type RequestLifecycle } from '../../src/onboarding/requests/requestLifecycle';
import { createApprovalPolicy } from '../../src/onboarding/requests/approvalPolicy';
import type { Sandbox } from '../../src/sandbox';
import type { Cloud } from '../../src/onboarding/ports';
import type { OnboardingRequest, StampChoice } from '../../src/onboarding/model';
import { requestFacts } from '../../src/cards/requestView';
import { resultCardModel } from '../../src/cards/resultCard';
import { requestCard } from '../../src/cards/requestCards';
import { MEGAN } from '../support/people';
import { RecordingNotifier, TEAMS_TENANT, newCustomerRequest, sandboxCloud, sandboxConfig, silentLogger, sandboxPerDescribe } from './support';

const STAMP = 'azurestack-payg-east';
const APPROVAL_CARD = { conversationId: 'approvals', activityId: 'card-1' };
const OPERATOR = { aadObjectId: MEGAN.aadObjectId, teamsUserId: MEGAN.id, name: MEGAN.name, tenantId: TEAMS_TENANT, conversationId: 'approvals' };

describe('the Azure Stack Hub steps of the run', () => {
  let sandbox: Sandbox;
  let store: BotStore;
  let cloud: Cloud;
  let notifier: RecordingNotifier;
  let runner: Runner;
  let lifecycle: RequestLifecycle;

  sandboxPerDescribe((s) => (sandbox = s));
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
    notifier = new RecordingNotifier();
    const config = sandboxConfig(sandbox, { ...sandbox.stampEnv, APPROVER_IDS: MEGAN.aadObjectId });
    cloud = sandboxCloud(config);
    runner = createRunner({ store, cloud, notifier, logger: silentLogger, pollIntervalMs: 0, pollMaxIntervalMs: 0, leaseMs: 2000 });
    const policy = createApprovalPolicy({ approverIds: [MEGAN.aadObjectId], allowSelfApproval: true }, cloud.directory);
    lifecycle = createRequestLifecycle({ requests: store.requests, audit: store.audit, policy, notifier, runs: runner });
  });
  afterEach(async () => {
    await runner.stop();
    await store.close();
  });

  async function offer(state: 'Public' | 'Decommissioned' = 'Public') {
    const offers = await cloud.stamps!.listOffers(STAMP);
    return offers.find((o) => o.state === state)!;
  }

  async function stampChoice(managedBy: 'csp' | 'customer', guestMode: 'automatic' | 'instructions' = 'automatic', owner?: string): Promise<StampChoice> {
    const o = await offer();
    return {
      registration: STAMP,
      offerId: o.id,
      offerName: o.displayName,
      managedBy,
      owner: owner ?? sandbox.stampEnv.CSP_GUEST_ACCOUNT,
      ownerName: managedBy === 'customer' ? 'Tess Admin' : undefined,
      guestMode,
      cspAccount: sandbox.stampEnv.CSP_GUEST_ACCOUNT,
    };
  }

  async function runApproved(request: OnboardingRequest) {
    const created = await store.requests.create({ ...request, approvalCard: APPROVAL_CARD });
    await store.requests.replace({ ...created.value, status: 'approved' }, created.etag);
    runner.schedule(request.id);
    await runner.idle();
    return (await store.requests.get(request.id))!.value as OnboardingRequest;
  }

  /** What the customer's admin does: open the link the card gives, press Register (the page posts to the control surface). */
  async function consentOnPage(link: string) {
    const page = await fetch(link);
    expect(await page.text()).toContain('Register (as the customer');
    const url = new URL(link);
    const name = url.pathname.split('/')[2];
    const answer = await fetch(`${sandbox.url}/_sandbox/stamps/${name}/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ directory: url.searchParams.get('directory') }),
    });
    expect(answer.status).toBe(200);
  }

  it('customer manages, automatic: directory, consent pause with the exact command, one subscription with the customer’s owner and offer, the CSP guest as Owner, the check, the links', async () => {
    const base = newCustomerRequest(sandbox, { access: { kind: 'none' } });
    const owner = `admin@${base.customer.domain}`;
    const request: OnboardingRequest = { ...base, stamp: await stampChoice('customer', 'automatic', owner) };
    const paused = await runApproved(request);

    expect(paused.status).toBe('paused');
    const domain = request.customer.domain;
    const stamp = sandbox.state.stamps[STAMP];
    expect(stamp.directoryTenants[domain]).toMatchObject({ tenantId: paused.results.customerTenantId, consented: false });
    expect(paused.results.stampConsentInstructions).toContain(
      `Register-AzsWithMyDirectoryTenant -TenantResourceManagerEndpoint "${sandbox.url}/stamps/${STAMP}/management" -DirectoryTenantName "${domain}"`,
    );
    // The pause card: the instructions, the consent button, the simulated page's link.
    const card = JSON.stringify(requestCard(paused, { simulated: true, noApprovers: false, portalLink: (id) => id }, { showButtons: true }));
    expect(card).toContain('The customer has consented');
    expect(card).toContain('Open the simulated consent page');
    expect(card).toContain(paused.results.stampConsentPageLink);
    expect(Object.values(stamp.subscriptions).some((s) => s.tenantId === paused.results.customerTenantId)).toBe(false);

    await consentOnPage(paused.results.stampConsentPageLink!);
    const continued = await lifecycle.continueAfterConsent(request.id, OPERATOR);
    expect(continued).toMatchObject({ ok: true });
    await runner.idle();

    const done = (await store.requests.get(request.id))!.value as OnboardingRequest;
    expect(done.status).toBe('succeeded');
    expect(done.steps.filter((s) => s.name.startsWith('stamp-')).map((s) => [s.name, s.status])).toEqual([
      ['stamp-directory', 'done'],
      ['stamp-consent', 'done'],
      ['stamp-subscription', 'done'],
      ['stamp-access', 'done'],
      ['stamp-check', 'done'],
    ]);
    const mine = Object.values(stamp.subscriptions).filter((s) => s.tenantId === done.results.customerTenantId);
    expect(mine).toEqual([expect.objectContaining({ subscriptionId: done.results.stampSubscriptionId, owner, offerId: request.stamp!.offerId, state: 'Enabled' })]);
    const guest = sandbox.state.directories[done.results.customerTenantId!].users[done.results.stampGuestObjectId!];
    expect(guest).toMatchObject({ mail: sandbox.stampEnv.CSP_GUEST_ACCOUNT, userType: 'Guest' });
    expect(stamp.roleAssignments.filter((ra) => ra.scope === `/subscriptions/${done.results.stampSubscriptionId}`)).toEqual([
      expect.objectContaining({ principalId: done.results.stampGuestObjectId, roleDefinitionId: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635' }),
    ]);
    // The old access (the customer's admin Owner of the public Azure subscription) is not done.
    expect(sandbox.state.roleAssignments.filter((ra) => ra.subscriptionId === done.results.azureSubscriptionId)).toEqual([]);

    const [{ links }] = notifier.results;
    expect(links.stampPortalLink).toBe(`${sandbox.url}/stamps/${STAMP}/portal/${domain}#@${domain}/resource/subscriptions/${done.results.stampSubscriptionId}/overview`);
    const result = resultCardModel(done, links, true);
    expect(result.stampSummary).toMatch(/offer CSP Standard, managed by the customer \(owner Tess Admin, admin@.*\); azs-operations@csp-partner\.onmicrosoft\.com invited as a guest Owner by the bot/);
    expect(requestFacts(done)).toContainEqual({ title: 'Azure Stack Hub', value: result.stampSummary });
    const trail = (await store.audit.list(request.id)).map((e) => e.action);
    expect(trail).toEqual(expect.arrayContaining(['stamp-directory-onboarded', 'stamp-consent-continued', 'stamp-consent-checked', 'stamp-subscription-created', 'stamp-guest-invited', 'stamp-owner-assigned']));
  });

  it('CSP manages: the CSP’s account owns the subscription and is a guest; no Owner assignment; a directory that consented before does not pause', async () => {
    const first = await runApproved({ ...newCustomerRequest(sandbox, { access: { kind: 'none' } }), stamp: await stampChoice('csp') });
    expect(first.status).toBe('paused');
    sandbox.consentDirectory(STAMP, first.customer.domain);
    await lifecycle.continueAfterConsent(first.id, OPERATOR);
    await runner.idle();
    const done = (await store.requests.get(first.id))!.value as OnboardingRequest;
    expect(done.status).toBe('succeeded');
    const sub = sandbox.state.stamps[STAMP].subscriptions[done.results.stampSubscriptionId!];
    expect(sub.owner).toBe(sandbox.stampEnv.CSP_GUEST_ACCOUNT);
    expect(sandbox.state.stamps[STAMP].roleAssignments.filter((ra) => ra.scope === `/subscriptions/${sub.subscriptionId}`)).toEqual([]);
    expect(sandbox.state.directories[done.results.customerTenantId!].users[done.results.stampGuestObjectId!].userType).toBe('Guest');

    // The same customer on the stamp again (an existing customer): the consent is already there.
    const again = newCustomerRequest(sandbox, {
      access: { kind: 'none' },
      customer: { kind: 'existing', customerTenantId: done.results.customerTenantId!, companyName: done.customer.companyName, domain: done.customer.domain },
      subscription: { kind: 'existing', azureSubscriptionId: done.results.azureSubscriptionId! },
      agreement: undefined,
    });
    const second = await runApproved({ ...again, stamp: await stampChoice('csp') });
    expect(second.status).toBe('succeeded');
    expect(second.steps.find((s) => s.name === 'stamp-consent')!.detail).toMatch(/healthy/);
  });

  it('customer manages, written steps: the subscription and the guest-Owner steps for the customer’s admin, nothing assigned', async () => {
    const base = newCustomerRequest(sandbox, { access: { kind: 'none' } });
    const request = { ...base, stamp: await stampChoice('customer', 'instructions', `admin@${base.customer.domain}`) };
    const paused = await runApproved(request);
    sandbox.consentDirectory(STAMP, request.customer.domain);
    await lifecycle.continueAfterConsent(paused.id, OPERATOR);
    await runner.idle();
    const done = (await store.requests.get(request.id))!.value as OnboardingRequest;
    expect(done.status).toBe('succeeded');
    expect(done.results.stampAccessInstructions).toContain(`invites ${sandbox.stampEnv.CSP_GUEST_ACCOUNT} as a guest`);
    expect(done.results.stampAccessInstructions).toContain(done.results.stampSubscriptionId);
    expect(done.results.stampGuestObjectId).toBeUndefined();
    expect(resultCardModel(done, notifier.results[0].links, true).stampInstructions).toBe(done.results.stampAccessInstructions);
  });

  it('"The customer has consented" before the customer did: the run checks, and pauses again saying so', async () => {
    const request = { ...newCustomerRequest(sandbox, { access: { kind: 'none' } }), stamp: await stampChoice('csp') };
    await runApproved(request);
    await lifecycle.continueAfterConsent(request.id, OPERATOR);
    await runner.idle();
    const again = (await store.requests.get(request.id))!.value;
    expect(again.status).toBe('paused');
    expect(again.steps.find((s) => s.name === 'stamp-consent')!.detail).toMatch(/still reports the directory unhealthy/);
    expect(Object.values(sandbox.state.stamps[STAMP].subscriptions).some((s) => s.tenantId === again.results.customerTenantId)).toBe(false);
    // Only when the run is waiting for the consent.
    const other = await runApproved({ ...newCustomerRequest(sandbox, { access: { kind: 'none' } }), registration: newCustomerRequest(sandbox).registration });
    expect(other.status).toBe('succeeded');
    expect(await lifecycle.continueAfterConsent(other.id, OPERATOR)).toMatchObject({ ok: false });
  });

  it('a registration without a stamp: billing only, and the result says so', async () => {
    const request = newCustomerRequest(sandbox, { access: { kind: 'none' } });
    const done = await runApproved(request);
    expect(done.status).toBe('succeeded');
    expect(done.steps.filter((s) => s.name.startsWith('stamp-')).every((s) => s.status === 'skipped' && /^Billing only: no Azure Stack Hub stamp is configured for azurestack-payg-east/.test(s.detail!))).toBe(true);
    expect(resultCardModel(done, notifier.results[0].links, true).stampSummary).toBe('Billing only: no Azure Stack Hub stamp is configured for azurestack-payg-east');
    // Known from the request alone: each skipped step is one write and one trail entry, no start before it.
    const trail = (await store.audit.list(request.id)).filter((e) => /^(Onboard the directory|The customer’s consent|Create the Azure Stack Hub|Azure Stack Hub access|Check the Azure Stack Hub|Customer access)/.test(e.detail));
    expect(trail.map((e) => e.action)).toEqual(Array(6).fill('step-skipped'));
    expect(done.steps.filter((s) => s.status === 'skipped').every((s) => s.attempts === 1 && s.startedAt === s.endedAt)).toBe(true);
  });
});
