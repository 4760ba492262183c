// One intake for every kind of request, told as stories through the composed app (createApp, driven
// in process): an onboarding submitted in the dialog, a re-map and a removal typed as commands. Each
// is stored once, with exactly one `submitted` entry at the head of its audit trail, and handed to
// the approvals.
import type { RequestId } from '../../src/onboarding/model';
import type { Sandbox } from '../../src/sandbox';
import { openSqliteStore } from '../../src/store/sqliteStore';
import type { BotStore } from '../../src/store/types';
import { startInProcessBot, type InProcessBot } from '../support/botDriver';
import { title, type Card } from '../support/cardQueries';
import { MCA_ATTESTED, US_BILLING, directoryPeople } from '../support/people';
import { Operator } from '../dialogs/teamsTestClient';
import { TEAMS_TENANT, sandboxCloud, sandboxConfig, startTestSandbox } from './support';

let sandbox: Sandbox;
let store: BotStore;
let bot: InProcessBot;
/** Olivia in her 1:1 chat with the bot: typed text and Action.Execute clicks. */
let olivia: Operator;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  store = await openSqliteStore(':memory:');
  const config = sandboxConfig(sandbox, { ALLOWED_TENANT_IDS: TEAMS_TENANT });
  bot = await startInProcessBot(config, { store, cloud: sandboxCloud(config) });
  olivia = new Operator({ bot }, directoryPeople(sandbox).olivia);
});
afterAll(async () => {
  await bot?.app.approvals.idle();
  await bot?.app.close();
  await store?.close();
  await sandbox?.close();
});

const submittedId = (card: Card) => /^Request (\S+) submitted — waiting for approval$/.exec(title(card))?.[1] as RequestId;
const actions = async (id: RequestId) => (await store.audit.list(id)).map((e) => e.action);

describe('one intake for every kind of request', () => {
  it('an onboarding submitted in the dialog has exactly one `submitted` audit entry', async () => {
    const customer = await olivia.sayForCard('onboard');
    const company = await olivia.click(customer, 'New customer');
    const billing = await olivia.click(company, 'Next', { companyName: 'Intake Toys', domainPrefix: `intaketoys${Date.now()}` });
    const subscription = await olivia.click(billing, 'Next', { ...US_BILLING, email: 'dana@intaketoys.example' });
    const registration = await olivia.click(subscription, 'Next', { ...MCA_ATTESTED });
    // No stamp configured here: billing only, straight to the review.
    const review = await olivia.click(registration, 'Use azurestack-payg-east');
    const id = submittedId(await olivia.click(review, 'Submit'));
    expect(id).toMatch(/^ONB-/);

    const trail = await actions(id);
    expect(trail.filter((a) => a === 'submitted')).toHaveLength(1);
    expect(trail[0]).toBe('submitted');
  });

  it('a re-map and a removal typed as commands have exactly one `submitted` audit entry each', async () => {
    const mapped = sandbox.seedCustomer({ companyName: 'Leaving Intake Co', domain: `leavingintake${Date.now()}.onmicrosoft.com`, azurePlan: 'active', mappedOn: [sandbox.registrations.payAsYouUse] });
    const unmapped = sandbox.seedCustomer({ companyName: 'Arriving Intake Co', domain: `arrivingintake${Date.now()}.onmicrosoft.com`, azurePlan: 'active' });

    const removal = submittedId(await olivia.sayForCard(`remove tenant ${mapped.azureSubscriptionId}`));
    const remap = submittedId(await olivia.sayForCard(`remap ${unmapped.azureSubscriptionId} to ${unmapped.customerTenantId} on azurestack-payg-east`));
    expect(removal).toMatch(/^DEL-/);
    expect(remap).toMatch(/^MAP-/);

    for (const id of [removal, remap]) {
      const trail = await actions(id);
      expect(trail.filter((a) => a === 'submitted')).toHaveLength(1);
      expect(trail[0]).toBe('submitted');
    }
  });
});
