// Which channel members are approvers, for the approval card: checked in batches, kept, refreshed in
// the background, and never holding a Submit click longer than the wait budget.
import { createApproverRoster } from '../../src/bot/approverRoster';
import type { RosterMember } from '../../src/bot/proactive';

const CHANNEL = '19:approvals@thread.tacv2';
const objectId = (i: number) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`;
const MEMBERS: RosterMember[] = Array.from({ length: 35 }, (_, i) => ({ teamsUserId: `29:member-${i}`, aadObjectId: objectId(i), name: `Member ${i}` }));
const APPROVERS = new Set([objectId(3), objectId(17), objectId(34)]);

/** A membership check (one Graph call each, for an approver group) that answers when released. */
function directory() {
  const waiting: Array<() => void> = [];
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let hold = false;
  return {
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    hold() {
      hold = true;
    },
    release() {
      hold = false;
      for (const go of waiting.splice(0)) go();
    },
    isApprover: async (id: string | undefined) => {
      calls.push(id!);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Several checks are outstanding together only if the caller did not await them one by one.
      await new Promise<void>((resolve) => (hold ? waiting.push(resolve) : setImmediate(resolve)));
      inFlight--;
      return APPROVERS.has(id!);
    },
  };
}

function rosterOf(members: RosterMember[]) {
  const reads: string[] = [];
  return { reads, roster: async (conversationId: string) => (reads.push(conversationId), members) };
}

const quiet = { warn: () => undefined };

describe('the approvers on a conversation roster', () => {
  afterEach(() => jest.useRealTimers());

  it('checks the members in batches, not one after another, and keeps the answer', async () => {
    const policy = directory();
    const proactive = rosterOf(MEMBERS);
    const roster = createApproverRoster({ proactive, policy, logger: quiet, batchSize: 10 });
    const found = await roster.approvers(CHANNEL);
    expect(found!.approvers.map((a) => a.teamsUserId).sort()).toEqual(['29:member-17', '29:member-3', '29:member-34']);
    expect(found!.members.size).toBe(35);
    expect(policy.calls).toHaveLength(35);
    expect(policy.maxInFlight).toBe(10);
    // The next card in that conversation asks nobody.
    await roster.approvers(CHANNEL);
    expect(policy.calls).toHaveLength(35);
    expect(proactive.reads).toEqual([CHANNEL]);
  });

  it('a slow directory does not hold the click: the card goes without, and the answer arrives for the next one', async () => {
    jest.useFakeTimers();
    const policy = directory();
    policy.hold();
    const roster = createApproverRoster({ proactive: rosterOf(MEMBERS), policy, logger: quiet, waitMs: 2_000 });
    const first = roster.approvers(CHANNEL);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(await first).toBeUndefined();
    // Still resolving in the background; a second card in the meantime joins it rather than starting again.
    const second = roster.approvers(CHANNEL);
    policy.release();
    jest.useRealTimers();
    expect((await second)!.approvers).toHaveLength(3);
    expect(policy.calls).toHaveLength(35);
  });

  it('an old answer is used at once while a new one is resolved in the background', async () => {
    let now = 1_000_000;
    const policy = directory();
    const proactive = rosterOf(MEMBERS);
    const roster = createApproverRoster({ proactive, policy, logger: quiet, ttlMs: 60_000, now: () => now });
    const before = await roster.approvers(CHANNEL);
    now += 60_001;
    policy.hold();
    // Expired: answered from what is known, without waiting for the (held) checks.
    expect(await roster.approvers(CHANNEL)).toBe(before);
    expect(proactive.reads).toHaveLength(2);
    policy.release();
    let latest = await roster.approvers(CHANNEL);
    for (let i = 0; i < 100 && latest === before; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      latest = await roster.approvers(CHANNEL);
    }
    expect(latest).not.toBe(before);
    expect(latest!.approvers).toHaveLength(3);
    // One refresh for all those cards.
    expect(proactive.reads).toHaveLength(2);
  });

  it('warmed at start-up, the first card finds the answer ready', async () => {
    const policy = directory();
    const proactive = rosterOf(MEMBERS);
    const roster = createApproverRoster({ proactive, policy, logger: quiet });
    roster.warm(CHANNEL);
    await roster.idle();
    expect(policy.calls).toHaveLength(35);
    expect((await roster.approvers(CHANNEL))!.approvers).toHaveLength(3);
    expect(proactive.reads).toEqual([CHANNEL]);
    expect(policy.calls).toHaveLength(35);
  });

  it('a failed check is logged and leaves the roster unknown (buttons for everyone; the server still decides)', async () => {
    const warnings: string[] = [];
    const roster = createApproverRoster({
      proactive: rosterOf(MEMBERS),
      policy: { isApprover: async () => Promise.reject(new Error('Graph 503')) },
      logger: { warn: (_obj: object, msg: string) => void warnings.push(msg) },
    });
    expect(await roster.approvers(CHANNEL)).toBeUndefined();
    expect(warnings).toHaveLength(1);
  });
});
