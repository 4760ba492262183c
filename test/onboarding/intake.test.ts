// One intake for every kind of request, told as stories through the composed app (createApp): an
// onboarding submitted in the dialog, a re-map and a removal typed as commands. Each is stored once,
// with exactly one `submitted` entry at the head of its audit trail, and handed to the approvals.
import { TestAdapter, type Activity } from 'botbuilder';
import { createApp, type App } from '../../src/app';
import type { RequestId } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { findAction, inputValues, lastCard, title, type Card } from '../support/cardQueries';
import { MCA_ATTESTED } from '../support/people';
import { TEAMS_TENANT, sandboxCloud, sandboxConfig, startTestSandbox } from './support';

const OLIVIA = { id: '29:olivia', name: 'Olivia Operator', aadObjectId: '' };

let sandbox: Sandbox;
let store: BotStore;
let app: App;
let adapter: TestAdapter;
let nextId = 1;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  OLIVIA.aadObjectId = sandbox.users.operator;
  store = await openSqliteStore(':memory:');
  const config = sandboxConfig(sandbox, { ALLOWED_TENANT_IDS: TEAMS_TENANT });
  app = await createApp(config, { store, cloud: sandboxCloud(config) });
  adapter = new TestAdapter(async (context) => app.bot.run(context));
});
afterAll(async () => {
  await app?.approvals.idle();
  await app?.close();
  await store?.close();
  await sandbox?.close();
});

/** Olivia in her 1:1 chat with the bot: typed text and Action.Execute clicks. */
async function send(fields: Partial<Activity>): Promise<Partial<Activity>[]> {
  await adapter.processActivity({
    ...fields,
    id: `olivia-${nextId++}`,
    channelId: 'msteams',
    serviceUrl: 'https://smba.example.test/teams/',
    from: { id: OLIVIA.id, name: OLIVIA.name, aadObjectId: OLIVIA.aadObjectId },
    recipient: { id: '28:bot', name: 'CSP Bot' },
    conversation: { id: 'a:olivia-1-1', conversationType: 'personal', tenantId: TEAMS_TENANT, isGroup: false, name: '' },
    channelData: { tenant: { id: TEAMS_TENANT } },
  });
  const replies: Partial<Activity>[] = [];
  for (let reply = adapter.getNextReply(); reply; reply = adapter.getNextReply()) replies.push(reply);
  return replies;
}

async function say(text: string): Promise<Card> {
  const card = lastCard(await send({ type: 'message', text }));
  if (!card) throw new Error(`no card in the answer to "${text}"`);
  return card;
}

async function click(card: Card, button: string, typed: Record<string, string> = {}): Promise<Card> {
  const action = findAction(card, button);
  const data = { ...(action.data as Record<string, unknown>), ...(action.associatedInputs === 'none' ? {} : { ...inputValues(card), ...typed }) };
  const replies = await send({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', title: button, verb: action.verb, data } } });
  const answer = replies.filter((r) => r.type === 'invokeResponse').pop()?.value as { body?: { value?: Card } } | undefined;
  if (!answer?.body?.value) throw new Error(`click on "${button}" got no card`);
  return answer.body.value;
}

const submittedId = (card: Card) => /^Request (\S+) submitted — waiting for approval$/.exec(title(card))?.[1] as RequestId;
const actions = async (id: RequestId) => (await store.audit.list(id)).map((e) => e.action);

describe('one intake for every kind of request', () => {
  it('an onboarding submitted in the dialog has exactly one `submitted` audit entry', async () => {
    const customer = await say('onboard');
    const company = await click(customer, 'New customer');
    const billing = await click(company, 'Next', { companyName: 'Intake Toys', domainPrefix: `intaketoys${Date.now()}` });
    const subscription = await click(billing, 'Next', {
      country: 'US',
      region: 'WA',
      city: 'Redmond',
      postalCode: '98052',
      addressLine1: 'One Microsoft Way',
      firstName: 'Dana',
      lastName: 'Lee',
      email: 'dana@intaketoys.example',
      phoneNumber: '+1 425 555 0101',
      culture: 'en-US',
      language: 'en',
    });
    const registration = await click(subscription, 'Next', { ...MCA_ATTESTED });
    const access = await click(registration, 'Use azurestack-payg-east');
    const review = await click(access, 'Next', { accessKind: 'none' });
    const id = submittedId(await click(review, 'Submit'));
    expect(id).toMatch(/^ONB-/);

    const trail = await actions(id);
    expect(trail.filter((a) => a === 'submitted')).toHaveLength(1);
    expect(trail[0]).toBe('submitted');
  });

  it('a re-map and a removal typed as commands have exactly one `submitted` audit entry each', async () => {
    const mapped = sandbox.seedCustomer({ companyName: 'Leaving Intake Co', domain: `leavingintake${Date.now()}.onmicrosoft.com`, azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const unmapped = sandbox.seedCustomer({ companyName: 'Arriving Intake Co', domain: `arrivingintake${Date.now()}.onmicrosoft.com`, azurePlan: 'active' });

    const removal = submittedId(await say(`remove tenant ${mapped.azureSubscriptionId}`));
    const remap = submittedId(await say(`remap ${unmapped.azureSubscriptionId} to ${unmapped.customerTenantId} on azurestack-payg-east`));
    expect(removal).toMatch(/^DEL-/);
    expect(remap).toMatch(/^MAP-/);

    for (const id of [removal, remap]) {
      const trail = await actions(id);
      expect(trail.filter((a) => a === 'submitted')).toHaveLength(1);
      expect(trail[0]).toBe('submitted');
    }
  });
});
