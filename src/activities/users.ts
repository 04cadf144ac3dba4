// Finds the buyer's account by email, or creates one with no usable password.
import { linkOrderUser, requireOrder } from '../db/orders.js';
import { findOrCreateCustomer } from '../db/users.js';
import { DomainError } from '../domain/errors.js';
import type { ActivityDeps } from './deps.js';

export function userActivities({ sql }: ActivityDeps) {
  return {
    /**
     * `created` is true only for the order that created the user, so a retry after a lost reply still
     * sends the welcome email rather than a confirmation.
     */
    async findOrCreateUser(input: { orderId: string }): Promise<{ userId: string; created: boolean }> {
      const order = await requireOrder(sql, input.orderId);
      const user = await findOrCreateCustomer(sql, { email: order.email, name: order.customerName, orderId: order.orderId });
      // An operator closed this account: nothing is delivered to it, and the order is refunded.
      if (user.disabled) throw new DomainError('account_disabled', `The account ${order.email} is disabled and cannot receive purchases.`, 'conflict');
      await linkOrderUser(sql, order.orderId, user.userId);
      return { userId: user.userId, created: user.createdByOrderId === order.orderId };
    },
  };
}
