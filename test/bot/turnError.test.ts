// A failed turn: the user in it gets a plain sentence with a reference id. A proactive turn (a card
// post or update, a sweep) has no user in it: the failure goes back to the code that opened it, and
// nothing is posted into the conversation (an approvers' channel would see it as a crash).
import { ActivityEventNames, ActivityTypes, TestAdapter, TurnContext, type Activity } from 'botbuilder';
import { createTurnErrorHandler } from '../../src/bot/turnError';
import { APPROVALS_CHANNEL, channel, teamsActivity } from '../support/activities';
import { captureLogs } from '../support/logCapture';
import { OLIVIA } from '../support/people';

/** A turn in the approvers' channel, with what the bot sends in it recorded. */
function turn(fields: Partial<Activity>) {
  const adapter = new TestAdapter();
  const sent: Array<Partial<Activity>> = [];
  const context = new TurnContext(adapter, teamsActivity(fields, { from: OLIVIA, conversation: channel(APPROVALS_CHANNEL) }) as Activity);
  context.onSendActivities(async (_context, activities) => {
    sent.push(...activities);
    return activities.map(() => ({ id: 'sent' }));
  });
  return { context, sent };
}

describe('the turn error handler', () => {
  it('a user\'s message that failed: logged under a reference id, which the user is given', async () => {
    const logs = captureLogs('warn');
    const { context, sent } = turn({ type: ActivityTypes.Message, text: 'tenants' });
    await createTurnErrorHandler(logs.logger)(context, new Error('boom'));
    const referenceId = logs.records().find((r) => r.msg === 'turn failed')?.referenceId as string;
    expect(referenceId).toMatch(/^[2-9A-Z]{8}$/);
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toContain(referenceId);
  });

  it('a proactive turn that failed: thrown back to its caller, nothing posted into the conversation', async () => {
    const logs = captureLogs('warn');
    const { context, sent } = turn({ type: ActivityTypes.Event, name: ActivityEventNames.ContinueConversation });
    const failure = Object.assign(new Error('Too Many Requests'), { statusCode: 429 });
    await expect(createTurnErrorHandler(logs.logger)(context, failure)).rejects.toBe(failure);
    expect(sent).toHaveLength(0);
  });
});
