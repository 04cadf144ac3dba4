// The operators' customer routes: find a customer's workflows by their key, and erase a customer on request (GDPR).
import { createRoute, z } from '@hono/zod-openapi';
import { errorResponse } from '../errors.js';
import { EmailSchema, jsonBody, jsonContent } from '../schemas.js';

const security = [{ adminBearer: [] }];
const tags = ['admin'];
/** The same email rule the API enforces everywhere (its pattern is in the document). */
const Email = EmailSchema;

const CustomerKey = z
  .object({
    customerKey: z.string().openapi({ description: 'HMAC-SHA256 of the normalised email: the value of the CustomerEmail search attribute' }),
    visibilityQuery: z.string().openapi({ example: 'CustomerEmail = "3f1c…"' }),
    workflowsUrl: z.string().openapi({ description: 'The Temporal UI listing this customer’s order workflows' }),
  })
  .openapi('CustomerKey');

export const lookupRoute = createRoute({
  method: 'get',
  path: '/api/v1/admin/customers/lookup',
  tags,
  security,
  description: 'Temporal holds no email: search attributes and workflow ids carry this key instead. Computing it needs the server secret, so only the API can.',
  request: { query: z.object({ email: Email }) },
  responses: {
    200: jsonContent(CustomerKey, 'The customer key and a ready Temporal visibility query'),
    400: errorResponse('Not an email'),
    401: errorResponse('Missing or wrong admin token'),
  },
});

const ErasureView = z
  .object({
    orderIds: z.array(z.string().uuid()).openapi({ description: 'Orders kept in the ledger (amounts, items, refunds) under a tombstone' }),
    userErased: z.boolean(),
    enrollmentsRevoked: z.number().int(),
    emailsRedacted: z.number().int(),
    webhookEventsRedacted: z.number().int(),
    temporal: z.object({ visibilityQuery: z.string(), note: z.string() }),
  })
  .openapi('CustomerErasure');

export const eraseRoute = createRoute({
  method: 'post',
  path: '/api/v1/admin/customers/erasure',
  tags,
  security,
  description:
    'Erases one customer (the email travels in the body, not the URL, so it stays out of access logs): email and name become a tombstone on their orders, account and emails; the account is disabled and its enrolments revoked; webhook bodies of their orders are redacted. Amounts, items, refunds and statuses stay for the books.',
  request: { body: jsonBody(z.object({ email: Email }).strict().openapi('ErasureRequest')) },
  responses: {
    200: jsonContent(ErasureView, 'Erased'),
    400: errorResponse('Not an email'),
    401: errorResponse('Missing or wrong admin token'),
    404: errorResponse('No order or account has this email (never had, or already erased)'),
    409: errorResponse('An order of this customer is still in flight (`customer_has_open_orders`, with the orders in details): settle it first'),
  },
});
