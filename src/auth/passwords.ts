// Password policy and argon2id hashing for customer accounts.
import { hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { DomainError } from '../domain/errors.js';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;

export function checkPasswordPolicy(password: string, email: string): void {
  // Each rule reads after "The password must", so the message lists exactly the rules this password breaks.
  const problems: string[] = [];
  if (password.length < PASSWORD_MIN) problems.push(`have at least ${PASSWORD_MIN} characters`);
  if (password.length > PASSWORD_MAX) problems.push(`have at most ${PASSWORD_MAX} characters`);
  if (new Set(password).size < 4) problems.push('have at least 4 different characters');
  const local = email.split('@')[0] ?? '';
  if (local.length >= 4 && password.toLowerCase().includes(local.toLowerCase())) problems.push('not contain the part of your email before the @');
  if (problems.length > 0) throw new DomainError('weak_password', `The password must ${problems.join(' and ')}.`, 'unprocessable', { rules: problems });
}

/** Too many password hashes are already running or waiting: the request should be retried in a moment. */
export class PasswordHashingBusy extends Error {
  constructor() {
    super('Too many password checks are running; try again in a moment.');
  }
}

/**
 * At most one argon2 computation per core at a time (each takes 19 MiB and tens of milliseconds of CPU), and a short
 * queue behind them: a flood of logins costs bounded memory and CPU, and the rest of the API keeps answering.
 */
const CONCURRENCY = Math.max(1, availableParallelism());
const QUEUE_MAX = 8 * CONCURRENCY;
let running = 0;
const waiting: (() => void)[] = [];

export async function withArgon2Slot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= CONCURRENCY) {
    if (waiting.length >= QUEUE_MAX) throw new PasswordHashingBusy();
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running++;
  }
  try {
    return await work();
  } finally {
    // The slot passes straight to the next waiter, so `running` never dips and lets a newcomer jump the queue.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** What the cap looks like now, for tests and logs. */
export const argon2Load = () => ({ running, waiting: waiting.length, concurrency: CONCURRENCY, queueMax: QUEUE_MAX });

// argon2id with the library's defaults (19 MiB, t=2, p=1: OWASP's minimum recommendation).
export const hashPassword = (password: string) => withArgon2Slot(() => hash(password));

let decoy: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. Without a hash (unknown email) it verifies against a decoy, so a wrong
 * email and a wrong password take the same time and an attacker cannot tell which one was wrong.
 */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  decoy ??= hash('decoy-password-that-matches-nothing');
  const against = storedHash ?? (await decoy);
  const ok = await withArgon2Slot(() => verify(against, password).catch(() => false));
  return ok && Boolean(storedHash);
}
