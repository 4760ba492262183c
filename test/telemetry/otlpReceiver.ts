// A loopback OTLP/HTTP receiver for one test: keeps every export it is sent (path, content type,
// body, gunzipped if it came compressed) and answers 200, as a collector would (Application
// Insights' ingestion endpoint too: the test points a connection string's IngestionEndpoint here).
import * as http from 'http';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { ensureSandboxCa } from '../../src/sandbox';
import { serverCertificateFor } from '../../src/sandbox/ca';
import { gunzipSync } from 'zlib';

export interface OtlpExport {
  path: string;
  contentType: string;
  body: Buffer;
}

export interface OtlpReceiver {
  /** e.g. http://127.0.0.1:4318 — the value of OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  exports: OtlpExport[];
  close(): Promise<void>;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
}

/**
 * `tls`: HTTPS with a certificate of the simulated cloud's CA, which scripts/jest.js makes every
 * process trust (Application Insights' exporter sends only over HTTPS).
 */
export async function startOtlpReceiver(options: { tls?: boolean } = {}): Promise<OtlpReceiver> {
  const exports: OtlpExport[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      exports.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body });
      res.setHeader('content-type', String(req.headers['content-type'] ?? 'application/json'));
      res.end(String(req.headers['content-type']).includes('json') ? '{}' : '');
    });
  };
  const caDir = path.join(__dirname, '..', '..', '.sandbox');
  const certificate = options.tls ? serverCertificateFor(ensureSandboxCa(caDir), caDir) : undefined;
  const server = certificate ? https.createServer({ cert: certificate.certPem, key: certificate.keyPem }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type JsonValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number };

/** The spans of every OTLP/JSON trace export received. */
export function jsonSpans(receiver: OtlpReceiver): OtlpSpan[] {
  return receiver.exports
    .filter((e) => e.path === '/v1/traces' && e.contentType.includes('json'))
    .flatMap((e) => {
      const body = JSON.parse(e.body.toString()) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Omit<OtlpSpan, 'attributes'> & { attributes?: Array<{ key: string; value: JsonValue }> }> }> }>;
      };
      return body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    })
    .map((span) => ({
      ...span,
      attributes: Object.fromEntries(
        (span.attributes ?? []).map(({ key, value }) => [key, value.stringValue ?? value.boolValue ?? Number(value.intValue ?? value.doubleValue)]),
      ),
    }));
}

/** The names of the metrics in every OTLP/JSON metrics export received. */
export function jsonMetricNames(receiver: OtlpReceiver): string[] {
  return receiver.exports
    .filter((e) => e.path === '/v1/metrics' && e.contentType.includes('json'))
    .flatMap((e) => {
      const body = JSON.parse(e.body.toString()) as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string }> }> }> };
      return body.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name)));
    });
}
