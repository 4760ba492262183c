// The bot's telemetry as every part sees it: spans, metrics and the trace ids for log lines, behind
// one small interface. Until src/telemetry/sdk.ts installs OpenTelemetry (only when
// APPLICATIONINSIGHTS_CONNECTION_STRING or OTEL_EXPORTER_OTLP_ENDPOINT is set), it is a no-op that
// loads nothing: not even @opentelemetry/api, so a bot without telemetry starts as fast as before.
// Attributes carry ids and names only, never a secret, a token or a user's text.

export type SpanKindName = 'server' | 'client' | 'internal';
export type TelemetryAttributes = Record<string, string | number | boolean | undefined>;

export interface TelemetrySpan {
  /** The span's name, as it will be exported. */
  readonly name: string;
  rename(name: string): void;
  setAttributes(attributes: TelemetryAttributes): void;
  /** Marks the span failed (the error's name and message, never its data). */
  fail(error: unknown): void;
}

export interface SpanOptions {
  kind?: SpanKindName;
  attributes?: TelemetryAttributes;
  /** A W3C traceparent the span continues (a stored run's trace); default: the active span. */
  parent?: string;
}

/** The metrics the bot records (docs/operations.md lists them with their queries). */
export const METRICS = {
  runs: { kind: 'counter', name: 'csp.runs', unit: '{run}', description: 'Runs started, succeeded, failed or paused, by request kind (attribute outcome).' },
  approvalWait: { kind: 'histogram', name: 'csp.approval.wait', unit: 's', description: 'Time from submission to the approval, at the run start.' },
  stepDuration: { kind: 'histogram', name: 'csp.step.duration', unit: 'ms', description: 'One attempt of a run step, by step and outcome.' },
  turnDuration: { kind: 'histogram', name: 'csp.turn.duration', unit: 'ms', description: 'Teams turn latency, by command or card verb.' },
  outboundCalls: { kind: 'counter', name: 'csp.outbound.calls', unit: '{call}', description: 'Calls to Partner Center, Graph and ARM, by service and status.' },
  throttlingRetries: { kind: 'counter', name: 'csp.throttling.retries', unit: '{retry}', description: 'Throttled answers (429, 503 with Retry-After) the bot waited on and retried, by service.' },
} as const;

export type MetricName = keyof typeof METRICS;

export interface Telemetry {
  /** False for the no-op: callers may skip building attributes. */
  readonly enabled: boolean;
  /** Runs `fn` in a new span (the active one while `fn` runs); the span ends when `fn` settles, failed if it throws. */
  inSpan<T>(name: string, options: SpanOptions, fn: (span: TelemetrySpan) => Promise<T>): Promise<T>;
  /** The active span's W3C traceparent, to store and continue later; undefined without one. */
  traceparent(): string | undefined;
  /** `trace_id` and `span_id` of the active span, for a log line. */
  logIds(): { trace_id: string; span_id: string } | undefined;
  /** Adds to a counter or records a histogram value. */
  record(metric: MetricName, value: number, attributes?: TelemetryAttributes): void;
  /** Sends what is buffered (tests, shutdown). */
  flush(): Promise<void>;
}

const IGNORED_SPAN: TelemetrySpan = {
  name: '',
  rename: () => undefined,
  setAttributes: () => undefined,
  fail: () => undefined,
};

export const NO_TELEMETRY: Telemetry = {
  enabled: false,
  inSpan: (_name, _options, fn) => fn(IGNORED_SPAN),
  traceparent: () => undefined,
  logIds: () => undefined,
  record: () => undefined,
  flush: async () => undefined,
};

let current: Telemetry = NO_TELEMETRY;

/** The process's telemetry (the no-op until sdk.ts installs OpenTelemetry). */
export function telemetry(): Telemetry {
  return current;
}

/** Installs (or, with NO_TELEMETRY, removes) the process's telemetry. */
export function setTelemetry(next: Telemetry): void {
  current = next;
}
