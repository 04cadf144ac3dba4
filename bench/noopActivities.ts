// The no-op baseline's activities: every name the real worker registers, answering at once with a plausible result.
import { createActivities, type ActivityDeps } from '../src/activities/index.js';
import type { Money } from '../src/domain/money.js';

/** Every no-op order costs this; the bench's payment signal carries it, so the workflow fulfils rather than holds. */
export const NOOP_TOTAL: Money = { amount: 4900, currency: 'PLN' };

type Answer = (input: Record<string, unknown>) => unknown;

/**
 * What the order workflow's happy path reads from each answer. An activity not listed answers undefined (the
 * bookkeeping ones return nothing); a new activity the workflow reads from needs a line here, or no-op orders stall,
 * which the bench reports as unfinished.
 */
const ANSWERS: Record<string, Answer> = {
  createOrder: (i) => ({ orderId: i.orderId, orderNumber: i.orderNumber ?? 'ORD-20260101-NOOP', status: 'PENDING', total: NOOP_TOTAL, couponCode: null }),
  createPaymentSession: (i) => ({ sessionId: `noop_${String(i.orderId)}`, paymentUrl: `http://127.0.0.1/pay/${String(i.orderId)}` }),
  transitionOrder: (i) => ({ changed: true, status: i.to }),
  findOrCreateUser: (i) => ({ userId: String(i.orderId), created: true }),
  grantEnrollments: () => ({ granted: ['noop-package'], skipped: [], refundedInFull: false }),
  deliverOrder: (i) => ({ userId: String(i.orderId), created: true, granted: ['noop-package'], skipped: [], refundedInFull: false }),
  sendOrderEmail: () => ({ status: 'sent' }),
};

/** The real activity names (read from the real factory, so a renamed or added activity is registered here too). */
export function noopActivities(): Record<string, (input: Record<string, unknown>) => Promise<unknown>> {
  // The factories only build closures over their dependencies; nothing is called, so empty ones do.
  const names = Object.keys(createActivities({} as ActivityDeps));
  return Object.fromEntries(names.map((name) => [name, async (input: Record<string, unknown>) => ANSWERS[name]?.(input ?? {})]));
}
