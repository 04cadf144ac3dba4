// Delivers what an order paid for in one call: the buyer's account (found or created), then access to its packages.

/** The two steps it runs, handed in by activities/index.ts (activity files do not import each other). */
export interface DeliverySteps {
  findOrCreateUser(input: { orderId: string }): Promise<{ userId: string; created: boolean }>;
  grantEnrollments(input: { orderId: string; userId: string }): Promise<{ granted: string[]; skipped: string[]; refundedInFull: boolean }>;
}

export function deliveryActivities({ findOrCreateUser, grantEnrollments }: DeliverySteps) {
  return {
    /**
     * findOrCreateUser then grantEnrollments, which always ran back to back: one call, one step in the run's history.
     * Idempotent as each of them is: a retry finds the account the first attempt made (and that this order created
     * it, so the welcome email still goes out) and grants nothing twice. Runs from before it call the two separately.
     */
    async deliverOrder(input: { orderId: string }): Promise<{ userId: string; created: boolean; granted: string[]; skipped: string[]; refundedInFull: boolean }> {
      const user = await findOrCreateUser(input);
      return { ...user, ...(await grantEnrollments({ orderId: input.orderId, userId: user.userId })) };
    },
  };
}
