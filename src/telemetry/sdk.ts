// Installs OpenTelemetry, loaded only when telemetry is configured (src/index.ts imports this file
// dynamically): Application Insights through @azure/monitor-opentelemetry with
// APPLICATIONINSIGHTS_CONNECTION_STRING, the OTLP exporters with OTEL_EXPORTER_OTLP_ENDPOINT (in the
// protocol OTEL_EXPORTER_OTLP_PROTOCOL names), both when both are set. No automatic
// instrumentation: the bot makes its own spans (turns, runs, steps, outbound calls), so nothing is
// recorded that was not chosen, and no request body or header value leaves the process.
import type * as Api from '@opentelemetry/api';
import type { metrics as SdkMetrics, tracing as SdkTracing } from '@opentelemetry/sdk-node';
import type { Config } from '../config';
import { METRICS, setTelemetry, NO_TELEMETRY, type MetricName, type Telemetry, type TelemetryAttributes, type TelemetrySpan } from './telemetry';

export type TelemetryConfig = Pick<Config, 'APPLICATIONINSIGHTS_CONNECTION_STRING' | 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_PROTOCOL'>;

export interface TelemetryOptions {
  /** How often metrics are exported (default 60 s). */
  metricIntervalMs?: number;
}

export interface TelemetryHandle {
  readonly telemetry: Telemetry;
  /** Exports what is buffered and uninstalls; the process's telemetry is the no-op again. */
  shutdown(): Promise<void>;
}

export const SERVICE_NAME = 'csp-onboarding-bot';
const DEFAULT_METRIC_INTERVAL_MS = 60_000;

/** True when a variable asks for telemetry. Without, src/index.ts never loads this file's imports. */
export function telemetryConfigured(config: TelemetryConfig): boolean {
  return Boolean(config.APPLICATIONINSIGHTS_CONNECTION_STRING || config.OTEL_EXPORTER_OTLP_ENDPOINT);
}

export async function startTelemetry(config: TelemetryConfig, options: TelemetryOptions = {}): Promise<TelemetryHandle> {
  const api = await import('@opentelemetry/api');
  const metricIntervalMs = options.metricIntervalMs ?? DEFAULT_METRIC_INTERVAL_MS;
  const otlp = config.OTEL_EXPORTER_OTLP_ENDPOINT ? await otlpPipeline(config.OTEL_EXPORTER_OTLP_ENDPOINT, config.OTEL_EXPORTER_OTLP_PROTOCOL, metricIntervalMs) : undefined;
  let stop: () => Promise<void>;
  if (config.APPLICATIONINSIGHTS_CONNECTION_STRING) {
    const monitor = await import('@azure/monitor-opentelemetry');
    monitor.useAzureMonitor({
      azureMonitorExporterOptions: { connectionString: config.APPLICATIONINSIGHTS_CONNECTION_STRING },
      // Every trace: a CSP's bot sees a few hundred turns a day, and a sampled-out Approve click
      // would lose an onboarding's whole trace (docs/reference/deployment-and-telemetry.md §DT-4).
      samplingRatio: 1,
      tracesPerSecond: 0,
      instrumentationOptions: {
        azureSdk: { enabled: false },
        http: { enabled: false },
        mongoDb: { enabled: false },
        mySql: { enabled: false },
        postgreSql: { enabled: false },
        redis: { enabled: false },
        redis4: { enabled: false },
        bunyan: { enabled: false },
        winston: { enabled: false },
      },
      // The distro is typed against its own copy of the SDK packages.
      spanProcessors: otlp ? [otlp.spanProcessor as never] : [],
      metricReaders: otlp ? [otlp.metricReader as never] : [],
    });
    stop = () => monitor.shutdownAzureMonitor();
  } else {
    const sdk = await import('@opentelemetry/sdk-node');
    const node = new sdk.NodeSDK({
      resource: sdk.resources.resourceFromAttributes({ 'service.name': SERVICE_NAME }),
      autoDetectResources: false,
      instrumentations: [],
      spanProcessors: otlp ? [otlp.spanProcessor] : [],
      metricReaders: otlp ? [otlp.metricReader] : [],
      logRecordProcessors: [],
    });
    node.start();
    stop = () => node.shutdown();
  }
  const flush = async () => {
    const provider = delegateOf(api.trace.getTracerProvider()) as { forceFlush?: () => Promise<void> };
    await provider.forceFlush?.();
    await otlp?.spanProcessor.forceFlush();
    await otlp?.metricReader.forceFlush();
  };
  const telemetry = otelTelemetry(api, flush);
  setTelemetry(telemetry);
  return {
    telemetry,
    async shutdown() {
      await flush().catch(() => undefined);
      setTelemetry(NO_TELEMETRY);
      await stop();
      api.trace.disable();
      api.metrics.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}

/** The OTLP/HTTP exporters for traces and metrics, JSON or protobuf. */
async function otlpPipeline(
  endpoint: string,
  protocol: Config['OTEL_EXPORTER_OTLP_PROTOCOL'],
  metricIntervalMs: number,
): Promise<{ spanProcessor: SdkTracing.SpanProcessor; metricReader: SdkMetrics.MetricReader }> {
  const { tracing, metrics } = await import('@opentelemetry/sdk-node');
  const base = endpoint.replace(/\/+$/, '');
  // The spec's rule for OTEL_EXPORTER_OTLP_ENDPOINT: each signal at <endpoint>/v1/<signal>.
  const traces = { url: `${base}/v1/traces` };
  const metricsAt = { url: `${base}/v1/metrics` };
  // The exporters are typed against their own copy of the SDK packages; the objects are the same shape.
  let spanExporter: SdkTracing.SpanExporter;
  let metricExporter: SdkMetrics.PushMetricExporter;
  if (protocol === 'http/json') {
    spanExporter = new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(traces) as unknown as SdkTracing.SpanExporter;
    metricExporter = new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter(metricsAt) as unknown as SdkMetrics.PushMetricExporter;
  } else {
    spanExporter = new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(traces) as unknown as SdkTracing.SpanExporter;
    metricExporter = new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter(metricsAt) as unknown as SdkMetrics.PushMetricExporter;
  }
  return {
    spanProcessor: new tracing.BatchSpanProcessor(spanExporter),
    metricReader: new metrics.PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: metricIntervalMs }),
  };
}

