// Runs a measured open loop in a worker thread of its own, so the bench's own garbage collection never delays a send or an answer.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runOpenLoop, type OpenLoopResult, type Plan } from './openLoop.js';
import { checkoutSender, webhookSender, type Payable } from './senders.js';

/** What the thread sends: checkouts numbered from `firstIndex`, or the provider's payment for each order in turn. */
export type LoadJob =
  | { kind: 'checkout'; baseUrl: string; packageId: string; tag: string; firstIndex: number }
  | { kind: 'webhook'; url: string; secret: string; orders: Payable[]; tag: string };

type Answer<J extends LoadJob> = J extends { kind: 'checkout' } ? string : { orderId: string; ackedAt: number };

interface ThreadInput {
  /** Marks the bench's load thread: a test runner's own worker threads import this file too. */
  loadThread: true;
  job: LoadJob;
  plan: Plan;
  timeoutMs: number;
}

function senderFor(job: LoadJob): (i: number, signal: AbortSignal) => Promise<unknown> {
  if (job.kind === 'webhook') return webhookSender(job.url, job.secret, job.orders, job.tag);
  const send = checkoutSender(job.baseUrl, job.packageId, job.tag);
  return (i, signal) => send(job.firstIndex + i, signal);
}

/**
 * The bench process holds hundreds of MiB (the Temporal client, every phase's results); one of its collections paused
 * it for up to 36 ms, and every send due or answer arriving meanwhile counted those ms as the system's. A thread has a
 * heap of its own with only this loop's few objects in it, and its clock (`performance.now()`) starts with it, so
 * every figure it returns is relative to its own start: latencies, send delays, and `answeredAt` on its scale.
 */
export function runInLoadThread<J extends LoadJob>(job: J, plan: Plan, timeoutMs: number): Promise<OpenLoopResult<Answer<J>>> {
  const input: ThreadInput = { loadThread: true, job, plan, timeoutMs };
  // The thread loads this file as TypeScript whatever its parent runs under (the bench under tsx, a test under vitest):
  // it registers tsx's loader for itself first, which a worker's `--import tsx` does not do on Node 20.
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const thread = new Worker(boot, { eval: true, workerData: input });
  return new Promise((resolve, reject) => {
    thread.once('message', (result: OpenLoopResult<Answer<J>>) => {
      resolve(result);
      // Its HTTP client keeps idle connections open, which would keep the thread alive.
      void thread.terminate();
    });
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the load thread exited (code ${code}) before it answered`)));
  });
}

if (!isMainThread && parentPort && (workerData as Partial<ThreadInput> | null)?.loadThread === true) {
  const { job, plan, timeoutMs } = workerData as ThreadInput;
  parentPort.postMessage(await runOpenLoop(plan, timeoutMs, senderFor(job)));
}
