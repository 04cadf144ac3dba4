// Workflow stack traces are opt-in: by default a worker installs no promise hook, and the stack-trace query says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { checkout, packageId, startHarness, uniqueEmail, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

describe('workflow stack traces', () => {
  it('are off unless WORKER_WORKFLOW_STACK_TRACES asks for them: the query behind the UI tab fails, the run goes on', async () => {
    // The patched SDK reads the variable when its workflow threads start, from this process's env (scripts/patchDependencies.js).
    expect(process.env.WORKER_WORKFLOW_STACK_TRACES).toBeUndefined();
    const res = await checkout(h, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email: uniqueEmail('stacks') });
    expect(res.status).toBe(201);
    const handle = h.temporal.workflow.getHandle(orderWorkflowId((res.body as { orderId: string }).orderId));
    // With the hook, the query answers the run's stacks (a string). Without, the workflow throws "Workflow stack traces
    // are not enabled on this worker"; the worker sends it as a failed query (INVALID_ARGUMENT), whose message our
    // failure converter encrypts, and the client names every such failure QueryNotRegisteredError.
    const answer = await handle.query('__stack_trace').then((stacks: unknown) => ({ stacks }), (err: Error) => ({ err: err.name }));
    expect(answer).toEqual({ err: 'QueryNotRegisteredError' });
    // The run itself is unaffected: it answers its own queries and waits for payment.
    expect(await handle.query('status')).toMatchObject({ status: 'PENDING' });
  });
});
