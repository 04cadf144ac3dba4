// What the order run does when something happens while it fulfils: a refund that settled the order, a cancel of the run.
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { paymentSignal } from '../../src/workflows/definitions.js';
import { fakes, input, open, paid, useWorkflowEnv, withWorker } from './support.js';

useWorkflowEnv();

describe('while fulfilling', () => {
  it('sends no welcome when the database says a provider refund settled the order in full meanwhile', async () => {
    // The provider's refund settles the order while the account is being made; the database-like fakes answer from it.
    const f = fakes({
      findOrCreateUser: async (i: { orderId: string }) => {
        f.db.status.set(i.orderId, 'REFUNDED');
        return { userId: 'user_1', created: true };
      },
    });
    const args = input();
    const out = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId));
      return handle.result();
    });
    expect(out.status).toBe('REFUNDED');
    expect(f.names().filter((n) => n.startsWith('sendOrderEmail'))).toEqual([]);
    expect(f.db.status.get(args.orderId)).toBe('REFUNDED');
  });

  it('finishes a paid order when the run is cancelled during the email step', async () => {
    // The email step runs until the test has asked for the cancel: the request is in the history before the step ends.
    let started!: () => void;
    let finish!: () => void;
    const emailStarted = new Promise<void>((r) => (started = r));
    const cancelAsked = new Promise<void>((r) => (finish = r));
    const f = fakes({
      sendOrderEmail: async () => {
        started();
        await cancelAsked;
        return { status: 'sent' };
      },
    });
    const args = input();
    const outcome = await withWorker(f.activities, async (tq) => {
      const { handle } = await open(tq, args);
      await handle.signal(paymentSignal, paid(args.orderId));
      await emailStarted;
      await handle.cancel();
      finish();
      return handle.result().catch((e: unknown) => e);
    });
    // The run ends cancelled, but only after the order reached its outcome.
    expect(outcome).toBeInstanceOf(WorkflowFailedError);
    expect((outcome as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(f.names()).toContain('transitionOrder:FULFILLED');
  });
});
