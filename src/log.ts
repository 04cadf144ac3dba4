// Structured JSON logs (pino); secrets are redacted by path so a careless field never reaches the log.
import { trace } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'checkout'): Logger {
  return pino({
    name,
    level,
    // A line logged inside a traced request or activity names its trace, so the two lead to each other.
    mixin: activeTraceIds,
    redact: { paths: ['*.password', '*.token', '*.secret', '*.authorization', 'req.headers.authorization', 'req.headers["stripe-signature"]'], censor: '[redacted]' },
  });
}

function activeTraceIds(): { traceId: string; spanId: string } | Record<string, never> {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
}
