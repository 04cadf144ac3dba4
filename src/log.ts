// Structured JSON logs (pino); secrets are redacted by path so a careless field never reaches the log.
import { trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Logs to stdout; tests hand in a `destination` to read the lines. */
export function createLogger(level: string, name = 'checkout', destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    // A line logged inside a traced request or activity names its trace, so the two lead to each other.
    mixin: activeTraceIds,
    redact: { paths: ['*.password', '*.token', '*.secret', '*.authorization', 'req.headers.authorization', 'req.headers["stripe-signature"]'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

function activeTraceIds(): { traceId: string; spanId: string } | Record<string, never> {
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
}
