// The approval card, the live checklist and the result post, as the local Teams client (Agents
// Playground) shows them: the bot runs in-process with the real adapter, store and cloud clients.
import { cardJson, playgroundStory } from '../support/playgroundBot';
import type { Guid } from '../../src/onboarding/model';
import { PLAYGROUND_TENANT_ID, PLAYGROUND_USERS } from '../support/playground';
import { newCustomerRequest } from './support';

jest.setTimeout(60_000);


describe('approval and the run in the local Teams client', () => {
  const story = playgroundStory();

  it('posts the approval card in the channel, turns it into a live checklist on Approve, and posts the result mentioning the requester', async () => {
    const { sandbox } = story;
    // The playground's current user approves; another user made the request.
    const approver = PLAYGROUND_USERS[0];
    const requesterUser = PLAYGROUND_USERS[1];

    const { bot, pg } = await story.start(approver.aadObjectId!);
    const channel = pg.conversations.channel;

    // The bot hears from the channel (so it has a reference), then a request made there is submitted.
    const hello = await story.greetChannel();
    const request = newCustomerRequest(sandbox, {
      teamsTenantId: PLAYGROUND_TENANT_ID,
      conversationId: channel,
      requester: { aadObjectId: requesterUser.aadObjectId as Guid, teamsUserId: requesterUser.id, name: requesterUser.name },
    });
    await bot.app.store.requests.create(request);
    await bot.app.approvals.onSubmitted(request);
    const card = await pg.client.waitForMessage((m) => m.action === 'createMessage' && cardJson(m).includes(`Approval needed`) && cardJson(m).includes(request.id), { after: hello });
    expect(cardJson(card)).toContain(request.customer.domain);

    // The run waits at the guest invitation, as a slow service would keep it there: the card shows it.
    const hold = sandbox.holds.add({ method: 'POST', path: /^\/graph\/v1\.0\/invitations$/ });
    // A click on a channel post comes from the post's thread (`<channel>;messageid=<post>`), as in Teams.
    const response = await pg.client.invoke(`${card.conversationId};messageid=${card.messageId}`, card.messageId, { verb: 'request.approve', data: { requestId: request.id } });
    expect(JSON.stringify(response)).toContain('approved by');

    // The shared card becomes a checklist, updated in place (at most once a second), and ends done.
    await hold.arrived;
    const running = await pg.client.waitForMessage((m) => m.action === 'updateMessage' && m.messageId === card.messageId && cardJson(m).includes('⏳'), { after: card.seq });
    expect(cardJson(running)).toContain('Registration');
    hold.release();
    await pg.client.waitForMessage((m) => m.action === 'updateMessage' && m.messageId === card.messageId && cardJson(m).includes('Done: the customer is onboarded.'), { after: card.seq });

    // The result in the thread: mentions the requester, carries the portal link and the resource id.
    const result = await pg.client.waitForMessage((m) => m.action === 'createMessage' && (m.text ?? '').includes(`request ${request.id} is done`), { after: card.seq });
    expect(result.text).toContain(requesterUser.name);
    const stored = (await bot.app.store.requests.get(request.id))!.value;
    // The playground shows the message's text and its card as separate items.
    const resultCard = await pg.client.waitForMessage((m) => cardJson(m).includes(`Onboarded ${request.customer.companyName}`), { after: card.seq });
    expect(cardJson(resultCard)).toContain(stored.results.mappingResourceId!);
    expect(cardJson(resultCard)).toContain(stored.results.customerTenantId!);
    expect(cardJson(resultCard)).toContain(stored.results.azureSubscriptionId!);
    expect(cardJson(resultCard)).toContain('Open the registration link in the Azure portal');
  });
});

