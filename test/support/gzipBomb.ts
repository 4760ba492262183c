// A small gzip body that inflates to a large activity: what a hostile client could send to make the
// bot allocate memory before it has checked anything. Built from one reused chunk, so making it
// costs the test process almost nothing.
import * as zlib from 'zlib';

export async function gzipBomb(inflatedBytes: number): Promise<Buffer> {
  const gzip = zlib.createGzip({ level: 9 });
  const out: Buffer[] = [];
  gzip.on('data', (c: Buffer) => out.push(c));
  const done = new Promise((resolve) => gzip.once('end', resolve));
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  gzip.write('{"type":"message","channelId":"msteams","text":"');
  for (let written = 0; written < inflatedBytes; written += chunk.length) gzip.write(chunk);
  gzip.end('"}');
  await done;
  return Buffer.concat(out);
}

export const MiB = 1024 * 1024;
