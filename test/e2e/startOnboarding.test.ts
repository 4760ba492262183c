// The demo finishes: in the local Teams client of `npm start`, a new customer goes from `onboard` to
// the result card without a pause, because npm start hands the bot the simulated partner admin's
// delegated (App+User) token and the bot confirms the customer agreement itself.
import { PlaygroundClient } from '../support/playground';
import { startNpmStart, type NpmStart } from '../support/npmStart';
import { cardSaying, cardText, consentOnStamp, onboardAndApprove } from './demoOnboarding';

describe('npm start: a new customer from onboard to the result', () => {
  let start: NpmStart | undefined;
  let client: PlaygroundClient | undefined;

  afterAll(async () => {
    await client?.close();
    await start?.stop();
  });

  it('onboard → cards → Submit → Approve → "Onboarded …" with the registration link, no pause', async () => {
    start = await startNpmStart();
    client = new PlaygroundClient(start.url);
    await client.connect();
    const { company, afterApproval } = await onboardAndApprove(client, String(Date.now() % 1e6));
    // The customer's administrator consents on the stamp (the simulated page), as on a real stamp.
    const afterConsent = await consentOnStamp(client, afterApproval);
    const result = await cardSaying(client, `Onboarded ${company}`, afterConsent);
    expect(cardText(result)).toContain('Open the registration link in the Azure portal');
    expect(cardText(result)).toContain('Open the subscription in the Azure Stack Hub portal');
    // No agreement pause on the way.
    expect(client.botMessagesAfter(afterApproval).some((m) => cardText(m).includes('Paused: the Microsoft Customer Agreement needs confirming'))).toBe(false);
  }, 180_000);
});
