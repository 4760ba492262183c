// Mentions and the `pending` inbox as the local Teams client (Agents Playground) shows them: the bot
// runs in-process with the real adapter, store and cloud clients; the playground is the Teams side.
import { cardJson, playgroundStory } from '../support/playgroundBot';
import type { Guid } from '../../src/onboarding/model';
import { PLAYGROUND_TENANT_ID, PLAYGROUND_USERS } from '../support/playground';
import { newCustomerRequest } from '../onboarding/support';

jest.setTimeout(60_000);


describe('mentions and the inbox in the local Teams client', () => {
  const story = playgroundStory();

  it('the approval card reaches the approvers by mention; the inbox in a personal chat approves it', async () => {
    const { sandbox } = story;
    // The playground's current user (Alex) and Adele approve; Megan asks.
    const [alex, megan, adele] = PLAYGROUND_USERS;
    const { bot, pg } = await story.start(`${alex.aadObjectId},${adele.aadObjectId}`);
    const channel = pg.conversations.channel;
    const hello = await story.greetChannel();
    const request = newCustomerRequest(sandbox, {
      teamsTenantId: PLAYGROUND_TENANT_ID,
      conversationId: channel,
      requester: { aadObjectId: megan.aadObjectId as Guid, teamsUserId: megan.id, name: megan.name },
    });
    await bot.app.store.requests.create(request);
    await bot.app.approvals.onSubmitted(request);

    // The reply under the card mentions the approvers, as the playground shows it.
    const mention = await pg.client.waitForMessage((m) => (m.text ?? '').includes(`request ${request.id} from ${megan.name} waits for your approval`), { after: hello });
    expect(mention.text).toContain(`<at>${alex.name}</at>`);
    expect(mention.text).toContain(`<at>${adele.name}</at>`);
    expect(mention.text).not.toContain(`<at>${megan.name}</at>`);
    const entities = JSON.stringify(mention.raw);
    expect(entities).toContain(alex.id);
    expect(entities).toContain(adele.id);

    // Alex opens the inbox in the personal chat and approves from there.
    const personal = pg.conversations.personalChat;
    const asked = await pg.client.sendText(personal, 'pending');
    const inbox = await pg.client.waitForMessage((m) => m.conversationId === personal && cardJson(m).includes('Pending: waiting for your decision'), { after: asked });
    expect(cardJson(inbox)).toContain(request.id);
    expect(cardJson(inbox)).toContain('inbox.approve');
    const answer = await pg.client.invoke(personal, inbox.messageId, { verb: 'inbox.approve', data: { requestId: request.id, page: 1 } });
    expect(JSON.stringify(answer)).toContain(`Approved ${request.id}: the run starts.`);
    expect((await bot.app.store.requests.get(request.id))!.value.decision).toMatchObject({ outcome: 'approved', by: { name: alex.name } });
  });
});
