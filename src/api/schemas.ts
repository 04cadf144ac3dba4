// Response shapes more than one route returns.
import { z } from '@hono/zod-openapi';
import { ORDER_STATUSES } from '../domain/orders.js';

export const MoneySchema = z
  .object({ amount: z.number().int().openapi({ example: 6900, description: 'Minor units (grosz for PLN)' }), currency: z.string().length(3).openapi({ example: 'PLN' }) })
  .openapi('Money');

export const OrderStatusSchema = z.enum(ORDER_STATUSES).openapi('OrderStatus');
