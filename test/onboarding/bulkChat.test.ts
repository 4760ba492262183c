// `onboard bulk` as a transcript through the real bot (HTTP, adapter, SQLite, the real clients on the
// simulated cloud): an attached .csv in a personal chat, a list that cannot be read, someone else's
// plan, a double Submit, and a failed row abandoned from the batch card, which then ends the batch
// with one summary whose CSV says what went wrong.
import * as http from 'http';
import type { AddressInfo } from 'net';
import { parseRegistrationId, type BulkRequest, type OnboardingRequest } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { message, channel as channelOf } from '../support/activities';
import { startBot, type BotDriver } from '../support/botDriver';
import { findAction, texts, type Card } from '../support/cardQueries';
import { ALEX, MEGAN } from '../support/people';
import { waitFor } from '../support/waitFor';
import { sandboxConfig, startTestSandbox } from './support';

jest.setTimeout(90_000);

const HEADER = 'companyName,domain,country,region,city,postalCode,addressLine1,firstName,lastName,email,phone,registration,subscription,access,agreementDate';

describe('onboard bulk in a Teams chat', () => {
  let sandbox: Sandbox;
  let bot: BotDriver;
  let files: http.Server;
  let filesUrl: string;
  const served = new Map<string, string>();

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    files = http.createServer((req, res) => {
      const body = served.get(req.url ?? '');
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/csv' });
      res.end(body ?? '');
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    bot = await startBot(sandboxConfig(sandbox, { APPROVER_IDS: MEGAN.aadObjectId, BULK_CONCURRENCY: '2' }));
  });
  afterAll(async () => {
    await bot?.close();
    await new Promise((resolve) => files?.close(resolve));
    await sandbox?.close();
  });

  const tag = () => Math.floor(Math.random() * 1e8);
  function row(prefix: string, registrationId = sandbox.registrations.payAsYouUse): string {
    const name = parseRegistrationId(registrationId).name;
    return `${prefix} Ltd,${prefix},US,WA,Redmond,98052,1 Main St,Ann,Smith,ann@${prefix}.example,+1 425 555 0101,${name},azure-plan,none,2026-11-27`;
  }
  const cardOf = (activity: { attachments?: Array<{ content: Record<string, unknown> }> }) => activity.attachments?.[0]?.content as Card;

  /** Alex sends `onboard bulk` with a file attached (Teams' file download info). */
  async function sendWithFile(conversation = 'personal' as 'personal' | 'channel', csv: string) {
    const path = `/files/${tag()}.csv`;
    served.set(path, csv);
    const envelope = { from: ALEX, conversation: conversation === 'personal' ? { id: `a:1on1-${ALEX.id}`, conversationType: 'personal' as const } : channelOf(), serviceUrl: bot.connector.serviceUrl };
    const activity = {
      ...message('onboard bulk', envelope),
      attachments: [{ contentType: 'application/vnd.microsoft.teams.file.download.info', name: 'customers.csv', content: { downloadUrl: `${filesUrl}${path}`, uniqueId: 'u1', fileType: 'csv' } }],
    };
    const answer = await bot.post(activity);
    expect(answer.status).toBeLessThan(400);
    return bot.connector.sent.filter((s) => s.activity.replyToId === activity.id && s.activity.type !== 'typing');
  }

  it('reads a .csv attached in a personal chat and answers with the plan; in a channel it asks for the paste', async () => {
    const t = tag();
    const [reply] = await sendWithFile('personal', [HEADER, row(`file${t}a`), row(`file${t}b`)].join('\n'));
    const plan = cardOf(reply.activity);
    expect(texts(plan)).toContain('All 2 rows are ready. Submit them for approval, or paste a new list.');
    expect(findAction(plan, 'Submit all 2 rows')).toBeDefined();

    const [told] = await sendWithFile('channel', [HEADER, row(`file${t}c`)].join('\n'));
    expect(told.activity.text).toMatch(/An attached list works in a personal chat with me/);
  });

  it('a list that cannot be read comes back in the box with the reason; nothing is checked', async () => {
    const alex = bot.as(ALEX);
    const box = await alex.card('onboard bulk');
    const again = await alex.click(box, 'Check the list', { csv: 'companyName;domain\nFabrikam;fabrikam' });
    expect(texts(again).join('\n')).toContain('The header row (line 1) has no registration, subscription, access columns.');
    expect(JSON.stringify(again)).toContain('companyName;domain');
  });

  it("only the operator who checked a list can submit it, and a second Submit makes no second request", async () => {
    const alex = bot.as(ALEX);
    const box = await alex.card('onboard bulk');
    const plan = await alex.click(box, 'Check the list', { csv: [HEADER, row(`twice${tag()}`)].join('\n') });
    const megan = bot.as(MEGAN);
    const refused = await megan.clickForAnswer(plan, 'Submit all 1 rows');
    expect(JSON.stringify(refused.body)).toContain('Only the person who checked this list can submit it.');
    const first = await alex.click(plan, 'Submit all 1 rows');
    const second = await alex.click(plan, 'Submit all 1 rows');
    const id = /Request (BAT-[0-9A-Z]+) submitted/.exec(texts(first)[0])![1];
    expect(texts(second)[0]).toBe(`Request ${id} submitted — waiting for approval`);
    expect(texts(second)[1]).toContain(`already submitted as ${id}`);
    const batches = (await bot.app.store.requests.list()).map((v) => v.value).filter((r) => r.kind === 'bulk' && r.rows.some((x) => x.plan.customer.domain.startsWith('twice')));
    expect(batches).toHaveLength(1);
  });

  it('a failed row waits for an approver on the batch card; Abandon line N ends the batch with one summary that says why', async () => {
    const megan = bot.as(MEGAN);
    await megan.say('help'); // Megan's chat with the bot: where her approval cards go
    const alex = bot.as(ALEX);
    const t = tag();
    const box = await alex.card('onboard bulk');
    // The registration is pay-as-you-use but was never approved for multi-tenant billing: Azure refuses the mapping.
    const plan = await alex.click(box, 'Check the list', { csv: [HEADER, row(`good${t}`), row(`refused${t}`, sandbox.registrations.notApproved)].join('\n') });
    const submitted = await alex.click(plan, 'Submit all 2 rows');
    const id = /Request (BAT-[0-9A-Z]+) submitted/.exec(texts(submitted)[0])![1];
    await bot.connector.waitFor((sent) => sent.some((s) => JSON.stringify(s.activity).includes(`Approval needed: Onboard 2 customers (bulk)`) && JSON.stringify(s.activity).includes(id)));
    const approvalPost = bot.connector.sent.find((s) => s.method === 'POST' && JSON.stringify(s.activity).includes(id))!;
    const meganChat = bot.as(MEGAN, approvalPost.conversationId);
    const approved = await meganChat.invoke('request.approve', { requestId: id }, { replyToId: approvalPost.activityId });
    expect(JSON.stringify(approved.body)).toContain('approved by');

    const failedRow = await waitFor(async () => {
      const batch = (await bot.app.store.requests.get(id as BulkRequest['id']))!.value as BulkRequest;
      return batch.results.bulkRows?.find((r) => r.status === 'failed');
    }, { timeoutMs: 60_000 });
    expect(failedRow.line).toBe(3);
    expect(failedRow.error).toMatch(/not approved for multi-tenant billing/);
    // The batch card for an approver: the failed row with its buttons.
    const refreshed = await meganChat.invoke('request.refresh', { requestId: id }, { replyToId: approvalPost.activityId });
    const card = refreshed.body!.value as Card;
    expect(texts(card)).toContain(`Line 3: refused${t} Ltd (${failedRow.requestId}) failed`);
    // Alex (not an approver) cannot abandon it.
    const notYours = await bot.as(ALEX, approvalPost.conversationId).invoke('request.abandonRow', { requestId: id, rowRequestId: failedRow.requestId });
    expect(JSON.stringify(notYours.body)).toMatch(/cannot be decided from this conversation|Only approvers/);
    const abandoned = await meganChat.clickForAnswer(card, 'Abandon line 3');
    expect(JSON.stringify(abandoned.body)).toContain(`${failedRow.requestId} is abandoned.`);

    const summary = await waitFor(() => bot.connector.sent.find((s) => (s.activity.text ?? '').includes(`bulk onboarding ${id} is done`)), { timeoutMs: 60_000 });
    expect(summary.activity.text).toContain('1 of 2 customer(s) onboarded, 1 not (abandoned: see the error column)');
    expect(summary.activity.text).toMatch(new RegExp(`3,refused${t} Ltd,${failedRow.requestId},[0-9a-f-]{36},[0-9a-f-]{36},[^,]+,abandoned,.*not approved for multi-tenant billing`));
    const rows = (await bot.app.store.requests.list()).map((v) => v.value).filter((r): r is OnboardingRequest => r.kind === 'onboard' && r.batch?.id === id);
    expect(rows.map((r) => r.status).sort()).toEqual(['abandoned', 'succeeded']);

    // `status BAT-…`: the batch and every row with its own request id.
    const status = await alex.reply(`status ${id}`);
    expect(status.activity.text).toContain(`Onboard 2 customers (bulk)`);
    expect(status.activity.text).toContain(`line 3, refused${t} Ltd: ${failedRow.requestId}: abandoned`);
    expect(status.activity.text).toMatch(new RegExp(`line 2, good${t} Ltd: ONB-[0-9A-Z]+: succeeded`));
  });
});
