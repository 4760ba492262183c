// Conversation references for proactive sends are read from the store once and reused briefly: a
// busy bot read the same reference for every card render and update. A missing one is looked up
// every time, so a reference saved a moment later (an install) is found at once.
import { createAdapter } from '../../src/bot/adapter';
import { createProactive } from '../../src/bot/proactive';
import type { ConversationReferenceStore } from '../../src/store/types';
import { captureLogs } from '../support/logCapture';

function countingStore() {
  const saved = new Map<string, Record<string, unknown>>();
  const calls = { get: 0, list: 0 };
  const conversations: ConversationReferenceStore = {
    save: async (id, reference) => void saved.set(id, reference),
    get: async (id) => {
      calls.get++;
      return saved.get(id);
    },
    list: async () => {
      calls.list++;
      return [...saved].map(([conversationId, reference]) => ({ conversationId, reference }));
    },
    delete: async (id) => void saved.delete(id),
  };
  return { conversations, calls };
}

const CHANNEL = '19:approvals@thread.tacv2';
const reference = { channelId: 'msteams', serviceUrl: 'https://smba.example/', conversation: { id: CHANNEL, conversationType: 'channel' }, bot: { id: '28:bot' } };

describe('proactive conversation references', () => {
  const adapter = createAdapter({ MicrosoftAppType: 'MultiTenant' });

  it('reads a found reference once within the cache time and again after it', async () => {
    const { conversations, calls } = countingStore();
    await conversations.save(CHANNEL, reference);
    const proactive = createProactive({ adapter, appId: '', conversations, logger: captureLogs('warn').logger, referenceCacheMs: 200 });
    const first = await proactive.reference(CHANNEL);
    const second = await proactive.reference(CHANNEL);
    expect(second).toEqual(first);
    expect(first?.serviceUrl).toBe('https://smba.example/');
    expect(calls.get).toBe(1);
    // A caller changing its copy does not change what the next caller gets.
    first!.serviceUrl = 'https://changed.example/';
    expect((await proactive.reference(CHANNEL))?.serviceUrl).toBe('https://smba.example/');
    // Only the clock moves on, past the cache time.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(Date.now() + 250);
    await proactive.reference(CHANNEL);
    jest.useRealTimers();
    expect(calls.get).toBe(2);
  });

  it('looks a missing reference up every time, so one saved meanwhile is found at once', async () => {
    const { conversations, calls } = countingStore();
    const proactive = createProactive({ adapter, appId: '', conversations, logger: captureLogs('warn').logger });
    expect(await proactive.reference(CHANNEL)).toBeUndefined();
    await conversations.save(CHANNEL, reference);
    expect((await proactive.reference(CHANNEL))?.conversation?.id).toBe(CHANNEL);
    expect(calls.get).toBe(2);
  });
});
