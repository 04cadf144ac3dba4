// OpenAPI pieces more than one route uses: JSON content, money and status shapes, the Idempotency-Key header.
import { z } from '@hono/zod-openapi';
import { ORDER_STATUSES } from '../domain/orders.js';

/** A JSON response (or any content) with its schema and description, as zod-openapi routes declare them. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

/** A JSON request body; required unless said otherwise. */
export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({ content: { 'application/json': { schema } }, required });

/** Amounts are stored as PostgreSQL `integer`: the document says so, and larger numbers are refused as malformed. */
export const MAX_MINOR_UNITS = 2_147_483_647;

export const MoneySchema = z
  .object({
    amount: z.number().int().min(0).max(MAX_MINOR_UNITS).openapi({ example: 6900, description: 'Minor units (grosz for PLN)' }),
    currency: z.string().length(3).openapi({ example: 'PLN' }),
  })
  // Closed, like every request object: an unknown key would be a subtree the document says nothing about.
  .strict()
  .openapi('Money');

/**
 * Text that must say something: at least one character that String.prototype.trim keeps, then trimmed. The set is
 * spelt out because the document's `pattern` is read by other regex engines too (schemathesis's Python reads `\s`
 * differently), and the length is bounded before trimming, so what the document allows is exactly what is accepted.
 */
export const nonBlank = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/, 'Must not be blank')
    .trim();

/** A whole number in a query string; an empty one (`?offset=`) is refused, where coercion alone would read it as 0. */
export const queryInt = (min: number, max: number) => z.preprocess((v) => (v === '' ? Number.NaN : v), z.coerce.number().int().min(min).max(max));

/**
 * An ISO 8601 instant with its offset, written in years 1000 to 8999. PostgreSQL refuses year 0 (a year-1 time ahead of
 * UTC), and it writes instants back as text that JavaScript's Date misreads below year 100 (0099 became 1999, 0028 an
 * invalid date that answered 500) and past 9999. A written year of four digits from 1000 to 8999 stays clear of all of
 * that whatever the offset, and the document states the same rule as a pattern, so what it allows is what the API
 * accepts. No order or coupon is older or that far ahead.
 */
export const InstantSchema = z
  .string()
  .datetime({ offset: true })
  .regex(/^[1-8][0-9]{3}-/, 'must be an instant in a year from 1000 to 8999')
  .openapi({ format: 'date-time' });

/**
 * An email address as the API accepts it, with the pattern it enforces in the document (a `format: email` would admit
 * addresses this pattern refuses). Stored lowercased, so the same mailbox is one customer.
 */
export const EmailSchema = z.string().max(254).regex(z.regexes.email).toLowerCase().openapi({ example: 'ala@example.com' });

/** An order's line as buyers see it: the catalog price and what a coupon took off it. */
export const OrderItemSchema = z
  .object({
    packageId: z.string().uuid(),
    slug: z.string(),
    title: z.string(),
    price: MoneySchema,
    discount: MoneySchema.openapi({ description: 'What the coupon took off this line; the buyer paid price − discount' }),
  })
  .openapi('OrderItem');

/** What an order's coupon changed: the items' sum before it, the discount, the code (null without one). */
export const OrderDiscountFields = {
  subtotal: MoneySchema,
  discount: MoneySchema,
  couponCode: z.string().nullable(),
};

export const OrderStatusSchema = z.enum(ORDER_STATUSES).openapi('OrderStatus');

/** Checkout and operator refunds: the client's key makes a retried request reach the same order or refund. */
export const IdempotencyKeyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(8)
    .max(255)
    .regex(/^[\x21-\x7e]+$/)
    .openapi({ description: 'Client-chosen key; the same key returns the same result' }),
});
