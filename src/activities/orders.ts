// Order activities: create the order row from the catalog, and record status transitions.
import { randomInt } from 'node:crypto';
import { loadCatalogFor, ownedPackageIds } from '../db/catalog.js';
import { getOrder, transitionOrder, type Transition } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import { formatOrderNumber, type OrderRequest, type OrderSummary } from '../domain/orders.js';
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

    async transitionOrder(input: { orderId: string } & Transition): Promise<{ changed: boolean }> {
      const { orderId, ...t } = input;
      return transitionOrder(sql, orderId, t);
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
