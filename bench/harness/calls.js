// The bot's Partner Center and ARM calls as its own sockets saw them: when each was handed to Node's
// https (after the bot's throttle gate) and when its answer arrived, with the status and Retry-After.
// The simulator's arrival times are no measure of "sent before the Retry-After": on a loaded machine
// a call that passed the gate before a 429 reached the bot can arrive at the simulator 100 ms after
// the 429 left it. Used in process (`watchCalls`, bench/bulkOnboarding.js) or preloaded into a bot
// process (`node --require bench/harness/calls.js lib/index.js` with BENCH_CALLS_FILE: one JSON line
// per answered call, written at once so that a process killed with SIGKILL leaves what it saw).
const fs = require('fs');
const https = require('https');

/** Wraps https.request; calls the callback with each Partner Center or ARM call once it is answered (and returns the list). */
function watchCalls(onAnswered = () => undefined) {
  const calls = [];
  const request = https.request;
  https.request = function (...args) {
    const req = request.apply(this, args);
    const call = { sentAt: Date.now(), method: req.method, path: String(req.path).split('?')[0] };
    if (call.path.startsWith('/partnercenter/') || call.path.startsWith('/arm/')) {
      calls.push(call);
      req.once('response', (res) => {
        call.answeredAt = Date.now();
        call.status = res.statusCode;
        call.retryAfterMs = res.headers['retry-after'] === undefined ? undefined : Number(res.headers['retry-after']) * 1000;
        onAnswered(call);
      });
    }
    return req;
  };
  return calls;
}

/** The throttle gate a call waits on in the bot: all of Partner Center; ARM per client (the registrations, each customer's subscription) and kind of call. */
function gateOf(call) {
  if (call.path.startsWith('/partnercenter/')) return 'partnercenter';
  const kind = call.method === 'GET' || call.method === 'HEAD' ? 'read' : call.method === 'DELETE' ? 'delete' : 'write';
  const client = call.path.includes('/providers/Microsoft.AzureStack/') ? 'registrations' : (call.path.match(/^\/arm\/subscriptions\/([^/]+)/i)?.[1] ?? call.path).toLowerCase();
  return `arm:${client}:${kind}`;
}

/** Calls one bot sent after a 429 had reached it and before that 429's Retry-After passed, on the same gate (the gates are per process). */
function earlyCalls(calls) {
  let early = 0;
  const examples = [];
  for (const throttled of calls) {
    if (throttled.status !== 429 || throttled.answeredAt === undefined || throttled.retryAfterMs === undefined) continue;
    const until = throttled.answeredAt + throttled.retryAfterMs;
    for (const later of calls) {
      if (later.sentAt > throttled.answeredAt && later.sentAt < until - 1 && gateOf(later) === gateOf(throttled)) {
        early++;
        if (examples.length < 5) examples.push({ throttled: `${throttled.method} ${throttled.path}`, sent: `${later.method} ${later.path}`, msAfterThe429: later.sentAt - throttled.answeredAt, retryAfterMs: throttled.retryAfterMs });
      }
    }
  }
  return { early, examples };
}

/** The calls a preloaded bot wrote to its BENCH_CALLS_FILE. */
function readCalls(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

// Preloaded into a bot process (--require) with BENCH_CALLS_FILE set.
if (process.env.BENCH_CALLS_FILE && require.main !== module) {
  const fd = fs.openSync(process.env.BENCH_CALLS_FILE, 'a');
  watchCalls((call) => fs.writeSync(fd, `${JSON.stringify(call)}\n`));
}

module.exports = { watchCalls, gateOf, earlyCalls, readCalls };
