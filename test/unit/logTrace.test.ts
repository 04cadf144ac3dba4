// Log lines written inside a traced request name its trace and span; lines outside any trace name none.
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { createLogger } from '../../src/log.js';
import { startTracing } from '../../src/observability/tracing.js';
import { fakeApiDeps } from '../support/fakeDeps.js';

const spans = new InMemorySpanExporter();
const tracing = startTracing('log-test', { spanProcessor: new SimpleSpanProcessor(spans) });
afterAll(() => tracing.shutdown());

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger('info', 'test', stream) };
}

describe('trace ids in logs', () => {
  it('are on the request log line, and match the request’s server span', async () => {
    const { lines, log } = capture();
    const app = createApp(fakeApiDeps({ log }));
    const res = await app.request('/healthz', { headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
    expect(res.status).toBe(200);
    const request = lines.find((l) => l.msg === 'request')!;
    const span = spans.getFinishedSpans().find((s) => s.name === 'GET /healthz')!;
    // The caller's trace is continued: the span is a child of the traceparent it sent.
    expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(span.parentSpanId).toBe('b7ad6b7169203331');
    expect(request).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
  });

  it('are absent outside a trace', () => {
    const { lines, log } = capture();
    log.info('no trace here');
    trace.getTracer('t').startActiveSpan('inside', (s) => {
      log.info('inside a span');
      s.end();
    });
    expect(lines[0]).not.toHaveProperty('traceId');
    expect(lines[1]).toHaveProperty('traceId');
  });
});
