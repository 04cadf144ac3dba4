// Runs an entry point (src/worker.ts, src/api/main.ts) as its own process, as a deployment would, and reads its log.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { eventually, type Harness } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
  process: ChildProcess;
  /** Every JSON log line so far (pino), in order. */
  logs: Array<Record<string, unknown>>;
  /** Output that was not a log line (a crash's stack trace), for failure messages. */
  output(): string;
  alive(): boolean;
  /** Waits until a log line with this msg has appeared `times` times; fails at once if the process exits first. */
  waitForLog(msg: string, times?: number, timeoutMs?: number): Promise<void>;
  /** Sends a signal and resolves with the exit code once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A worker process on its own task queue, against the test's PostgreSQL and Temporal; `smtpUrl` may be a faulty one. */
export function startWorkerProcess(h: Harness, taskQueue: string, smtpUrl: string = inject('smtpUrl')): Child {
  return startEntry('src/worker.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    PUBLIC_URL: h.config.publicUrl,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: smtpUrl,
    SANDBOX_WEBHOOK_SECRET: h.config.sandbox!.webhookSecret,
  });
}

export function startEntry(entry: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  let raw = '';
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        raw += `${line}\n`;
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    raw = (raw + chunk.toString()).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    process: child,
    logs,
    output: () => raw,
    alive,
    async waitForLog(msg, times = 1, timeoutMs = 30_000) {
      await eventually(
        async () => {
          if (!alive()) throw new Error(`process exited (${child.exitCode ?? child.signalCode}) waiting for "${msg}":\n${raw}`);
          return logs.filter((l) => l.msg === msg).length;
        },
        (n) => n >= times,
        `log "${msg}" x${times}`,
        timeoutMs,
      );
    },
    async stop(signal = 'SIGTERM') {
      if (alive()) child.kill(signal);
      return exited;
    },
  };
}
