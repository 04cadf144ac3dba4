// Password-setup tokens: issued for an emailed link (stored hashed, valid one hour), consumed once to set a password.
import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../db/client.js';
import { insertSetupToken, lockSetupToken, setPassword } from '../db/users.js';
import { DomainError } from '../domain/errors.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';

export const SETUP_TOKEN_TTL_MS = 60 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The raw token exists only in the email; the database keeps its hash, and workflow history never sees it. */
export async function issueSetupToken(sql: Sql, userId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await insertSetupToken(sql, userId, hashToken(token), new Date(Date.now() + SETUP_TOKEN_TTL_MS));
  return token;
}

/** Sets the password of the token's user and uses up their open tokens; answers the account's email. */
export async function consumeSetupToken(sql: Sql, token: string, password: string): Promise<string> {
  return sql.begin(async (tx) => {
    const row = await lockSetupToken(tx, hashToken(token));
    if (!row) throw new DomainError('token_invalid', 'This link is not valid.', 'bad_request');
    if (row.usedAt) throw new DomainError('token_used', 'This link was already used; ask for a new one.', 'bad_request');
    if (row.expiresAt <= new Date()) throw new DomainError('token_expired', 'This link has expired; ask for a new one.', 'bad_request');
    checkPasswordPolicy(password, row.email);
    await setPassword(tx, row.userId, await hashPassword(password));
    return row.email;
  });
}
