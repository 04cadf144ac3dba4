// Order activities: create the order row from the catalog, and record status transitions.
import { randomInt } from 'node:crypto';
import { loadCatalogFor, ownedPackageIds } from '../db/catalog.js';
import { appendOrderEvent, getOrder, transitionOrder } from '../db/orders.js';
import type { Money } from '../domain/money.js';
import { DomainError } from '../domain/errors.js';
import { formatOrderNumber, type EmailKind, type OrderRequest, type OrderSummary, type ProviderName, type Transition } from '../domain/orders.js';
import { priceCart } from '../domain/pricing.js';
import type { ActivityDeps } from './deps.js';

const ORDER_NUMBER_ATTEMPTS = 8;

export function orderActivities({ sql }: ActivityDeps) {
  return {
    /** Idempotent on orderId: a retry returns the order the first attempt created. */
    async createOrder(input: OrderRequest): Promise<OrderSummary> {
      const existing = await getOrder(sql, input.orderId);
      if (existing) return summary(existing);
      await sql.begin(async (tx) => {
        const quote = priceCart(input.packageIds, await loadCatalogFor(tx, input.packageIds), await ownedPackageIds(tx, input.email));
        let orderNumber: string | undefined;
        for (let attempt = 0; attempt < ORDER_NUMBER_ATTEMPTS && !orderNumber; attempt++) {
          const candidate = formatOrderNumber(new Date(), () => randomInt(1_000_000) / 1_000_000);
          const inserted = await tx`
            INSERT INTO orders (id, order_number, status, email, customer_name, locale, provider, total_amount, currency, request_fingerprint)
            VALUES (${input.orderId}, ${candidate}, 'PENDING', ${input.email.toLowerCase()}, ${input.name}, ${input.locale},
                    ${input.provider}, ${quote.total.amount}, ${quote.total.currency}, ${input.fingerprint})
            ON CONFLICT (order_number) DO NOTHING RETURNING id`;
          if (inserted.length > 0) orderNumber = candidate;
        }
        if (!orderNumber) throw new Error(`no free order number after ${ORDER_NUMBER_ATTEMPTS} attempts`);
        for (const line of quote.lines) {
          await tx`INSERT INTO order_items (order_id, package_id, title, unit_amount, currency)
                   VALUES (${input.orderId}, ${line.packageId}, ${line.title}, ${line.unitAmount}, ${line.currency})`;
        }
        await tx`INSERT INTO order_events (order_id, from_status, to_status, cause) VALUES (${input.orderId}, NULL, 'PENDING', 'checkout')`;
      });
      const created = await getOrder(sql, input.orderId);
      if (!created) throw new Error(`order ${input.orderId} vanished after insert`);
      return summary(created);
    },

    async transitionOrder(input: { orderId: string } & Transition): Promise<{ changed: boolean; status: OrderSummary['status'] }> {
      const { orderId, ...t } = input;
      return transitionOrder(sql, orderId, t);
    },

    /** Where a resumed run starts: the order as the database knows it. */
    async loadOrderState(input: { orderId: string }): Promise<{ state: { status: OrderSummary['status']; orderNumber: string; total: Money; heldReason?: string }; paymentId: string | null; provider: ProviderName }> {
      const order = await requireOrder(sql, input.orderId);
      const [row] = await sql<{ held_reason: string | null }[]>`SELECT held_reason FROM orders WHERE id = ${input.orderId}`;
      return {
        state: { status: order.status, orderNumber: order.orderNumber, total: order.total, ...(order.status === 'HELD' && row?.held_reason ? { heldReason: row.held_reason } : {}) },
        paymentId: order.paymentId,
        provider: order.provider,
      };
    },

    /** A timeline entry for operators that leaves the status as it is. */
    async recordOrderEvent(input: { orderId: string; cause: string; details?: Record<string, unknown> }): Promise<void> {
      await appendOrderEvent(sql, input.orderId, input.cause, input.details);
    },

    /** Money that reached a closed order: recorded on it (so it can be refunded) without reopening it. */
    async recordLatePayment(input: { orderId: string; eventId: string; paymentId?: string; amount: Money }): Promise<void> {
      await sql.begin(async (tx) => {
        const [row] = await tx`
          UPDATE orders SET provider_payment_id = coalesce(provider_payment_id, ${input.paymentId ?? null}),
                 paid_amount = coalesce(paid_amount, ${input.amount.amount}), paid_currency = coalesce(paid_currency, ${input.amount.currency}),
                 paid_at = coalesce(paid_at, now()), updated_at = now()
          WHERE id = ${input.orderId} AND paid_amount IS NULL RETURNING id`;
        if (row) await appendOrderEvent(tx, input.orderId, 'late_payment', { eventId: input.eventId, paymentId: input.paymentId ?? null, amount: input.amount });
      });
    },

    /** PENDING orders old enough that their buyer has either paid or given up: reconciliation asks the provider. */
    async findStalePendingOrders(input: { olderThanMs: number; checkoutTtlMs: number; limit: number }): Promise<{ orderId: string; provider: ProviderName; pastTtl: boolean }[]> {
      const rows = await sql<{ id: string; provider: ProviderName; past_ttl: boolean }[]>`
        SELECT id, provider, created_at < now() - make_interval(secs => ${(input.checkoutTtlMs + input.olderThanMs) / 1000}) AS past_ttl
        FROM orders WHERE status IN ('PENDING', 'PROCESSING') AND provider_session_id IS NOT NULL
          AND created_at < now() - make_interval(secs => ${input.olderThanMs / 1000})
        ORDER BY created_at LIMIT ${input.limit}`;
      return rows.map((r) => ({ orderId: r.id, provider: r.provider, pastTtl: r.past_ttl }));
    },

    /** The newest email of an order, for an operator's resend. */
    async lastOrderEmail(input: { orderId: string }): Promise<{ kind: EmailKind; ref: string } | null> {
      const [row] = await sql<{ kind: EmailKind; ref: string }[]>`SELECT kind, ref FROM sent_emails WHERE order_id = ${input.orderId} ORDER BY id DESC LIMIT 1`;
      return row ?? null;
    },
  };
}

function summary(o: { orderId: string; orderNumber: string; status: OrderSummary['status']; total: OrderSummary['total']; items: OrderSummary['items'] }): OrderSummary {
  return { orderId: o.orderId, orderNumber: o.orderNumber, status: o.status, total: o.total, items: o.items };
}

export async function requireOrder(sql: ActivityDeps['sql'], orderId: string) {
  const order = await getOrder(sql, orderId);
  if (!order) throw new DomainError('order_not_found', `Order ${orderId} does not exist.`, 'not_found');
  return order;
}
