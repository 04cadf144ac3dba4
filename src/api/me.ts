// The logged-in customer's own data: profile, orders (another customer's is a 404), enrollments and access checks.
import { createRoute, z } from '@hono/zod-openapi';
import { activeEnrollments, customerOrder, customerOrders, isEnrolled } from '../db/customers.js';
import { DomainError } from '../domain/errors.js';
import { BEARER_SCHEME, requireCustomer, type CustomerEnv } from './bearer.js';
import type { ApiDeps } from './deps.js';
import { errorResponse } from './errors.js';
import { newRouter } from './router.js';
import { jsonContent, MoneySchema, OrderDiscountFields, OrderItemSchema, OrderStatusSchema } from './schemas.js';

const Me = z
  .object({ userId: z.string().uuid(), email: z.string(), name: z.string(), role: z.string(), hasPassword: z.boolean(), createdAt: z.string().datetime() })
  .openapi('Me');

const CustomerOrder = z
  .object({
    orderId: z.string().uuid(),
    orderNumber: z.string(),
    status: OrderStatusSchema,
    total: MoneySchema,
    createdAt: z.string().datetime(),
    paidAt: z.string().datetime().nullable(),
    ...OrderDiscountFields,
    items: z.array(OrderItemSchema),
  })
  .openapi('CustomerOrder');

const CustomerOrderDetail = CustomerOrder.extend({ history: z.array(z.object({ status: OrderStatusSchema, at: z.string().datetime() })) }).openapi('CustomerOrderDetail');

const PackageRef = z.object({ packageId: z.string().uuid(), slug: z.string(), title: z.string() });
const Enrollment = PackageRef.extend({
  category: z.string(),
  grantedAt: z.string().datetime(),
  orderId: z.string().uuid().nullable(),
  viaBundle: PackageRef.nullable().openapi({ description: 'The bundle this package was bought in; bundles are enrolled as their children' }),
}).openapi('Enrollment');

const common = {
  tags: ['me'],
  security: [{ [BEARER_SCHEME]: [] }],
};
const unauthorized = { 401: errorResponse('No access token, or an expired or invalid one (see WWW-Authenticate)') };
const ok = <T extends z.ZodType>(schema: T, description: string) => ({ 200: jsonContent(schema, description) });

const me = createRoute({ ...common, method: 'get', path: '/api/v1/me', summary: 'The logged-in customer', responses: { ...ok(Me, 'The customer'), ...unauthorized } });
const orders = createRoute({
  ...common,
  method: 'get',
  path: '/api/v1/me/orders',
  summary: 'Orders placed with this account’s email, newest first',
  responses: { ...ok(z.object({ orders: z.array(CustomerOrder) }), 'The customer’s orders'), ...unauthorized },
});
const order = createRoute({
  ...common,
  method: 'get',
  path: '/api/v1/me/orders/{orderId}',
  summary: 'One of the customer’s orders with its status history',
  request: { params: z.object({ orderId: z.string().uuid() }) },
  responses: { ...ok(CustomerOrderDetail, 'The order'), 400: errorResponse('Not an order id'), ...unauthorized, 404: errorResponse('No such order among this customer’s') },
});
const enrollments = createRoute({
  ...common,
  method: 'get',
  path: '/api/v1/me/enrollments',
  summary: 'Packages the customer has access to (a bundle appears as its children)',
  responses: { ...ok(z.object({ enrollments: z.array(Enrollment) }), 'Active enrollments'), ...unauthorized },
});
const enrolled = createRoute({
  ...common,
  method: 'get',
  path: '/api/v1/me/enrollments/{packageId}',
  summary: 'Whether the customer has access to a package (to a bundle: to all of its children)',
  request: { params: z.object({ packageId: z.string().uuid() }) },
  responses: { ...ok(z.object({ enrolled: z.boolean() }).openapi('EnrollmentCheck'), 'Access or not; an unknown package is not enrolled'), 400: errorResponse('Not a package id'), ...unauthorized },
});

export function meRoutes({ sql, accounts }: ApiDeps) {
  const router = newRouter<CustomerEnv>();
  router.openAPIRegistry.registerComponent('securitySchemes', BEARER_SCHEME, {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The accessToken from POST /api/v1/auth/login',
  });
  router.use('/api/v1/me', requireCustomer(sql, accounts.jwt.secret));
  router.use('/api/v1/me/*', requireCustomer(sql, accounts.jwt.secret));

  router.openapi(me, (c) => {
    const { createdAt, ...customer } = c.get('customer');
    return c.json({ ...customer, createdAt: createdAt.toISOString() }, 200);
  });
  router.openapi(orders, async (c) => c.json({ orders: await customerOrders(sql, c.get('customer')) }, 200));
  router.openapi(order, async (c) => {
    const found = await customerOrder(sql, c.get('customer'), c.req.valid('param').orderId);
    // 404, never 403: whether an order id exists is not this customer's business.
    if (!found) throw new DomainError('order_not_found', 'No such order.', 'not_found');
    return c.json(found, 200);
  });
  router.openapi(enrollments, async (c) => c.json({ enrollments: await activeEnrollments(sql, c.get('customer').userId) }, 200));
  router.openapi(enrolled, async (c) => c.json({ enrolled: await isEnrolled(sql, c.get('customer').userId, c.req.valid('param').packageId) }, 200));
  return router;
}
