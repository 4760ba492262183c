// The durable run's telemetry (the core's RunObserver port): a span per worker attempt at a run,
// continuing the trace stored on the request, a span per step, and the run metrics. Attributes are
// ids and names: the request id and kind, the step name, the outcome.
import type { ServiceRequest, StepName } from '../onboarding/model';
import type { RunObserver } from '../onboarding/ports';
import { telemetry } from './telemetry';

export function createRunTelemetry(now: () => number = Date.now): RunObserver {
  return {
    traceContext: () => telemetry().traceparent(),
    inRun: (request, work) =>
      telemetry().inSpan(`run ${request.kind}`, { parent: request.traceContext, attributes: requestAttributes(request) }, () => work()),
    async inStep(request: ServiceRequest, step: StepName, work: () => Promise<string>) {
      const started = now();
      const attributes = { ...requestAttributes(request), 'csp.step': step };
      let outcome = 'error';
      try {
        return await telemetry().inSpan(`step ${step}`, { attributes }, async (span) => {
          outcome = await work();
          span.setAttributes({ 'csp.step.outcome': outcome });
          return outcome;
        });
      } finally {
        telemetry().record('stepDuration', now() - started, { 'csp.step': step, 'csp.step.outcome': outcome });
      }
    },
    runChanged(request, event) {
      telemetry().record('runs', 1, { 'csp.request.kind': request.kind, 'csp.run.outcome': event });
      if (event === 'started' && request.decision) {
        const waitedMs = Date.parse(request.decision.at) - Date.parse(request.createdAt);
        if (waitedMs >= 0) telemetry().record('approvalWait', waitedMs / 1000, { 'csp.request.kind': request.kind });
      }
    },
  };
}

function requestAttributes(request: ServiceRequest) {
  return { 'csp.request.id': request.id, 'csp.request.kind': request.kind };
}
