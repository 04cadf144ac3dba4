// Password-setup tokens: issued for an emailed link (stored hashed, valid one hour), consumed once to set a password.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Sql } from '../db/client.js';
import { insertOrReuseSetupToken, insertSetupToken, lockSetupToken, setPassword } from '../db/users.js';
import { DomainError } from '../domain/errors.js';
import type { Locale } from '../domain/orders.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';

export const SETUP_TOKEN_TTL_MS = 60 * 60 * 1000;

/**
 * The emailed link: the token travels in the fragment, which browsers never send to a server, so it stays out of
 * access logs, proxies and Referer headers; the setup page reads it in the browser and posts it in a JSON body. The
 * page speaks the email's language (`lang`).
 */
export function setupLink(publicUrl: string, token: string, locale: Locale): string {
  return `${publicUrl}/account/setup-password?lang=${locale}#token=${encodeURIComponent(token)}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The raw token exists only in the email; the database keeps its hash, and workflow history never sees it. */
export async function issueSetupToken(sql: Sql, userId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await insertSetupToken(sql, userId, hashToken(token), new Date(Date.now() + SETUP_TOKEN_TTL_MS));
  return token;
}

// A retry reuses the earlier link only while at least half its hour is left; a later retry sends a fresh one.
const REUSE_MIN_LIFE_MS = SETUP_TOKEN_TTL_MS / 2;
// Generations tried before giving up: each used or expiring link of the same email moves to the next one.
const MAX_GENERATIONS = 50;

/**
 * The setup token of one email (`emailKey`, e.g. order/kind/ref), derived with HMAC from a server secret so that a
 * retry of that email carries the same link and both copies work; only its hash is stored, and workflow history never
 * sees it. An earlier token that is used, or too close to expiry, is skipped for the next generation's.
 */
export async function issueEmailSetupToken(sql: Sql, secret: string, userId: string, emailKey: string): Promise<string> {
  const now = Date.now();
  for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
    const token = createHmac('sha256', secret).update(`password-setup\n${userId}\n${emailKey}\n${generation}`).digest('base64url');
    const state = await insertOrReuseSetupToken(sql, userId, hashToken(token), new Date(now + SETUP_TOKEN_TTL_MS), new Date(now + REUSE_MIN_LIFE_MS));
    if (state !== 'spent') return token;
  }
  throw new Error(`no usable setup token for ${emailKey} after ${MAX_GENERATIONS} generations`);
}

/** Sets the password of the token's user and uses up their open tokens; answers the account's email. */
export async function consumeSetupToken(sql: Sql, token: string, password: string): Promise<string> {
  return sql.begin(async (tx) => {
    const row = await lockSetupToken(tx, hashToken(token));
    if (!row) throw new DomainError('token_invalid', 'This link is not valid.', 'unprocessable');
    if (row.usedAt) throw new DomainError('token_used', 'This link was already used; ask for a new one.', 'unprocessable');
    if (row.expiresAt <= new Date()) throw new DomainError('token_expired', 'This link has expired; ask for a new one.', 'unprocessable');
    checkPasswordPolicy(password, row.email);
    await setPassword(tx, row.userId, await hashPassword(password));
    return row.email;
  });
}
