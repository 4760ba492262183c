// `npm start` as a user runs it: the simulated cloud, the bot and the Agents Playground come up,
// the printed URL serves a local Teams client in which `help` gets the help card, and Ctrl-C
// (SIGINT) stops all three processes.
import { adaptiveCardOf, PLAYGROUND_CONVERSATIONS, PlaygroundClient } from '../support/playground';
import { isAlive, startNpmStart, type NpmStart } from '../support/npmStart';

describe('npm start', () => {
  let start: NpmStart | undefined;

  afterAll(async () => {
    await start?.stop();
  });

  it('runs the bot and a local Teams client, prints the URL, and stops everything on Ctrl-C', async () => {
    start = await startNpmStart();
    const output = start.output;
    const url = start.url;
    expect(output()).toContain('simulated cloud — nothing real is touched');
    expect(output()).toContain('ALLOW_SELF_APPROVAL=true');
    // The bot got the simulated partner admin's delegated token, so a new Azure plan finishes without pausing.
    expect(output()).toContain("Partner Center: the bot holds the simulated partner admin's delegated token and confirms customer agreements itself (START_AGREEMENT_PAUSE=1 rehearses the pause).");
    const pids = /pids: sandbox=(\d+) bot=(\d+) playground=(\d+)/.exec(output())!.slice(1).map(Number);
    expect(pids.every(isAlive)).toBe(true);

    const client = new PlaygroundClient(url);
    await client.connect();
    try {
      const sent = await client.sendText(PLAYGROUND_CONVERSATIONS.personalChat, 'help');
      const reply = await client.waitForMessage((m) => adaptiveCardOf(m) !== undefined, { after: sent, timeoutMs: 15_000 });
      expect(JSON.stringify(adaptiveCardOf(reply))).toContain('Here is what I can do');
    } finally {
      await client.close();
    }

    start.child.kill('SIGINT');
    expect(await start.exited).toBe(0);
    expect(output()).toContain('[start] stopped');
    expect(pids.filter(isAlive)).toEqual([]);
  }, 120_000);
});
