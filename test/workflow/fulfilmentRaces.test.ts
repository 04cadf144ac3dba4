// What the order run does when something happens while it fulfils: a refund that settled the order, a cancel of the run.
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { paymentSignal } from '../../src/workflows/definitions.js';
import { fakes, input, open, paid, useWorkflowEnv, withWorker } from './support.js';

useWorkflowEnv();

describe('while fulfilling', () => {
  it('sends no welcome when the database says a provider refund settled the order in full meanwhile', async () => {
    const f = fakes({
      grantEnrollments: async () => ({ granted: [], skipped: [], refundedInFull: true }),
      transitionOrder: async (i: { to: string }) => ({ changed: i.to !== 'FULFILLED', status: i.to === 'FULFILLED' ? 'REFUNDED' : i.to }),
    });
    const args = input();
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId));
      return handle.result();
    });
    expect(out.status).toBe('REFUNDED');
    expect(f.names().filter((n) => n.startsWith('sendOrderEmail'))).toEqual([]);
  });

  it('finishes a paid order when the run is cancelled during the email step', async () => {
    let release!: () => void;
    const emailStarted = new Promise<void>((started) => {
      release = started;
    });
    const f = fakes({
      sendOrderEmail: async () => {
        release();
        await new Promise((r) => setTimeout(r, 800));
        return { status: 'sent' };
      },
    });
    const args = input();
    const outcome = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId));
      await emailStarted;
      await handle.cancel();
      return handle.result().catch((e: unknown) => e);
    });
    // The run ends cancelled, but only after the order reached its outcome.
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(f.names()).toContain('transitionOrder:FULFILLED');
  });
});
