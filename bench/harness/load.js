// Closed-loop load: `concurrency` workers, each its own conversation (turns of one conversation are
// serialised, as Teams users type), each sending a turn and waiting for its reply at the connector.
const http = require('http');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

/** POSTs an activity; resolves with the HTTP status and body (an invoke's answer is in the body). */
function postJson(url, body) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * @param {{ botUrl: string, connector: ReturnType<import('./connector').createConnector>, connectorUrl: string,
 *           concurrency: number, warmupTurns: number, maxTurns: number, maxSeconds: number,
 *           activity: (ids: { id: string, conversationId: string, serviceUrl: string, conversation: object }) => object,
 *           checkReply?: (body: string, conversation: object) => boolean, finalReply?: (body: string) => boolean,
 *           onMeasureStart?: () => void }} options
 * `conversation` is one object per worker (its conversation), kept across its turns: a scenario may
 * note there what a reply said (e.g. the draft id on a card) to build the next activity. A message's
 * reply is the activity the bot sends to the connector (the first `finalReply` accepts, when a turn
 * sends several); an invoke's is the HTTP response body.
 */
async function runLoad(options) {
  const { botUrl, connector, connectorUrl, concurrency } = options;
  let sent = 0;
  let counter = 0;
  const replyMs = [];
  const postMs = [];
  let errors = 0;
  let measuring = false;
  let measureStart = 0;
  let deadline = Infinity;

  const conversations = new Map();
  const turn = async (worker) => {
    const id = `b${++counter}`;
    const conversationId = `bench-${options.runId}-w${worker}`;
    if (!conversations.has(worker)) conversations.set(worker, {});
    const conversation = conversations.get(worker);
    const activity = options.activity({ id, conversationId, serviceUrl: connectorUrl, conversation });
    const reply = activity.type === 'invoke' ? undefined : connector.replyTo(id, 30_000, options.finalReply);
    const t0 = process.hrtime.bigint();
    const posted = await postJson(botUrl, activity);
    const tPost = process.hrtime.bigint();
    let body = posted.body;
    if (reply) {
      try {
        body = await reply;
      } catch {
        errors++;
        return;
      }
    }
    const tReply = process.hrtime.bigint();
    if (posted.status !== 200 || (options.checkReply && !options.checkReply(body, conversation))) errors++;
    if (measuring) {
      replyMs.push(Number(tReply - t0) / 1e6);
      postMs.push(Number(tPost - t0) / 1e6);
    }
  };

  const worker = async (w, turns) => {
    while (sent < turns && Date.now() < deadline) {
      sent++;
      await turn(w);
    }
  };

  // Warm-up (JIT, connection pools), then the measured run.
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w, options.warmupTurns)));
  sent = 0;
  measuring = true;
  options.onMeasureStart?.();
  measureStart = Date.now();
  deadline = measureStart + options.maxSeconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w, options.maxTurns)));
  const seconds = (Date.now() - measureStart) / 1000;
  replyMs.sort((a, b) => a - b);
  postMs.sort((a, b) => a - b);
  return {
    turns: replyMs.length,
    errors,
    seconds,
    turnsPerSecond: replyMs.length / seconds,
    reply: { p50: percentile(replyMs, 50), p95: percentile(replyMs, 95), p99: percentile(replyMs, 99) },
    post: { p50: percentile(postMs, 50), p95: percentile(postMs, 95), p99: percentile(postMs, 99) },
  };
}

module.exports = { runLoad, percentile };