function delegateOf(provider: Api.TracerProvider): unknown {
  const proxy = provider as { getDelegate?: () => Api.TracerProvider };
  return proxy.getDelegate ? proxy.getDelegate() : provider;
}

const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The Telemetry interface on OpenTelemetry's API (the SDK is registered behind it). */
export function otelTelemetry(api: typeof Api, flush: () => Promise<void>): Telemetry {
  const tracer = api.trace.getTracer(SERVICE_NAME);
  const meter = api.metrics.getMeter(SERVICE_NAME);
  const instruments = new Map<MetricName, { add?: (v: number, a?: Api.Attributes) => void; record?: (v: number, a?: Api.Attributes) => void }>();
  for (const [key, metric] of Object.entries(METRICS) as Array<[MetricName, (typeof METRICS)[MetricName]]>) {
    const settings = { unit: metric.unit, description: metric.description };
    instruments.set(key, metric.kind === 'counter' ? meter.createCounter(metric.name, settings) : meter.createHistogram(metric.name, settings));
  }
  const kinds = { server: api.SpanKind.SERVER, client: api.SpanKind.CLIENT, internal: api.SpanKind.INTERNAL };

  const parentContext = (traceparent: string | undefined): Api.Context => {
    const m = traceparent ? TRACEPARENT_RE.exec(traceparent) : null;
    if (!m) return api.context.active();
    return api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true });
  };

  return {
    enabled: true,
    inSpan(name, options, fn) {
      const attributes = defined(options.attributes);
      return tracer.startActiveSpan(name, { kind: kinds[options.kind ?? 'internal'], attributes }, parentContext(options.parent), async (span) => {
        let spanName = name;
        const handle: TelemetrySpan = {
          get name() {
            return spanName;
          },
          rename(next) {
            spanName = next;
            span.updateName(next);
          },
          setAttributes: (more) => span.setAttributes(defined(more)),
          fail: (error) => span.setStatus({ code: api.SpanStatusCode.ERROR, message: errorCode(error) }),
        };
        try {
          return await fn(handle);
        } catch (error) {
          handle.fail(error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
    traceparent() {
      const context = api.trace.getActiveSpan()?.spanContext();
      if (!context || !api.isSpanContextValid(context)) return undefined;
      return `00-${context.traceId}-${context.spanId}-${context.traceFlags.toString(16).padStart(2, '0')}`;
    },
    logIds() {
      const context = api.trace.getActiveSpan()?.spanContext();
      if (!context || !api.isSpanContextValid(context)) return undefined;
      return { trace_id: context.traceId, span_id: context.spanId };
    },
    record(metric, value, attributes) {
      const instrument = instruments.get(metric);
      const cleaned = defined(attributes);
      if (instrument?.add) instrument.add(value, cleaned);
      else instrument?.record?.(value, cleaned);
    },
    flush,
  };
}

function defined(attributes: TelemetryAttributes | undefined): Api.Attributes {
  return Object.fromEntries(Object.entries(attributes ?? {}).filter(([, v]) => v !== undefined)) as Api.Attributes;
}

/** A failure in a span's status: the error's code or name only (a message can quote request data). */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /^[\w.-]{1,64}$/.test(code)) return code;
  return error instanceof Error ? error.name : 'Error';
}
