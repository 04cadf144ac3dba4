// Structured JSON logs (pino); secrets are redacted by path so a careless field never reaches the log.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, name = 'checkout'): Logger {
  return pino({
    name,
    level,
    redact: { paths: ['*.password', '*.token', '*.secret', '*.authorization', 'req.headers.authorization', 'req.headers["stripe-signature"]'], censor: '[redacted]' },
  });
}
