// A loopback HTTP proxy in front of Azurite that can lose a response: the request reaches Azurite
// and takes effect, then the connection to the client is cut, as on a flaky network. The Azure SDK
// then retries, which is exactly when a conditional write can be mistaken for a lost race.
import * as http from 'http';
import type { AddressInfo } from 'net';

export interface ResponseLosingProxy {
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  /** Loses the response of the next request that `matches`. */
  loseNextResponse(matches: (method: string, url: string) => boolean): void;
  /** How many responses were lost so far. */
  lost(): number;
  close(): Promise<void>;
}

export async function startResponseLosingProxy(upstreamOrigin: string): Promise<ResponseLosingProxy> {
  const upstream = new URL(upstreamOrigin);
  let armed: ((method: string, url: string) => boolean) | undefined;
  let lostCount = 0;

  const server = http.createServer((req, res) => {
    const lose = armed?.(req.method ?? '', req.url ?? '') ?? false;
    if (lose) armed = undefined;
    const forward = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (lose) {
          answer.resume();
          answer.once('end', () => {
            lostCount++;
            req.socket.destroy();
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.once('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    loseNextResponse: (matches) => {
      armed = matches;
    },
    lost: () => lostCount,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
