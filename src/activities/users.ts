// Finds the buyer's account by email, or creates one with no usable password.
import { orderCustomer } from '../db/users.js';
import { DomainError } from '../domain/errors.js';
import type { ActivityDeps } from './deps.js';

export function userActivities({ sql }: ActivityDeps) {
  return {
    /**
     * `created` is true only for the order that created the user, so a retry after a lost reply still
     * sends the welcome email rather than a confirmation.
     */
    async findOrCreateUser(input: { orderId: string }): Promise<{ userId: string; created: boolean }> {
      const user = await orderCustomer(sql, input.orderId);
      if (!user) throw new DomainError('order_not_found', `Order ${input.orderId} does not exist.`, 'not_found');
      // An operator closed this account: nothing is delivered to it (it was not linked), and the order is refunded.
      if (user.disabled) throw new DomainError('account_disabled', `The account ${user.email} is disabled and cannot receive purchases.`, 'conflict');
      return { userId: user.userId, created: user.createdByOrderId === input.orderId };
    },
  };
}
