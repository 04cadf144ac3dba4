// Where each part is reached: what env says, or else the embedded stack's own address on this machine.
import type { Config } from './config.js';

export const EMBEDDED_DATABASE = 'checkout';

export function addresses(config: Config) {
  return {
    databaseUrl: config.databaseUrl ?? `postgres://postgres:postgres@127.0.0.1:${config.stack.pgPort}/${EMBEDDED_DATABASE}`,
    temporalAddress: config.temporal.address ?? `127.0.0.1:${config.stack.temporalPort}`,
    smtpUrl: config.smtpUrl ?? `smtp://127.0.0.1:${config.stack.smtpPort}`,
  };
}