describe('an onboarding with an Azure Stack Hub subscription in the local Teams client', () => {
  const story = playgroundStory();

  it('approve, the consent pause with the simulated page, "The customer has consented", the result with the stamp portal link; the stamp holds one of everything', async () => {
    const { sandbox } = story;
    const approver = PLAYGROUND_USERS[0];
    const requesterUser = PLAYGROUND_USERS[1];
    const { bot, pg } = await story.start(approver.aadObjectId!, { ...sandbox.stampEnv });
    const channel = pg.conversations.channel;
    const hello = await story.greetChannel();

    const offer = (await bot.app.cloud.stamps!.listOffers('azurestack-payg-east')).find((o) => o.state === 'Public')!;
    const base = newCustomerRequest(sandbox, {
      teamsTenantId: PLAYGROUND_TENANT_ID,
      conversationId: channel,
      requester: { aadObjectId: requesterUser.aadObjectId as Guid, teamsUserId: requesterUser.id, name: requesterUser.name },
      access: { kind: 'none' },
    });
    const owner = `admin@${base.customer.domain}`;
    const request = {
      ...base,
      stamp: { registration: 'azurestack-payg-east', offerId: offer.id, offerName: offer.displayName, managedBy: 'customer' as const, owner, ownerName: 'Tess Admin', guestMode: 'automatic' as const, cspAccount: sandbox.stampEnv.CSP_GUEST_ACCOUNT },
    };
    await bot.app.store.requests.create(request);
    await bot.app.approvals.onSubmitted(request);
    const card = await pg.client.waitForMessage((m) => m.action === 'createMessage' && cardJson(m).includes('Approval needed') && cardJson(m).includes(request.id), { after: hello });
    expect(cardJson(card)).toContain('managed by the customer');
    const thread = `${card.conversationId};messageid=${card.messageId}`;
    await pg.client.invoke(thread, card.messageId, { verb: 'request.approve', data: { requestId: request.id } });

    // The run pauses after the mapping: the card says what the customer's admin does, and links to the simulated page.
    const paused = await pg.client.waitForMessage((m) => m.action === 'updateMessage' && m.messageId === card.messageId && cardJson(m).includes('Paused: the customer must consent'), { after: card.seq });
    expect(cardJson(paused)).toContain('Register-AzsWithMyDirectoryTenant');
    const link = /"url":"([^"]*\/consent\?directory=[^"]*)"/.exec(cardJson(paused))?.[1];
    expect(link).toBeDefined();
    const page = await fetch(link!);
    expect(await page.text()).toContain('Register (as the customer');
    const consent = await fetch(`${sandbox.url}/_sandbox/stamps/azurestack-payg-east/consent`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ directory: base.customer.domain }) });
    expect(consent.status).toBe(200);
    const clicked = await pg.client.invoke(thread, card.messageId, { verb: 'request.consented', data: { requestId: request.id } });
    expect(clicked.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify(clicked.value)).not.toContain('Paused: the customer must consent');

    await pg.client.waitForMessage((m) => m.action === 'updateMessage' && m.messageId === card.messageId && cardJson(m).includes('Done: the customer is onboarded.'), { after: paused.seq });
    const stored = (await bot.app.store.requests.get(request.id))!.value;
    const resultCard = await pg.client.waitForMessage((m) => cardJson(m).includes(`Onboarded ${request.customer.companyName}`), { after: card.seq });
    expect(cardJson(resultCard)).toContain('Open the subscription in the Azure Stack Hub portal');
    expect(cardJson(resultCard)).toContain(stored.results.stampSubscriptionId!);

    const stamp = sandbox.state.stamps['azurestack-payg-east'];
    const tenant = stored.results.customerTenantId!;
    expect(stamp.directoryTenants[base.customer.domain]).toMatchObject({ tenantId: tenant, consented: true });
    expect(Object.values(stamp.subscriptions).filter((s) => s.tenantId === tenant)).toEqual([expect.objectContaining({ owner, offerId: offer.id, state: 'Enabled' })]);
    expect(stamp.roleAssignments.filter((ra) => ra.scope === `/subscriptions/${stored.results.stampSubscriptionId}`)).toHaveLength(1);
  });
});
