// The bench's deployment on 127.0.0.1, each part its own process: the chaos run's stack plus an SMTP sink and the two baselines.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, waitForPort } from '../src/stack/process.js';
import { cpuMs } from './cpu.js';
import { startChaosStack, waitForPollers, type ChaosStack } from '../scripts/chaos/stack.js';
import { supervise, type Supervised } from '../scripts/chaos/supervisor.js';

export const NOOP_TASK_QUEUE = 'orders-noop';
const INLINE_DATABASE = 'bench_inline';

export interface BenchStack {
  product: ChaosStack;
  inlineUrl: string;
  noopWorker: Supervised;
  inline: Supervised;
  smtpSink: Supervised;
  /** CPU ms so far by part: each process of the deployment, PostgreSQL with its backends, and this load generator. */
  cpu(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/**
 * `workerEnv` tunes the product's worker (and API) by env, e.g. WORKER_MAX_CACHED_WORKFLOWS, so the same bench measures
 * today's code and code with new settings. The chaos stack's own in-process mail counter stays idle: mail goes to
 * the sink process, so the load generator never parses a message.
 */
export async function startBenchStack(dir: string, note: (line: string) => void, workerEnv: Record<string, string>): Promise<BenchStack> {
  const logs = join(dir, 'logs');
  await mkdir(logs, { recursive: true });
  const smtpPort = await freePort();
  const started: Supervised[] = [];
  const stopAll = () => Promise.allSettled(started.map((s) => s.stop()));
  let product: ChaosStack | undefined;
  try {
    const sink = supervise('smtp-sink', 'bench/smtpSink.ts', { SMTP_SINK_PORT: String(smtpPort) }, join(logs, 'smtp-sink.log'), 'smtp sink ready');
    started.push(sink);
    await waitForPort(smtpPort, '127.0.0.1', 60_000);
    // Warnings only: the API's info line per request would cost it CPU at 100 requests/s.
    product = await startChaosStack(dir, 1, note, { LOG_LEVEL: 'warn', SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, ...workerEnv });
    const env = product.env;

    await product.probe.unsafe(`CREATE DATABASE ${INLINE_DATABASE}`);
    const inlineDb = new URL(env.DATABASE_URL!);
    inlineDb.pathname = `/${INLINE_DATABASE}`;
    const inlinePort = await freePort();
    // Each baseline runs with the node flags of the part it is compared with, as its cgroup has that part's weight.
    const inlineEnv = { ...env, DATABASE_URL: inlineDb.toString(), PORT: String(inlinePort), PUBLIC_URL: `http://127.0.0.1:${inlinePort}` };
    const inline = supervise('inline', 'bench/inlineServer.ts', inlineEnv, join(logs, 'inline.log'), 'inline baseline ready', product.commands.api.nodeFlags);
    started.push(inline);
    const noopEnv = { ...env, TEMPORAL_TASK_QUEUE: NOOP_TASK_QUEUE };
    const noopWorker = supervise('noop-worker', 'bench/noopWorker.ts', noopEnv, join(logs, 'noop-worker.log'), 'worker running', product.commands.worker.nodeFlags);
    started.push(noopWorker);
    await waitForPort(inlinePort, '127.0.0.1', 120_000);
    await waitForPollers(product.temporal, 1, NOOP_TASK_QUEUE);
    const stack = product;
    return {
      product: stack,
      inlineUrl: `http://127.0.0.1:${inlinePort}`,
      noopWorker,
      inline,
      smtpSink: sink,
      async cpu() {
        const { temporal, postgres } = await stack.pids();
        const single = { temporal, api: stack.api.pid, worker: stack.workers[0]?.pid, noopWorker: noopWorker.pid, smtpSink: sink.pid, inline: inline.pid };
        const usage = process.cpuUsage();
        return { ...(await cpuMs({ single, trees: { postgres } })), loadGenerator: (usage.user + usage.system) / 1000 };
      },
      async close() {
        await stopAll();
        await stack.close();
      },
    };
  } catch (err) {
    await stopAll();
    await product?.close();
    throw err;
  }
}

/** Resident and peak resident memory of a process, from /proc (Linux). */
export async function processMemoryMiB(pid: number | undefined): Promise<{ rssMiB: number; peakMiB: number } | null> {
  if (pid === undefined) return null;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMiB: Math.round(kib('VmRSS') / 102.4) / 10, peakMiB: Math.round(kib('VmHWM') / 102.4) / 10 };
  } catch {
    return null;
  }
}
