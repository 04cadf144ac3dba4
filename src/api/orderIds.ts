// Order ids from Idempotency-Keys: keyed with a server secret and scoped to the buyer's email, so nobody can derive them.
import { createHash, createHmac } from 'node:crypto';

/** 32 hex digits shaped as an RFC 9562 version-8 (custom) UUID. */
function asUuidV8(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The order a buyer's retries address: the same (email, key) always gives the same id, a stranger who guesses the key
 * neither learns the id (it needs the secret) nor reaches the order (another email gives another order).
 */
export function orderIdForKey(secret: string, email: string, key: string): string {
  return asUuidV8(createHmac('sha256', secret).update(`checkout\n${email.toLowerCase()}\n${key}`).digest('hex'));
}

/** How ids were made before they were keyed: used only to find an order created then, for a retry of its own buyer. */
export function legacyOrderIdForKey(key: string): string {
  return asUuidV8(createHash('sha256').update(`checkout:${key}`).digest('hex'));
}
