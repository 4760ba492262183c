// A failure the user can act on: a plain sentence, the next step, and the raw codes for the audit
// trail. Services map every API failure to one of these; the core and the cards only show them.
import type { DomainErrorInfo } from './model';

export class DomainError extends Error implements DomainErrorInfo {
  readonly nextStep: string;
  readonly code?: string;
  readonly statusCode?: number;
  readonly correlationId?: string;
  readonly requestId?: string;
  /** True when trying again later may succeed (429, 5xx, timeouts, not active yet). */
  readonly transient: boolean;
  /** How long the service asked us to wait (Retry-After), when it said; the runner's backoff honours it. */
  readonly retryAfterMs?: number;

  constructor(info: DomainErrorInfo, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(info.message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.name = 'DomainError';
    this.nextStep = info.nextStep;
    this.code = info.code;
    this.statusCode = info.statusCode;
    this.correlationId = info.correlationId;
    this.requestId = info.requestId;
    this.transient = info.transient;
  }

  toInfo(): DomainErrorInfo {
    return {
      message: this.message,
      nextStep: this.nextStep,
      code: this.code,
      statusCode: this.statusCode,
      correlationId: this.correlationId,
      requestId: this.requestId,
      transient: this.transient,
    };
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
