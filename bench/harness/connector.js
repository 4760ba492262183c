// A loopback Bot Connector: receives the bots' replies (POST /v3/conversations/{id}/activities/{replyToId})
// and resolves whoever waits for the reply to a given activity id. `onActivity(method, url, body)`, when
// given, sees every request the bots send (a bench that checks what was posted, and how often).
const http = require('http');

function createConnector({ onActivity } = {}) {
  const waiting = new Map();
  let received = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received++;
      if (onActivity) onActivity(req.method, req.url || '', Buffer.concat(chunks).toString());
      const m = /\/activities\/([^/?]+)/.exec(req.url || '');
      const replyToId = m ? decodeURIComponent(m[1]) : undefined;
      const waiter = replyToId && waiting.get(replyToId);
      if (waiter) {
        const body = Buffer.concat(chunks).toString();
        if (waiter.accept(body)) {
          waiting.delete(replyToId);
          waiter.resolve(body);
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      // A member list is empty; a posted activity gets an id of its own (the bot updates cards by it).
      res.end(req.method === 'GET' ? '{"members":[]}' : JSON.stringify({ id: `m-${received}` }));
    });
  });
  server.keepAliveTimeout = 60_000;
  return {
    listen: () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}/`))),
    /**
     * Resolves with the reply body to activity `id` (the first one `accept` takes, when a turn sends
     * several messages); rejects after `timeoutMs`.
     */
    replyTo(id, timeoutMs = 30_000, accept = () => true) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`no reply to ${id} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          accept,
          resolve: (body) => {
            clearTimeout(timer);
            resolve(body);
          },
        });
      });
    },
    received: () => received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

module.exports = { createConnector };
