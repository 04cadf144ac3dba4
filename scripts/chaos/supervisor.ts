// Runs an entry point (the API, a worker) as its own process and restarts it whenever it exits, as systemd or Kubernetes would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** A supervisor's restart delay (systemd's RestartSec): short, so a killed worker is back within seconds. */
const RESTART_DELAY_MS = 1000;

export interface Supervised {
  readonly name: string;
  /** Exits we did not cause: each one is a crash the run reports. */
  readonly crashes: Array<{ at: number; code: number | null; signal: string | null; lastOutput: string }>;
  readonly starts: number;
  /** The running process's id (the bench reads its memory); undefined between a crash and its restart. */
  readonly pid: number | undefined;
  /** Seconds from each spawn to its ready log line: how long the service was missing after a kill. */
  readonly readySeconds: number[];
  /** SIGKILL now; the supervisor starts it again after its restart delay. */
  kill(): void;
  /** SIGTERM and wait, without a restart (end of the run). */
  stop(): Promise<void>;
}

/** `nodeFlags` go before the script, as compose's command puts them (composeCommand.ts). */
export function supervise(name: string, entry: string, env: Record<string, string>, logFile: string, readyMsg: string, nodeFlags: string[] = []): Supervised {
  const log: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const crashes: Supervised['crashes'] = [];
  const readySeconds: number[] = [];
  let child: ChildProcess | undefined;
  let starts = 0;
  let killedByUs = false;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | undefined;

  const start = () => {
    starts++;
    killedByUs = false;
    const spawnedAt = Date.now();
    let ready = false;
    const next = spawn(process.execPath, [...nodeFlags, ...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    next.stdout.pipe(log, { end: false });
    next.stderr.pipe(log, { end: false });
    // The end of what it said, so a crash is reported with its reason even when the log folder is gone.
    let recent = '';
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      recent = (recent + text).slice(-1500);
      if (!ready && text.includes(`"msg":"${readyMsg}"`)) {
        ready = true;
        readySeconds.push(Math.round((Date.now() - spawnedAt) / 100) / 10);
      }
    };
    next.stdout.on('data', keep);
    next.stderr.on('data', keep);
    next.once('exit', (code, signal) => {
      log.write(`--- ${name} exited (${code ?? signal})${killedByUs ? ' after a chaos kill' : ''}\n`);
      if (stopping) return;
      if (!killedByUs) crashes.push({ at: Date.now(), code, signal, lastOutput: recent });
      restartTimer = setTimeout(start, RESTART_DELAY_MS);
    });
    child = next;
  };
  start();

  return {
    name,
    crashes,
    get starts() {
      return starts;
    },
    get pid() {
      return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    readySeconds,
    kill() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      killedByUs = true;
      child.kill('SIGKILL');
    },
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      const current = child;
      if (current && current.exitCode === null && current.signalCode === null) {
        const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
        current.kill('SIGTERM');
        const force = setTimeout(() => current.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(force);
      }
      await new Promise<void>((resolve) => log.end(() => resolve()));
    },
  };
}
