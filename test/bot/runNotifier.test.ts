// The shared card under a busy run (issue 17): a run changes its request several times a second;
// the card is updated at once for the first change, then at most once a second with the newest state.
import type { Activity } from 'botbuilder';
import { createTeamsRunNotifier } from '../../src/bot/runNotifier';
import type { Proactive } from '../../src/bot/proactive';
import type { Logger } from '../../src/logger';
import type { ServiceRequest } from '../../src/onboarding/model';
import { createApprovalPolicy } from '../../src/onboarding/requests/approvalPolicy';
import type { ConversationReferenceStore } from '../../src/store/types';
import { sampleRequest } from '../store/storeSuite';

const CHAT = 'a:approver-chat';

function recordingProactive(updates: Array<{ activityId: string; card: string }>): Proactive {
  return {
    reference: async () => ({ conversation: { id: CHAT, conversationType: 'personal', isGroup: false, name: '' }, user: { id: '29:approver', name: 'Adele' } }),
    post: async () => 'posted-1',
    update: async (_conversationId: string, activityId: string, activity: Partial<Activity>) => {
      updates.push({ activityId, card: JSON.stringify(activity.attachments?.[0]?.content) });
    },
    roster: async () => [],
  };
}

const quietLogger = { warn: () => undefined, info: () => undefined, debug: () => undefined, error: () => undefined } as unknown as Logger;

describe('the shared card of a running request', () => {
  it('a run that moves on several times within a second updates the card once at once, then once with the newest state', async () => {
    const updates: Array<{ activityId: string; card: string }> = [];
    const notifier = createTeamsRunNotifier({
      proactive: recordingProactive(updates),
      conversations: { list: async () => [] } as unknown as ConversationReferenceStore,
      facts: { get: async () => undefined, set: async () => undefined },
      policy: createApprovalPolicy({ approverIds: [], allowSelfApproval: false }, { isMemberOfGroup: async () => false }),
      approverIds: [],
      cardSettings: { simulated: true, noApprovers: true, portalLink: (id) => id },
      logger: quietLogger,
    });
    const request = { ...sampleRequest('ONB-CARD'), approvalCard: { conversationId: CHAT, activityId: 'card-1' } } as ServiceRequest;
    const at = (second: number) => `2026-12-02T06:00:0${second}.000Z`;

    await notifier.requestChanged({ ...request, status: 'approved', updatedAt: at(1) });
    expect(updates.map((u) => u.activityId)).toEqual(['card-1']);
    expect(updates[0].card).toContain('Approved: the run starts now.');

    // The run starts and finishes its steps in quick succession, a store write or two between changes.
    for (const [status, second] of [['running', 2], ['running', 3], ['succeeded', 4]] as const) {
      void notifier.requestChanged({ ...request, status, updatedAt: at(second) });
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    }
    await notifier.idle();
    expect(updates).toHaveLength(2);
    expect(updates[1].card).toContain('Done: the customer is onboarded.');
  });
});
