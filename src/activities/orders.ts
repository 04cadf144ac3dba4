// Order activities: create the order row from the catalog, and record status transitions.
import { couponQuote, quoteCart } from '../db/catalog.js';
import { releaseRedemption, reserveRedemption } from '../db/coupons.js';
import { lastOrderEmail } from '../db/emails.js';
import { appendOrderEvent, getOrder, insertOrder, recordLatePayment, requireOrder, stalePendingOrders, transitionOrder } from '../db/orders.js';
import { couponRefused } from '../domain/coupons.js';
import type { Money } from '../domain/money.js';
import { withoutCoupon } from '../domain/pricing.js';
import { type EmailKind, type OrderRequest, type OrderSummary, type ProviderName, type Transition } from '../domain/orders.js';
import { customerKey } from '../auth/customerKeys.js';
import { activityCallKey, countTransition, type ActivityDeps } from './deps.js';

const ORDER_NUMBER_ATTEMPTS = 8;

export function orderActivities({ sql, metrics, customerKeySecret }: ActivityDeps) {
  return {
    /**
     * Idempotent on orderId: a retry returns the order the first attempt created. A coupon's use is reserved in the
     * same transaction, with the coupon locked, so concurrent orders never hold more uses than it has.
     */
    async createOrder(input: OrderRequest): Promise<OrderSummary> {
      const existing = await getOrder(sql, input.orderId);
      if (existing) return summary(existing);
      const { quote, orderNumber } = await sql.begin(async (tx) => {
        // The API priced this cart for the request (runs from before it did price it here); the coupon's uses may have
        // run out since, so it is applied again, with the coupon locked until the use is reserved.
        const quote = input.quote
          ? await couponQuote(tx, withoutCoupon(input.quote), input, { lockCoupon: true })
          : await quoteCart(tx, input, { owner: input.ownerLoggedIn ? input.email : undefined, lockCoupon: true });
        if (quote.coupon && !quote.coupon.applied) throw couponRefused(quote.coupon.reason!, quote.coupon.code);
        const orderNumber = await insertOrder(tx, input, quote, ORDER_NUMBER_ATTEMPTS);
        if (quote.coupon) await reserveRedemption(tx, { couponId: quote.coupon.couponId!, orderId: input.orderId, email: input.email, discount: quote.discount });
        return { quote, orderNumber };
      });
      metrics.ordersCreated.inc({ provider: input.provider });
      // What was inserted, not read back: the same answer a retry reads from the row.
      const items = quote.lines.map(({ originalAmount: _, ...line }) => line).sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
      return { orderId: input.orderId, orderNumber, status: 'PENDING', total: quote.total, items, couponCode: quote.coupon?.code ?? null };
    },

    /** Compensation for createOrder's reservation: an order closed unpaid gives its coupon use back. Idempotent. */
    async releaseCouponRedemption(input: { orderId: string }): Promise<{ released: boolean }> {
      return { released: await releaseRedemption(sql, input.orderId) };
    },

    async transitionOrder(input: { orderId: string } & Transition): Promise<{ changed: boolean; status: OrderSummary['status'] }> {
      const { orderId, ...t } = input;
      const result = await transitionOrder(sql, orderId, t);
      countTransition(metrics, result);
      return { changed: result.changed, status: result.status };
    },

    /** Where a resumed run starts: the order as the database knows it, and the buyer as its search attribute shows them. */
    async loadOrderState(input: { orderId: string }): Promise<{
      state: { status: OrderSummary['status']; orderNumber: string; total: Money; heldReason?: string };
      paymentId: string | null;
      provider: ProviderName;
      customerEmail: string;
      couponCode?: string | null;
    }> {
      const order = await requireOrder(sql, input.orderId);
      return {
        couponCode: order.couponCode,
        state: { status: order.status, orderNumber: order.orderNumber, total: order.total, ...(order.status === 'HELD' && order.heldReason ? { heldReason: order.heldReason } : {}) },
        paymentId: order.paymentId,
        provider: order.provider,
        // The customer key, not the address: what the search attribute holds (field name kept: it is in recorded histories).
        customerEmail: customerKey(customerKeySecret, order.email),
      };
    },

    /** A timeline entry for operators that leaves the status as it is; recorded once per `key`, by default per activity call. */
    async recordOrderEvent(input: { orderId: string; cause: string; details?: Record<string, unknown>; key?: string }): Promise<void> {
      await appendOrderEvent(sql, input.orderId, input.cause, input.details, input.key ?? activityCallKey());
    },

    /** Money that reached a closed order: recorded on it (so it can be refunded) without reopening it. */
    async recordLatePayment(input: { orderId: string; eventId: string; paymentId?: string; amount: Money }): Promise<void> {
      await recordLatePayment(sql, input.orderId, input);
    },

    /** PENDING orders old enough that their buyer has either paid or given up: reconciliation asks the provider. */
    async findStalePendingOrders(input: { olderThanMs: number; checkoutTtlMs: number; limit: number; orderIds?: string[] }): Promise<{ orderId: string; provider: ProviderName; pastTtl: boolean }[]> {
      return stalePendingOrders(sql, input);
    },

    /** The newest email of an order, for an operator's resend. */
    async lastOrderEmail(input: { orderId: string }): Promise<{ kind: EmailKind; ref: string } | null> {
      return lastOrderEmail(sql, input.orderId);
    },
  };
}

function summary(o: { orderId: string; orderNumber: string; status: OrderSummary['status']; total: OrderSummary['total']; items: OrderSummary['items']; couponCode: string | null }): OrderSummary {
  return { orderId: o.orderId, orderNumber: o.orderNumber, status: o.status, total: o.total, items: o.items, couponCode: o.couponCode };
}
