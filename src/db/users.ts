// Customer accounts: created at fulfilment with no usable password, looked up for login and tokens, and their setup tokens.
import { isUuid } from '../domain/orders.js';
import type { Db, Sql } from './client.js';

/** A users row as stored (the columns these queries read). */
interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  password_hash: string | null;
  created_by_order_id: string | null;
  disabled_at: Date | null;
  created_at: Date;
}

export interface User {
  userId: string;
  email: string;
  name: string;
  role: string;
  passwordHash: string | null;
  createdByOrderId: string | null;
  disabled: boolean;
  createdAt: Date;
}

const toUser = (r: UserRow): User => ({
  userId: r.id,
  email: r.email,
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdByOrderId: r.created_by_order_id,
  disabled: r.disabled_at !== null,
  createdAt: r.created_at,
});

/**
 * The account of this order's buyer, created for the order if their email had none (so `createdByOrderId` tells who
 * made it), and linked to the order unless it is disabled; undefined when there is no such order. Two statements
 * instead of a read of the order and three more: fulfilment runs it for every order.
 */
export async function orderCustomer(sql: Sql, orderId: string): Promise<User | undefined> {
  if (!isUuid(orderId)) return undefined;
  await sql`
    INSERT INTO users (email, name, password_hash, role, created_by_order_id)
    SELECT email, customer_name, NULL, 'customer', id FROM orders WHERE id = ${orderId}
    ON CONFLICT (email) DO NOTHING`;
  // A statement of its own: it sees the account another order's fulfilment created meanwhile (the insert above waited
  // for it and did nothing), which the insert's snapshot could not.
  const [row] = await sql<UserRow[]>`
    WITH buyer AS (SELECT u.* FROM orders o JOIN users u ON u.email = o.email WHERE o.id = ${orderId}), linked AS (
      UPDATE orders o SET user_id = buyer.id, updated_at = now() FROM buyer
      WHERE o.id = ${orderId} AND o.user_id IS NULL AND buyer.disabled_at IS NULL
    )
    SELECT * FROM buyer`;
  return row && toUser(row);
}

/** An account that may log in or act: disabled accounts are treated as unknown. */
export async function activeUserByEmail(sql: Sql, email: string): Promise<User | undefined> {
  const [row] = await sql<UserRow[]>`SELECT * FROM users WHERE email = ${email} AND disabled_at IS NULL`;
  return row ? toUser(row) : undefined;
}

export async function activeUserById(sql: Sql, userId: string): Promise<User | undefined> {
  const [row] = await sql<UserRow[]>`SELECT * FROM users WHERE id = ${userId} AND disabled_at IS NULL`;
  return row ? toUser(row) : undefined;
}

/** The language of the customer's latest order (linked to the user or placed with their email), if any. */
export async function latestOrderLocale(sql: Sql, user: { userId: string; email: string }): Promise<string | null> {
  const [row] = await sql<{ locale: string }[]>`
    SELECT locale FROM orders WHERE user_id = ${user.userId} OR email = ${user.email} ORDER BY created_at DESC LIMIT 1`;
  return row?.locale ?? null;
}

export async function insertSetupToken(sql: Db, userId: string, tokenHash: string, expiresAt: Date): Promise<void> {
  await sql`INSERT INTO password_setup_tokens (user_id, token_hash, expires_at) VALUES (${userId}, ${tokenHash}, ${expiresAt})`;
}

/**
 * Stores a token unless its hash is already there; answers 'issued', 'reusable' (the earlier row of this token, unused and
 * valid until at least `usableUntil`), or 'spent' (used, expiring, or another user's: the caller must not send it).
 */
export async function insertOrReuseSetupToken(sql: Db, userId: string, tokenHash: string, expiresAt: Date, usableUntil: Date): Promise<'issued' | 'reusable' | 'spent'> {
  // The CTE's insert is invisible to the outer SELECT (one snapshot), so exactly one of the two branches answers.
  const [row] = await sql<{ state: 'issued' | 'reusable' | 'spent' }[]>`
    WITH inserted AS (
      INSERT INTO password_setup_tokens (user_id, token_hash, expires_at) VALUES (${userId}, ${tokenHash}, ${expiresAt})
      ON CONFLICT (token_hash) DO NOTHING RETURNING 'issued'::text AS state)
    SELECT state FROM inserted
    UNION ALL
    SELECT CASE WHEN user_id = ${userId} AND used_at IS NULL AND expires_at >= ${usableUntil} THEN 'reusable' ELSE 'spent' END
    FROM password_setup_tokens WHERE token_hash = ${tokenHash}`;
  // No row: a concurrent attempt of the same email inserted this very token after our snapshot; it is fresh, so reuse it.
  return row?.state ?? 'reusable';
}

export interface SetupTokenRow {
  userId: string;
  email: string;
  expiresAt: Date;
  usedAt: Date | null;
}

/** The token with its user, locked until the caller's transaction ends (so it is consumed once). */
export async function lockSetupToken(tx: Db, tokenHash: string): Promise<SetupTokenRow | undefined> {
  const [row] = await tx<{ user_id: string; email: string; expires_at: Date; used_at: Date | null }[]>`
    SELECT t.user_id, u.email, t.expires_at, t.used_at
    FROM password_setup_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = ${tokenHash} FOR UPDATE OF t`;
  return row ? { userId: row.user_id, email: row.email, expiresAt: row.expires_at, usedAt: row.used_at } : undefined;
}

/** Sets the password and uses up every open setup token of the user: an older link must not reset it again. */
export async function setPassword(tx: Db, userId: string, passwordHash: string): Promise<void> {
  await tx`UPDATE users SET password_hash = ${passwordHash} WHERE id = ${userId}`;
  await tx`UPDATE password_setup_tokens SET used_at = now() WHERE user_id = ${userId} AND used_at IS NULL`;
}
