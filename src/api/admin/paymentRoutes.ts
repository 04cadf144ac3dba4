// The operators' money routes: record a bank transfer that arrived, confirm a refund sent by hand, retry a refused refund.
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '../errors.js';
import { IdempotencyKeyHeader, jsonBody, jsonContent, MoneySchema, nonBlank, OrderStatusSchema } from '../schemas.js';

const security = [{ adminBearer: [] }];
const tags = ['admin'];
const OrderIdParam = z.object({ orderId: z.string().uuid() });
const RefundParams = z.object({ orderId: z.string().uuid(), refundId: z.string().uuid() });

const ManualPaymentBody = z
  .object({
    amount: MoneySchema,
    reference: z.string().min(1).max(140).openapi({ description: "The bank's reference for the incoming transfer", example: 'PL-ELIXIR-20261203-0042' }),
  })
  .strict()
  .openapi('ManualPaymentRequest');

const ManualPayment = z
  .object({ paymentId: z.string().uuid(), orderId: z.string().uuid(), amount: MoneySchema, reference: z.string(), recordedAt: z.string() })
  .openapi('ManualPayment');

export const paymentRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/payments',
  tags,
  security,
  description:
    'Records a bank transfer that reached the account. The exact amount fulfils the order; another amount holds it for a decision; a repeat with the same Idempotency-Key records nothing more.',
  request: { params: OrderIdParam, headers: IdempotencyKeyHeader, body: jsonBody(ManualPaymentBody) },
  responses: {
    202: jsonContent(z.object({ payment: ManualPayment, orderStatus: OrderStatusSchema }), 'Recorded and handed to the order'),
    400: errorResponse('Malformed request'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such order'),
    422: errorResponse('Not a bank-transfer order, or the Idempotency-Key was used for another payment'),
  },
});

const ConfirmRefundBody = z
  .object({
    note: nonBlank(500).optional().openapi({ description: 'How the money went back (bank reference, channel)' }),
    operator: nonBlank(100).optional().openapi({ description: 'Who sent it: required for a refused refund settled outside the provider' }),
  })
  .strict()
  .openapi('ConfirmRefundRequest');

const RefundAction = z.object({ refundId: z.string().uuid(), status: z.string(), workflowId: z.string() }).openapi('RefundAction');

export const confirmRefundRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/refunds/{refundId}/confirm',
  tags,
  security,
  description:
    'An operator sent the money back by hand: a bank-transfer refund (pending_manual), or a refund the provider refused (failed) that was settled outside it. The refund is done, the order settles and the customer is told. Settling a refused refund outside the provider needs `operator` and `note` (who, and how the money went back); they are recorded on the order.',
  request: { params: RefundParams, body: jsonBody(ConfirmRefundBody, false) },
  responses: {
    202: jsonContent(RefundAction, 'Handed to the refund'),
    400: errorResponse('Malformed request'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such refund of this order'),
    409: errorResponse('The refund is neither waiting for an operator nor refused by the provider'),
    422: errorResponse('A refused refund settled outside the provider needs `operator` and `note` (code `confirmation_incomplete`)'),
  },
});

export const retryRefundRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/orders/{orderId}/refunds/{refundId}/retry',
  tags,
  security,
  description: 'Asks the provider again for a refund it refused (the order is HELD refund_failed), under a new idempotency key.',
  request: { params: RefundParams },
  responses: {
    202: jsonContent(RefundAction, 'Handed to the refund'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No such refund of this order'),
    409: errorResponse('The refund has not failed'),
  },
});

