// Workflow interceptors: OpenTelemetry spans for a run whose starter sent a trace, nothing at all for the others.
import { defaultPayloadConverter, type Headers, type WorkflowInterceptors } from '@temporalio/workflow';
import type * as Otel from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';

/** Where the client interceptor puts the caller's trace context (@temporalio/interceptors-opentelemetry, TRACE_HEADER). */
const TRACE_HEADER = '_tracer-data';

/**
 * A W3C traceparent in the start's headers: the starter (the API, with tracing on) had a span to continue. A client
 * without a tracer provider sends the header with an empty carrier, and schedules send none.
 */
function continuesTrace(headers: Headers): boolean {
  const payload = headers[TRACE_HEADER];
  if (!payload) return false;
  const carrier = defaultPayloadConverter.fromPayload<Record<string, unknown> | null>(payload);
  return typeof carrier?.traceparent === 'string';
}

/**
 * The OpenTelemetry workflow interceptors cost a run about a quarter of its worker CPU even when nothing exports the
 * spans (docs/decisions.md, "Workflow spans only for traced runs"), so a run takes them on only when its start carries
 * a trace. The module is required then, not imported: each run evaluates its own copy of the modules it loads, and an
 * untraced run loads none of OpenTelemetry. Spans and the headers they add are no commands, so whether a run is traced
 * never changes what it replays. Runs decide at their start: a signal or query before it (none in our workflows) is
 * simply not traced.
 */
export function interceptors(): WorkflowInterceptors {
  let otel: { inbound: Otel.OpenTelemetryInboundInterceptor; outbound: Otel.OpenTelemetryOutboundInterceptor; internals: Otel.OpenTelemetryInternalsInterceptor } | undefined;
  return {
    inbound: [
      {
        execute(input, next) {
          if (!continuesTrace(input.headers)) return next(input);
          // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only by a traced run (see above)
          const m = require('@temporalio/interceptors-opentelemetry/lib/workflow/index.js') as typeof Otel;
          otel = { inbound: new m.OpenTelemetryInboundInterceptor(), outbound: new m.OpenTelemetryOutboundInterceptor(), internals: new m.OpenTelemetryInternalsInterceptor() };
          return otel.inbound.execute(input, next);
        },
        handleSignal: (input, next) => (otel ? otel.inbound.handleSignal(input, next) : next(input)),
        handleUpdate: (input, next) => (otel ? otel.inbound.handleUpdate(input, next) : next(input)),
        validateUpdate: (input, next) => (otel ? otel.inbound.validateUpdate(input, next) : next(input)),
        handleQuery: (input, next) => (otel ? otel.inbound.handleQuery(input, next) : next(input)),
      },
    ],
    outbound: [
      {
        scheduleActivity: (input, next) => (otel ? otel.outbound.scheduleActivity(input, next) : next(input)),
        scheduleLocalActivity: (input, next) => (otel ? otel.outbound.scheduleLocalActivity(input, next) : next(input)),
        startChildWorkflowExecution: (input, next) => (otel ? otel.outbound.startChildWorkflowExecution(input, next) : next(input)),
        continueAsNew: (input, next) => (otel ? otel.outbound.continueAsNew(input, next) : next(input)),
        signalWorkflow: (input, next) => (otel ? otel.outbound.signalWorkflow(input, next) : next(input)),
        getLogAttributes: (input, next) => (otel ? otel.outbound.getLogAttributes(input, next) : next(input)),
        getMetricTags: (input, next) => (otel ? otel.outbound.getMetricTags(input, next) : next(input)),
      },
    ],
    internals: [
      {
        dispose(input, next) {
          // OpenTelemetry's is async; the SDK neither awaits nor expects a result.
          if (otel) void otel.internals.dispose(input, next);
          else next(input);
        },
      },
    ],
  };
}
