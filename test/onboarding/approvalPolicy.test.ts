// The approval policy answers both questions: who may operate, and who may approve this request.
import type { Guid, OnboardingRequest } from '../../src/onboarding/model';
import { createApprovalPolicy, type Actor } from '../../src/onboarding/requests/approvalPolicy';

const ADELE = 'aaaaaaaa-0000-4000-8000-00000000000a'; // approver
const OLIVIA = 'bbbbbbbb-0000-4000-8000-00000000000b'; // operator
const GROUPIE = 'cccccccc-0000-4000-8000-00000000000c'; // in the operators' group
const MALLORY = 'dddddddd-0000-4000-8000-00000000000d';
const OPERATORS_GROUP = 'eeeeeeee-0000-4000-8000-00000000000e';
const directory = { isMemberOfGroup: async (user: Guid, group: Guid) => group === OPERATORS_GROUP && user === GROUPIE };

const request = {
  id: 'ONB-7F3K',
  status: 'failed',
  teamsTenantId: 't1',
  requester: { aadObjectId: ADELE, teamsUserId: '29:adele', name: 'Adele' },
  approvalCard: { conversationId: '19:approvals', activityId: '1' },
} as unknown as OnboardingRequest;
const adele: Actor = { aadObjectId: ADELE, teamsUserId: '29:adele', name: 'Adele', tenantId: 't1', conversationId: '19:approvals' };

describe('approval policy', () => {
  it('operators: everyone while none is configured; then the listed, the group members (any case) and the approvers', async () => {
    const open = createApprovalPolicy({ approverIds: [ADELE], allowSelfApproval: false }, directory);
    expect(open.operatorsRestricted).toBe(false);
    await expect(open.authorizeOperation(MALLORY)).resolves.toEqual({ allowed: true });
    await expect(open.authorizeOperation(undefined)).resolves.toEqual({ allowed: true });

    const closed = createApprovalPolicy({ approverIds: [ADELE], allowSelfApproval: false, operatorIds: [OLIVIA], operatorGroupId: OPERATORS_GROUP }, directory);
    for (const who of [OLIVIA.toUpperCase(), GROUPIE, ADELE]) await expect(closed.authorizeOperation(who)).resolves.toEqual({ allowed: true });
    for (const who of [MALLORY, undefined, 'not-a-guid']) await expect(closed.authorizeOperation(who)).resolves.toMatchObject({ allowed: false, reason: 'not-operator' });
  });

  it("approving: never one's own request unless ALLOW_SELF_APPROVAL; a failed run of one's own may still be retried", async () => {
    const strict = createApprovalPolicy({ approverIds: [ADELE], allowSelfApproval: false }, directory);
    await expect(strict.mayApprove(request, ADELE)).resolves.toBe(false);
    await expect(strict.authorizeDecision(request, adele)).resolves.toMatchObject({ allowed: false, reason: 'self-approval' });
    await expect(strict.authorizeRunControl(request, adele)).resolves.toEqual({ allowed: true });
    await expect(strict.authorizeRunControl(request, { ...adele, aadObjectId: OLIVIA })).resolves.toMatchObject({ allowed: false, reason: 'not-approver' });

    const demo = createApprovalPolicy({ approverIds: [ADELE], allowSelfApproval: true }, directory);
    await expect(demo.mayApprove(request, ADELE)).resolves.toBe(true);
    await expect(demo.mayApprove(request, OLIVIA)).resolves.toBe(false);
  });
  it('how many approvals: APPROVALS_REQUIRED for any kind, the billing-change setting for re-maps, removals and offboarding', () => {
    const policy = createApprovalPolicy({ approverIds: [ADELE], allowSelfApproval: false, approvalsRequired: 1, approvalsRequiredForBillingChanges: 2 }, directory);
    expect(['onboard', 'bulk-onboard', 'remap', 'remove', 'offboard'].map((kind) => policy.approvalsRequired({ kind } as OnboardingRequest))).toEqual([1, 1, 2, 2, 2]);
    const defaults = createApprovalPolicy({ approverIds: [ADELE], allowSelfApproval: false }, directory);
    expect(defaults.approvalsRequired({ kind: 'remap' } as unknown as OnboardingRequest)).toBe(1);
  });

  it('an inbox decision is checked like a card click, except for the conversation it comes from', async () => {
    const policy = createApprovalPolicy({ approverIds: [OLIVIA], allowSelfApproval: false }, directory);
    const olivia: Actor = { ...adele, aadObjectId: OLIVIA, conversationId: 'a:olivia-1-1' };
    const pending = { ...request, status: 'pending_approval' } as OnboardingRequest;
    await expect(policy.authorizeDecision(pending, olivia)).resolves.toMatchObject({ allowed: false, reason: 'wrong-conversation' });
    await expect(policy.authorizeDecision(pending, olivia, 'inbox')).resolves.toEqual({ allowed: true });
    await expect(policy.authorizeDecision(pending, { ...olivia, tenantId: 'other' }, 'inbox')).resolves.toMatchObject({ allowed: false, reason: 'wrong-tenant' });
    await expect(policy.authorizeDecision(pending, { ...olivia, aadObjectId: MALLORY }, 'inbox')).resolves.toMatchObject({ allowed: false, reason: 'not-approver' });
  });
});
