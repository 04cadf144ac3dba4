// The keyed hash that stands for a buyer's email wherever Temporal can see it (search attribute, setup-link workflow id).
import { createHmac } from 'node:crypto';

/** Emails are compared lower-cased and trimmed everywhere (checkout, login), so their hash is too. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();

/**
 * HMAC-SHA256 of the normalised email under a server secret: equal emails give equal keys, so operators can still
 * search, while nobody who reads Temporal (or its backups) can read, or by hashing guesses confirm, an address
 * without the secret.
 */
export function customerKey(secret: string, email: string): string {
  return createHmac('sha256', secret).update(normaliseEmail(email)).digest('hex');
}
