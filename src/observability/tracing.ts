// OpenTelemetry tracing: HTTP request → Temporal client → workflow → each activity, exported over OTLP when configured.
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor } from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { ClientInterceptors } from '@temporalio/client';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { fileURLToPath } from 'node:url';

/** The workflow-side interceptors, bundled into the workflow code; they hand workflow spans to the `exporter` sink. */
export const WORKFLOW_TRACING_MODULE = fileURLToPath(new URL(`../workflows/tracing${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

export interface Tracing {
  /** Where finished spans go: the OTLP exporter, a test's in-memory exporter, or nowhere. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  shutdown(): Promise<void>;
}

/**
 * Starts the process's tracer provider (global, as OpenTelemetry's API is) when `endpoint` or a test's processor is
 * given; without either, spans are not recorded at all and the interceptors cost next to nothing.
 */
export function startTracing(serviceName: string, options: { endpoint?: string; spanProcessor?: SpanProcessor }): Tracing {
  const resource = new Resource({ 'service.name': serviceName });
  const spanProcessor = options.spanProcessor ?? (options.endpoint ? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` })) : undefined);
  if (!spanProcessor) return { spanProcessor: new NoopSpanProcessor(), resource, shutdown: async () => undefined };
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Registers the W3C trace-context propagator and an AsyncLocalStorage context manager with the global API.
  provider.register();
  return { spanProcessor, resource, shutdown: () => provider.shutdown() };
}

/** Client interceptors: starting, signalling and updating a workflow carries the caller's trace in Temporal headers. */
export function tracingClientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/**
 * Worker interceptors (activities continue the workflow's trace) and the sink that exports spans made in workflows.
 * The workflow side (WORKFLOW_TRACING_MODULE) is bundled with the workflows (WORKFLOW_BUNDLE_OPTIONS).
 */
export function tracingWorkerOptions(tracing: Tracing): { interceptors: WorkerInterceptors; sinks: InjectedSinks<never> } {
  return {
    interceptors: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } as InjectedSinks<never>,
  };
}

/** A server span per HTTP request, named by its route pattern, continuing a caller's `traceparent` when one came. */
export function httpTracing(): MiddlewareHandler {
  const tracer = trace.getTracer('durable-checkout/http');
  return async (c, next) => {
    const parent = propagation.extract(context.active(), Object.fromEntries(c.req.raw.headers));
    await tracer.startActiveSpan(`${c.req.method} ${c.req.path}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': c.req.method } }, parent, async (span) => {
      try {
        await next();
      } finally {
        const route = routePath(c);
        span.updateName(`${c.req.method} ${route}`);
        span.setAttributes({ 'http.route': route, 'http.response.status_code': c.res.status });
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
    });
  };
}
