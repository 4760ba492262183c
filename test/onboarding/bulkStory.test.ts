// The bulk onboarding story in the local Teams client (Agents Playground), the bot in-process with
// the real adapter, store and cloud clients against the simulated cloud: a list of three good rows
// and one bad one gives a plan naming the bad row; submitting the ready rows and one approval runs
// exactly three onboardings: three new customers and three mappings, one summary with the results.
import { cardJson, playgroundStory } from '../support/playgroundBot';
import { parseRegistrationId, type BulkRequest, type OnboardingRequest } from '../../src/onboarding/model';
import { PLAYGROUND_USERS } from '../support/playground';
import { waitFor } from '../support/waitFor';

jest.setTimeout(120_000);


describe('bulk onboarding in the local Teams client', () => {
  const story = playgroundStory();

  it('3 good rows and 1 bad: the plan names the bad row; one approval onboards exactly the 3, one summary with the results CSV', async () => {
    const { sandbox } = story;
    const approver = PLAYGROUND_USERS[0];
    const requester = PLAYGROUND_USERS[1];
    const { bot, pg } = await story.start(approver.aadObjectId!, { BULK_CONCURRENCY: '2' });
    const channel = pg.conversations.channel;
    const registration = parseRegistrationId(sandbox.registrations.payAsYouUse);
    const before = sandbox.state.counts();
    const mappedBefore = Object.keys(sandbox.state.registrations[Object.keys(sandbox.state.registrations).find((k) => sandbox.state.registrations[k].id.toLowerCase() === registration.resourceId.toLowerCase())!].customerSubscriptions).length;
    const tag = Math.floor(Math.random() * 1e6);

    // `onboard bulk` in the channel: the paste box.
    const asked = await pg.client.sendText(channel, `<at>${pg.bot.name}</at> onboard bulk`, { mentions: [{ id: pg.bot.id, name: pg.bot.name }], from: requester });
    const box = await pg.client.waitForMessage((m) => cardJson(m).includes('Onboard customers from a list'), { after: asked });
    expect(cardJson(box)).toContain('companyName, domain, registration, subscription, access');

    // A semicolon list, as a European spreadsheet saves it; line 4 (Bad Row) has no state for a US address.
    const csv = [
      'CompanyName;Domain;Country;Region;City;PostalCode;AddressLine1;FirstName;LastName;Email;Phone;Registration;Subscription;Access;AgreementDate',
      `Alpha, Inc.;alpha${tag};US;WA;Redmond;98052;1 Main St;Ann;Alpha;ann@alpha${tag}.example;+1 425 555 0101;${registration.name};azure-plan;none;2026-11-27`,
      `Beta GmbH;beta${tag}.onmicrosoft.com;DE;;Berlin;10115;Hauptstr. 1;Bernd;Beta;bernd@beta${tag}.example;+49 30 123456;${registration.name};azure-plan;none;2026-11-27`,
      `Bad Row;bad${tag};US;;Redmond;98052;1 Main St;Bo;Bad;bo@bad${tag}.example;+1 425 555 0102;${registration.name};azure-plan;none;2026-11-27`,
      `Gamma Ltd;gamma${tag};GB;;London;SW1A 1AA;1 High St;Gil;Gamma;gil@gamma${tag}.example;+44 20 7946 0000;${registration.name};azure-plan;none;2026-11-27`,
    ].join('\r\n');
    const thread = box.conversationId; // the reply went into the thread of the `onboard bulk` post
    const checked = await pg.client.invoke(thread, box.messageId, { verb: 'bulk.check', data: { csv } }, requester);
    const planText = JSON.stringify(checked.value);
    expect(planText).toContain('3 of 4 rows are ready');
    expect(planText).toContain('Line 4 · Bad Row · region');
    expect(planText).toContain('State or region: required for addresses in this country');
    const planId = /"planId":"([^"]+)"/.exec(planText)![1];

    // Submit the ready rows: one BAT- request, waiting for approval.
    const submitted = await pg.client.invoke(thread, box.messageId, { verb: 'bulk.submit', data: { planId } }, requester);
    const batchId = /Request (BAT-[0-9A-Z]+) submitted/.exec(JSON.stringify(submitted.value))![1];
    const approval = await pg.client.waitForMessage((m) => m.action === 'createMessage' && cardJson(m).includes(`Approval needed: Onboard 3 customers (bulk)`), { after: asked, timeoutMs: 30_000 });
    expect(cardJson(approval)).toContain(batchId);
    expect(cardJson(approval)).toContain('Customers created');
    expect(cardJson(approval)).toContain('Alpha, Inc.');

    // One approval for the batch.
    // The request was made in a channel thread, so its approval card went into that thread.
    const decided = await pg.client.invoke(approval.conversationId, approval.messageId, { verb: 'request.approve', data: { requestId: batchId } }, approver);
    expect(JSON.stringify(decided.value)).toContain('approved by');

    // The one summary in the thread, with the results CSV.
    const summary = await pg.client.waitForMessage((m) => (m.text ?? '').includes(`bulk onboarding ${batchId} is done`), { after: approval.seq, timeoutMs: 90_000 });
    expect(summary.text).toContain('3 of 3 customer(s) onboarded');
    expect(summary.text).toContain('line,companyName,requestId,customerTenantId,azureSubscriptionId,registration,result,error');
    expect(summary.text).toContain('"Alpha, Inc."');
    // The live card ends done, updated in place (never a message per row).
    await pg.client.waitForMessage((m) => m.action === 'updateMessage' && m.messageId === approval.messageId && cardJson(m).includes('Done: every row has finished'), { after: approval.seq, timeoutMs: 30_000 });
    expect(pg.client.messages.filter((m) => m.action === 'createMessage' && (m.text ?? '').includes(' is done') && m.seq > approval.seq)).toHaveLength(1);

    const batch = (await bot.app.store.requests.get(batchId as BulkRequest['id']))!.value as BulkRequest;
    expect(batch.status).toBe('succeeded');
    expect(batch.rows.map((r) => r.line)).toEqual([2, 3, 5]);
    const rows = (await bot.app.store.requests.list()).map((v) => v.value).filter((r): r is OnboardingRequest => r.kind === 'onboard' && r.batch?.id === batchId);
    expect(rows.map((r) => [r.batch!.line, r.status]).sort()).toEqual([
      [2, 'succeeded'],
      [3, 'succeeded'],
      [5, 'succeeded'],
    ]);
    // BULK_CONCURRENCY=2: the third row started only once one of the first two had finished.
    const started = (await bot.app.store.audit.list(batchId as BulkRequest['id'])).filter((e) => e.action === 'row-started').map((e) => e.at);
    expect(started).toHaveLength(3);
    const finished = await Promise.all(rows.map(async (r) => (await bot.app.store.audit.list(r.id)).find((e) => e.action === 'run-succeeded')!.at));
    expect(started[2] >= [...finished].sort()[0]).toBe(true);
    // Each row has its own trail.
    for (const row of rows) expect((await bot.app.store.audit.list(row.id)).map((e) => e.action)).toEqual(expect.arrayContaining(['submitted', 'run-started', 'run-succeeded']));

    // The simulated cloud: exactly three new customers, three Azure plans, three mappings.
    const after = sandbox.state.counts();
    expect(after.customersCreated - before.customersCreated).toBe(3);
    expect(after.checkouts - before.checkouts).toBe(3);
    await waitFor(async () => {
      const reg = Object.values(sandbox.state.registrations).find((r) => r.id.toLowerCase() === registration.resourceId.toLowerCase())!;
      return Object.keys(reg.customerSubscriptions).length - mappedBefore === 3 ? true : undefined;
    });
    for (const row of rows) {
      const reg = Object.values(sandbox.state.registrations).find((r) => r.id.toLowerCase() === registration.resourceId.toLowerCase())!;
      expect(reg.customerSubscriptions[row.results.azureSubscriptionId!]).toEqual({ tenantId: row.results.customerTenantId });
    }
    expect(Object.values(sandbox.state.customers).some((c) => c.domain === `bad${tag}.onmicrosoft.com`)).toBe(false);
  });
});
