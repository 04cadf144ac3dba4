// Grants the access an order paid for: each package, or a bundle's children, never the bundle itself.
import { grantOrder } from '../db/enrollments.js';
import type { ActivityDeps } from './deps.js';

export function enrollmentActivities({ sql }: ActivityDeps) {
  return {
    /**
     * Idempotent through UNIQUE (user_id, package_id). A package the user already has is skipped; one whose access
     * was revoked (say, by a refund) is granted again, since this order paid for it. The workflow decides from
     * `refundedInFull`, not from a refund's later signal, whether a welcome still makes sense.
     */
    async grantEnrollments(input: { orderId: string; userId: string }): Promise<{ granted: string[]; skipped: string[]; refundedInFull: boolean }> {
      return grantOrder(sql, input.orderId, input.userId);
    },
  };
}
