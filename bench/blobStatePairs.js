// `node bench/blobStatePairs.js` (after `npm run build`): the Blob store's part of an `onboard` turn
// alone. Our store (lib/store, STORE=blob) against Azurite in memory: 16 conversations' dialog state,
// each read and written back (a conditional write, as a turn does), 16 at a time; 1,500 pairs to warm
// up, then five rounds of 2,000, each the process's CPU ms per pair; prints them sorted and the median.
// For comparing two commits on one machine (build each, run each a few times): the turn scenarios of
// bench/blobVsSqlite.js move too much between runs to show a change of a tenth of a millisecond.
// Not part of `npm run bench`.
const path = require('path');
const { startAzurite } = require('./harness/instances');

const root = path.join(__dirname, '..');
const CONVERSATIONS = 16;
const WARM_UP = 1500;
const ROUND = 2000;
const ROUNDS = 5;

async function main() {
  const { openStore } = require(path.join(root, 'lib', 'store'));
  const azurite = await startAzurite();
  const store = await openStore({ STORE: 'blob', AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, AZURE_STORAGE_CONTAINER: `pairs-${Date.now()}`, STORE_PATH: '' });
  try {
    const keys = Array.from({ length: CONVERSATIONS }, (_, i) => `msteams/conversations/19:conv${i}@thread.tacv2/dialogState`);
    const state = { dialogStack: [{ id: 'onboarding', state: { draft: 'x'.repeat(600) } }] };
    await store.state.write(Object.fromEntries(keys.map((key) => [key, { ...state }])));
    const pair = async (key) => {
      const item = (await store.state.read([key]))[key];
      await store.state.write({ [key]: { ...item, turns: (item.turns || 0) + 1 } });
    };
    /** `count` pairs, one conversation per worker, as many workers as conversations. */
    const pairs = async (count) => {
      let started = 0;
      await Promise.all(keys.map(async (key) => {
        while (started < count) {
          started++;
          await pair(key);
        }
      }));
    };
    await pairs(WARM_UP);
    const perPair = [];
    for (let r = 0; r < ROUNDS; r++) {
      const before = process.cpuUsage();
      await pairs(ROUND);
      const used = process.cpuUsage(before);
      perPair.push((used.user + used.system) / 1000 / ROUND);
    }
    perPair.sort((a, b) => a - b);
    console.log(`CPU ms per pair (${ROUNDS} rounds of ${ROUND}, sorted): ${perPair.map((x) => x.toFixed(3)).join(' ')}; median ${perPair[Math.floor(ROUNDS / 2)].toFixed(3)}`);
  } finally {
    await store.close();
    azurite.child.kill('SIGKILL');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
