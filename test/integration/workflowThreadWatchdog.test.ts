// A workflow that never yields stops its worker, with the run named: the guard the SDK's per-call timeout gave, kept by one watchdog per workflow thread.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A worker of its own, in a process of its own (it shuts down), on the patched SDK: the threaded workflow VM the product's
 * worker uses, with the isolate execution limit at one second. It prints how its run ended.
 */
const SPIN_WORKER = `
const { NativeConnection, Worker, bundleWorkflowCode } = require('@temporalio/worker');
(async () => {
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./test/fixtures/workflows/spin.ts'), logger: quiet });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({ connection, taskQueue: process.env.TASK_QUEUE, workflowBundle, isolateExecutionTimeout: '1s' });
  const outcome = await worker.run().then(() => 'stopped', (err) => 'failed: ' + (err && err.message));
  console.log(JSON.stringify({ outcome }));
  process.exit(outcome === 'stopped' ? 0 : 1);
})();
`;

describe('the workflow thread watchdog', () => {
  it('names a run stuck in one workflow task and stops the worker, instead of a timer thread per call into the workflow', async () => {
    const address = inject('temporalAddress');
    const taskQueue = `spin-${randomUUID()}`;
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    const handle = await client.workflow.start('spin', { taskQueue, workflowId: taskQueue, workflowExecutionTimeout: '2 minutes' });
    try {
      // Unpatched, the SDK's own one-second timeout fails the workflow task and the worker runs on until killed here.
      // SIGKILL: the SDK traps SIGTERM, and a process whose main thread never yields would never act on it.
      const exit = await run(process.execPath, ['-e', SPIN_WORKER], { cwd: ROOT, env: { ...process.env, TEMPORAL_ADDRESS: address, TASK_QUEUE: taskQueue }, timeout: 60_000, killSignal: 'SIGKILL' }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (err: Error & { code?: number; stdout?: string }) => ({ code: err.code, stdout: err.stdout ?? '' }),
      );
      const ended = exit.stdout.split('\n').find((line) => line.startsWith('{"outcome"'));
      expect(ended, exit.stdout.slice(-2000)).toBeDefined();
      expect(exit.code).toBe(1);
      const { outcome } = JSON.parse(ended!) as { outcome: string };
      expect(outcome).toContain(`Workflow Worker Thread spent over 1000 ms in one request for run ${handle.firstExecutionRunId}: terminated it`);
    } finally {
      await handle.terminate('test over').catch(() => undefined);
      await connection.close();
    }
  }, 90_000);
});
