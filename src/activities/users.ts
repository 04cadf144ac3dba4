// Finds the buyer's account by email, or creates one with no usable password.
import { DomainError } from '../domain/errors.js';
import type { ActivityDeps } from './deps.js';
import { requireOrder } from './orders.js';

export function userActivities({ sql }: ActivityDeps) {
  return {
    /**
     * `created` is true only for the order that created the user, so a retry after a lost reply still
     * sends the welcome email rather than a confirmation.
     */
    async findOrCreateUser(input: { orderId: string }): Promise<{ userId: string; created: boolean }> {
      const order = await requireOrder(sql, input.orderId);
      await sql`
        INSERT INTO users (email, name, password_hash, role, created_by_order_id)
        VALUES (${order.email}, ${order.customerName}, NULL, 'customer', ${order.orderId})
        ON CONFLICT (email) DO NOTHING`;
      const [user] = await sql<{ id: string; created_by_order_id: string | null; disabled_at: Date | null }[]>`
        SELECT id, created_by_order_id, disabled_at FROM users WHERE email = ${order.email}`;
      // An operator closed this account: nothing is delivered to it, and the order is refunded.
      if (user!.disabled_at) throw new DomainError('account_disabled', `The account ${order.email} is disabled and cannot receive purchases.`, 'conflict');
      await sql`UPDATE orders SET user_id = ${user!.id}, updated_at = now() WHERE id = ${order.orderId} AND user_id IS NULL`;
      return { userId: user!.id, created: user!.created_by_order_id === order.orderId };
    },
  };
}
