// The Bot Connector and user-token clients a turn uses are kept across turns (src/bot/adapter.ts):
// botbuilder's CloudAdapter would build both, with their credentials and pipelines, on every turn.
// Real CloudAdapter, auth off (as in local mode); the clients are never called here.
import type { ConnectorClient, UserTokenClient } from 'botframework-connector';
import { createAdapter } from '../../src/bot/adapter';
import { conversationReference, message, personalChat } from '../support/activities';
import { RITA } from '../support/people';

describe('the clients of a turn are kept across turns', () => {
  const adapter = createAdapter({ MicrosoftAppType: 'MultiTenant' });

  async function clientsOfATurn(serviceUrl: string): Promise<{ connector: ConnectorClient; userToken: UserTokenClient }> {
    let seen: { connector: ConnectorClient; userToken: UserTokenClient } | undefined;
    await adapter.processActivityDirect('', message('help', { from: RITA, conversation: personalChat(RITA), serviceUrl }) as never, async (context) => {
      seen = { connector: context.turnState.get(adapter.ConnectorClientKey), userToken: context.turnState.get(adapter.UserTokenClientKey) };
    });
    if (!seen?.connector || !seen.userToken) throw new Error('the turn had no clients');
    return seen;
  }

  it('the same service URL: the same ConnectorClient and UserTokenClient on the next turn', async () => {
    const first = await clientsOfATurn('https://smba.trafficmanager.net/emea/');
    const second = await clientsOfATurn('https://smba.trafficmanager.net/emea/');
    expect(second.connector).toBe(first.connector);
    expect(second.userToken).toBe(first.userToken);
  });

  it('another service URL: its own ConnectorClient, pointed at that URL', async () => {
    const emea = await clientsOfATurn('https://smba.trafficmanager.net/emea/');
    const amer = await clientsOfATurn('https://smba.trafficmanager.net/amer/');
    expect(amer.connector).not.toBe(emea.connector);
    expect((amer.connector as unknown as { baseUri?: string }).baseUri ?? JSON.stringify(amer.connector)).toContain('/amer');
  });

  it('a proactive send reuses its client too', async () => {
    const reference = conversationReference(personalChat(RITA), { serviceUrl: 'https://smba.trafficmanager.net/apac/', user: RITA });
    const seen: ConnectorClient[] = [];
    for (let i = 0; i < 2; i++) {
      await adapter.continueConversationAsync('', reference as never, async (context) => {
        seen.push(context.turnState.get(adapter.ConnectorClientKey));
      });
    }
    expect(seen[0]).toBeDefined();
    expect(seen[1]).toBe(seen[0]);
  });
});
