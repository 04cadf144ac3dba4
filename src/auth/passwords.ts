// Password policy and argon2id hashing for customer accounts.
import { hash, verify } from '@node-rs/argon2';
import { DomainError } from '../domain/errors.js';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;

export function checkPasswordPolicy(password: string, email: string): void {
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN) problems.push(`at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) problems.push(`at most ${PASSWORD_MAX} characters`);
  if (new Set(password).size < 4) problems.push('at least 4 different characters');
  const local = email.split('@')[0] ?? '';
  if (local.length >= 4 && password.toLowerCase().includes(local.toLowerCase())) problems.push('not containing your email name');
  if (problems.length > 0) throw new DomainError('weak_password', `The password must have ${problems.join(', ')}.`, 'unprocessable', { rules: problems });
}

// argon2id with the library's defaults (19 MiB, t=2, p=1: OWASP's minimum recommendation).
export const hashPassword = (password: string) => hash(password);

let decoy: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. Without a hash (unknown email) it verifies against a decoy, so a wrong
 * email and a wrong password take the same time and an attacker cannot tell which one was wrong.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  decoy ??= hashPassword('decoy-password-that-matches-nothing');
  const ok = await verify(storedHash ?? (await decoy), password).catch(() => false);
  return ok && Boolean(storedHash);
}
