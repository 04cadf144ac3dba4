// The workflow bundle's entry: every workflow the worker runs.
export { disputeWonWorkflow } from './disputeWon.js';
export { resendEmailWorkflow } from './email.js';
export { orderWorkflow } from './order.js';
export { reconcileWorkflow } from './reconcile.js';
export { refundWorkflow } from './refund.js';
export { retentionWorkflow } from './retention.js';
export { setupLinkWorkflow } from './account.js';
