// Issue 7: two instances share conversation state with the same guarantees as one. Two bots (each
// with its own in-process turn queue, as two App Service instances) on one SQLite store; the same
// operator clicks two buttons of the same card at the same moment, one on each. The state reads of
// both turns are held until both have read, so both work from the same copy: one save wins, the
// other fails its eTag check, keeps nothing and answers with a plain "try again".
import type { Storage, StoreItems } from 'botbuilder';
import { STATE_CONFLICT_MESSAGE } from '../../src/bot/cspBot';
import { ConcurrentConversationState, isStateConflict } from '../../src/bot/concurrentState';
import type { BotStore } from '../../src/store/types';
import { ALEX, buildBot, Operator, startWorld, texts, title, type Card, type InvokeAnswer } from '../dialogs/teamsTestClient';

type World = Awaited<ReturnType<typeof startWorld>>;

/** The shared store's state, with a gate that holds conversation-state reads until `count` of them arrived. */
function gatedState(state: Storage): { storage: Storage; holdReads(count: number): void } {
  let waiting: Array<() => void> = [];
  let expected = 0;
  return {
    holdReads(count) {
      expected = count;
    },
    storage: {
      read: async (keys: string[]) => {
        if (expected > 0 && keys.some((k) => k.includes('/conversations/'))) {
          await new Promise<void>((release) => {
            waiting.push(release);
            if (waiting.length === expected) {
              expected = 0;
              const all = waiting;
              waiting = [];
              all.forEach((r) => r());
            }
          });
        }
        return state.read(keys);
      },
      write: (changes: StoreItems) => state.write(changes),
      delete: (keys: string[]) => state.delete(keys),
    },
  };
}

let world: World;
let gate: ReturnType<typeof gatedState>;
let onA: Operator;
let onB: Operator;

beforeAll(async () => {
  world = await startWorld();
  gate = gatedState(world.store.state);
  const shared: BotStore = { ...world.store, state: gate.storage };
  // Two bots, one store: each has its own turn queue, so only the eTag check stands between them.
  onA = new Operator(await buildBot({ store: shared, cloud: world.cloud }), ALEX);
  onB = new Operator(await buildBot({ store: shared, cloud: world.cloud }), ALEX);
}, 30_000);
afterAll(async () => world.close());

function isCard(answer: InvokeAnswer | undefined): boolean {
  return answer?.type === 'application/vnd.microsoft.card.adaptive';
}

