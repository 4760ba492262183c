// One bot process for the restart test (onboardingRestart.test.ts): the real bot on a SQLite file
// and the real cloud clients against the parent's simulated cloud (its env in ONBOARDING_SANDBOX_ENV).
//   start  <db> <cardFile>  onboard → New customer → company; saves the billing card the operator
//                           now sees, prints "at billing", then waits to be killed
//   resume <db> <cardFile>  clicks Next on that card with a billing profile; prints "card: <title>"
import * as fs from 'fs';
import { testConfig } from '../support/testConfig';
import { createCloud } from '../../src/services';
import { openSqliteStore } from '../../src/store/sqliteStore';
import { ALEX, Operator, buildBot, title, type Card } from './teamsTestClient';

const [phase, dbFile, cardFile] = process.argv.slice(2);
const CONVERSATION = { id: 'a:restart-1on1', conversationType: 'personal' as const };

async function main(): Promise<void> {
  const env = JSON.parse(process.env.ONBOARDING_SANDBOX_ENV ?? '{}') as Record<string, string>;
  const cloud = createCloud(testConfig({ ...env, CLOUD: 'sandbox' }));
  const store = await openSqliteStore(dbFile);
  const alex = new Operator(await buildBot({ store, cloud }), ALEX, CONVERSATION);
  if (phase === 'start') {
    const customer = await alex.sayForCard('onboard');
    const company = await alex.click(customer, 'New customer');
    const billing = await alex.click(company, 'Next', { companyName: 'Restart Ltd', domainPrefix: 'restartltd' });
    fs.writeFileSync(cardFile, JSON.stringify(billing));
    process.stdout.write(`at billing: ${title(billing)}\n`);
    setInterval(() => undefined, 60_000);
    return;
  }
  const billing = JSON.parse(fs.readFileSync(cardFile, 'utf8')) as Card;
  const next = await alex.click(billing, 'Next', {
    country: 'DE',
    region: '',
    city: 'Berlin',
    postalCode: '10115',
    addressLine1: 'Invalidenstraße 1',
    firstName: 'Rita',
    lastName: 'Start',
    email: 'rita@restart.example',
    phoneNumber: '',
    culture: 'de-DE',
    language: 'de',
  });
  process.stdout.write(`card: ${title(next)}\n`);
  await store.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
