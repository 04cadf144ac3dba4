// Compiles MJML in a worker thread that ends when idle: MJML holds ~60 MiB, and a kept layout never needs it again.
import { Worker } from 'node:worker_threads';

/** How long the thread waits for another source before it ends (tests shorten it). */
let idleMs = 30_000;

interface Pending {
  resolve: (result: { html: string; errors: string[] }) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
  idle?: NodeJS.Timeout;
}

let thread: Thread | undefined;
let nextId = 0;

type Reply = { id: number; html: string; errors: string[] } | { id: number; failure: string };

function start(): Thread {
  const worker = new Worker(new URL('./mjmlThread.cjs', import.meta.url));
  const started: Thread = { worker, pending: new Map() };
  worker.on('message', (reply: Reply) => {
    const waiting = started.pending.get(reply.id);
    started.pending.delete(reply.id);
    if ('failure' in reply) waiting?.reject(new Error(reply.failure));
    else waiting?.resolve(reply);
    if (started.pending.size === 0) {
      // An idle thread must not keep a stopping process alive; a busy one must, or its caller's answer is lost.
      worker.unref();
      started.idle = setTimeout(() => void end(started), idleMs).unref();
    }
  });
  // A thread that crashed or was ended fails what it still had; the next compile starts a new one.
  const fail = (why: string) => {
    if (thread === started) thread = undefined;
    for (const waiting of started.pending.values()) waiting.reject(new Error(`MJML thread ${why}`));
    started.pending.clear();
  };
  worker.on('error', (err) => fail(`failed: ${err.message}`));
  worker.on('exit', (code) => fail(`exited with code ${code}`));
  return started;
}

async function end(ending: Thread): Promise<void> {
  if (thread === ending) thread = undefined;
  clearTimeout(ending.idle);
  await ending.worker.terminate();
}

/** MJML's HTML for a source, and its validation errors' messages; rejects when MJML throws or the thread dies. */
export function compileMjml(source: string): Promise<{ html: string; errors: string[] }> {
  thread ??= start();
  const current = thread;
  clearTimeout(current.idle);
  current.worker.ref();
  const id = nextId++;
  return new Promise((resolve, reject) => {
    current.pending.set(id, { resolve, reject });
    current.worker.postMessage({ id, source });
  });
}

/** Tests: whether the thread is running now. */
export function mjmlThreadRunning(): boolean {
  return thread !== undefined;
}

/** Tests: ends the thread now (what it still had fails), and sets how long the next one waits before it ends. */
export async function endMjmlThread(nextIdleMs = idleMs): Promise<void> {
  idleMs = nextIdleMs;
  if (thread) await end(thread);
}