describe('two instances, one conversation', () => {
  it('two clicks on the same card at once: one applied, the other changes nothing and says try again; the draft is the winner', async () => {
    const customer = await onA.sayForCard('onboard');
    expect(title(customer)).toBe('Onboard a customer: customer');

    gate.holdReads(2);
    const [fromA, fromB] = await Promise.all([
      onA.clickForAnswer(customer, 'New customer'),
      onB.clickForAnswer(customer, 'Search', { searchField: 'CompanyName', customerQuery: 'Fabr' }),
    ]);

    const answers = [fromA, fromB];
    expect(answers.filter(isCard)).toHaveLength(1);
    const lost = answers.find((a) => !isCard(a));
    expect(lost).toEqual({ statusCode: 409, type: 'application/vnd.microsoft.error', value: { code: 'Conflict', message: STATE_CONFLICT_MESSAGE } });
    const won = answers.find(isCard)!.value as Card;
    const winnerWasA = isCard(fromA);
    expect(title(won)).toBe(winnerWasA ? 'Onboard a customer: new customer' : 'Onboard a customer: pick the customer');

    // The stored draft is the winner's, whichever instance is asked.
    expect(title(await onA.sayForCard('onboard'))).toBe(title(won));
    expect(title(await onB.sayForCard('onboard'))).toBe(title(won));

    // The loser's button again, on the card it still shows: the dialog's out-of-date answer, the draft unchanged.
    const loser = winnerWasA ? onB : onA;
    const retried = winnerWasA
      ? await loser.click(customer, 'Search', { searchField: 'CompanyName', customerQuery: 'Fabr' })
      : await loser.click(customer, 'New customer');
    expect(title(retried)).toBe(title(won));
    expect(texts(retried).join('\n')).toContain('That card was out of date, so nothing changed');

    // And the winner's next card carries on normally.
    await onA.say('cancel');
  }, 30_000);

  it('the same race with Action.Submit fallbacks (message turns): the loser is told in a short reply, the draft is the winner', async () => {
    const customer = await onA.sayForCard('onboard');
    gate.holdReads(2);
    const [fromA, fromB] = await Promise.all([
      onA.clickFallback(customer, 'New customer'),
      onB.clickFallback(customer, 'Search', { searchField: 'CompanyName', customerQuery: 'Fabr' }),
    ]);
    const lastTexts = [fromA, fromB].map((replies) => replies[replies.length - 1]?.text);
    expect(lastTexts.filter((t) => t === STATE_CONFLICT_MESSAGE)).toHaveLength(1);
    const winnerWasA = lastTexts[1] === STATE_CONFLICT_MESSAGE;
    const expected = winnerWasA ? 'Onboard a customer: new customer' : 'Onboard a customer: pick the customer';
    expect(title(await onB.sayForCard('onboard'))).toBe(expected);
    await onA.say('cancel');
  }, 30_000);

  it('one instance alone: a whole run of clicks saves every step (each turn saves once, under the eTag it read)', async () => {
    const customer = await onA.sayForCard('onboard');
    const company = await onA.click(customer, 'New customer');
    expect(title(company)).toBe('Onboard a customer: new customer');
    const back = await onA.click(company, 'Back');
    expect(title(back)).toBe('Onboard a customer: customer');
    expect(title(await onB.sayForCard('onboard'))).toBe('Onboard a customer: customer');
    await onB.say('cancel');
  }, 30_000);
});

describe('ConcurrentConversationState', () => {
  const activity = { type: 'message', channelId: 'test', conversation: { id: 'c1' }, from: { id: 'u1' }, recipient: { id: 'b' } };

  it('a second save in the same turn finds the eTag of its own first write; a stale copy fails with the store error', async () => {
    const store = world.store;
    const { TurnContext, TestAdapter } = await import('botbuilder');
    const adapter = new TestAdapter();
    const state = new ConcurrentConversationState(store.state);
    const counter = state.createProperty<number>('counter');
    const first = new TurnContext(adapter, { ...activity } as never);
    const second = new TurnContext(adapter, { ...activity } as never);

    await counter.set(first, 1);
    await state.saveChanges(first);
    await counter.set(first, 2);
    await state.saveChanges(first);

    expect(await counter.get(second)).toBe(2);
    await counter.set(first, 3);
    await state.saveChanges(first);
    await counter.set(second, 30);
    const stale = await state.saveChanges(second).catch((err: unknown) => err);
    expect(isStateConflict(stale)).toBe(true);

    const fresh = new TurnContext(adapter, { ...activity } as never);
    expect(await counter.get(fresh)).toBe(3);
  });

  it('two turns from the same copy that end in the same state both stand (nothing is lost), a different one fails', async () => {
    const { TurnContext, TestAdapter } = await import('botbuilder');
    const adapter = new TestAdapter();
    const state = new ConcurrentConversationState(world.store.state);
    const done = state.createProperty<boolean>('done');
    const turn = () => new TurnContext(adapter, { ...activity, conversation: { id: 'c2' } } as never);
    const setup = turn();
    await done.set(setup, false);
    await state.saveChanges(setup);
    const [one, two, three] = [turn(), turn(), turn()];
    await Promise.all([done.get(one), done.get(two), done.get(three)]);
    await done.set(one, true);
    await done.set(two, true);
    await state.createProperty<number>('other').set(three, 1);
    await state.saveChanges(one);
    await state.saveChanges(two);
    expect(isStateConflict(await state.saveChanges(three).catch((err: unknown) => err))).toBe(true);
    expect(await done.get(turn())).toBe(true);
  });
});
