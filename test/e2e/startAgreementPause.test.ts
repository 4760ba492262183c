// The pause path is one flag away and can be finished: `START_AGREEMENT_PAUSE=1 npm start` runs the
// bot without the delegated token, so the run pauses at the customer agreement; the operator
// confirms it on the simulated Partner Center's page linked from the card, clicks Continue, and
// the run finishes.
import { PlaygroundClient } from '../support/playground';
import { findAction, type Card } from '../support/cardQueries';
import { adaptiveCardOf } from '../support/playground';
import { startNpmStart, type NpmStart } from '../support/npmStart';
import { asSeenByMe, cardSaying, cardText, consentOnStamp, onboardAndApprove } from './demoOnboarding';

describe('START_AGREEMENT_PAUSE=1 npm start: the agreement pause, confirmed on the simulated Partner Center', () => {
  let start: NpmStart | undefined;
  let client: PlaygroundClient | undefined;

  afterAll(async () => {
    await client?.close();
    await start?.stop();
  });

  it('pauses with a link to the page; confirming there and clicking Continue finishes the run', async () => {
    start = await startNpmStart({ START_AGREEMENT_PAUSE: '1' });
    expect(start.output()).toContain('START_AGREEMENT_PAUSE');
    client = new PlaygroundClient(start.url);
    await client.connect();
    const { company, afterApproval } = await onboardAndApprove(client, String(Date.now() % 1e6));

    const paused = await cardSaying(client, 'Paused: the Microsoft Customer Agreement needs confirming', afterApproval);
    const card = adaptiveCardOf(paused) as Card;
    const link = String(findAction(card, 'Open the simulated Partner Center').url);
    const customerId = /#\/customers\/([0-9a-f-]{36})\/agreement$/.exec(link)?.[1];
    expect(customerId).toBeDefined();

    // What the page does when the operator saves the form: shown, then confirmed as the partner admin.
    const origin = new URL(link).origin;
    const page = await fetch(link.split('#')[0]);
    expect(await page.text()).toContain("Confirm the customer's acceptance");
    const api = `${origin}/_sandbox/customers/${customerId}/agreement`;
    expect((await fetch(api)).ok).toBe(true);
    const confirmed = await fetch(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ firstName: 'Cora', lastName: 'Signer', email: 'cora@customer.example', dateAgreed: '2026-11-27' }),
    });
    expect(confirmed.status).toBe(201);

    const beforeContinue = client.messages[client.messages.length - 1].seq;
    const action = findAction(await asSeenByMe(client, paused), 'Continue');
    const answer = await client.invoke(paused.conversationId, paused.messageId, { verb: String(action.verb), data: action.data as Record<string, unknown>, title: 'Continue' });
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    const afterConsent = await consentOnStamp(client, beforeContinue);
    const result = await cardSaying(client, `Onboarded ${company}`, afterConsent);
    expect(cardText(result)).toContain('Open the registration link in the Azure portal');
  }, 180_000);
});
