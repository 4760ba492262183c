// A loopback OTLP/HTTP receiver for one test: keeps every export it is sent (path, content type,
// raw body) and answers 200, as a collector would.
import * as http from 'http';
import type { AddressInfo } from 'net';

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

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const exports: OtlpExport[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      exports.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks) });
      res.setHeader('content-type', String(req.headers['content-type'] ?? 'application/json'));
      res.end(String(req.headers['content-type']).includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
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
