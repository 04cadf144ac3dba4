// Demo mode: whether this process is a local demo (sandbox payments, dev mailbox, generated secrets), those secrets,
// and what a process must be given outside it (and in production).
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Secrets a demo generates once per data directory instead of taking them from the source. */
export interface DemoSecrets {
  jwtSecret: string;
  sandboxWebhookSecret: string;
}

export type DemoSecretSource = (dataDir: string) => DemoSecrets;

const TRUE = ['true', '1'];

/** 127.0.0.0/8, ::1 and localhost: only this machine can reach a server bound there. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return true;
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * Payment providers configured against an API that is not on this machine: real money can move. A provider pointed
 * at loopback (stripe-mock, the test fakes) is not real. Each provider's API defaults to its real host.
 */
export function realProviders(env: Record<string, string>): string[] {
  const real: string[] = [];
  if (env.STRIPE_SECRET_KEY && !(env.STRIPE_API_HOST && isLoopbackHost(env.STRIPE_API_HOST))) real.push('Stripe');
  if (env.PAYU_POS_ID && !(env.PAYU_API_URL && isLoopbackUrl(env.PAYU_API_URL))) real.push('PayU');
  if (env.PAYPAL_CLIENT_ID && !(env.PAYPAL_API_URL && isLoopbackUrl(env.PAYPAL_API_URL))) real.push('PayPal');
  if (env.POSTFINANCE_SPACE_ID && !(env.POSTFINANCE_API_URL && isLoopbackUrl(env.POSTFINANCE_API_URL))) real.push('PostFinance');
  return real;
}

/** What keeps this process from being a local demo; empty when nothing does. */
function demoBlockers(env: Record<string, string>): string[] {
  const blockers: string[] = [];
  if (env.NODE_ENV === 'production') blockers.push('NODE_ENV is production');
  const host = env.HOST ?? '127.0.0.1';
  if (!isLoopbackHost(host)) blockers.push(`HOST ${host} is not a loopback address`);
  if (!isLoopbackUrl(env.PUBLIC_URL)) blockers.push(`PUBLIC_URL ${env.PUBLIC_URL} is not on this machine`);
  const real = realProviders(env);
  if (real.length > 0) blockers.push(`a real payment provider is configured (${real.join(', ')})`);
  return blockers;
}

/**
 * DEMO_MODE=true asks for the demo and is refused where it cannot be one; DEMO_MODE=false turns it off; unset, a
 * process is a demo only when nothing blocks it (loopback, no real provider, not production).
 */
export function demoMode(env: Record<string, string>): { demo: boolean; problems: string[] } {
  const blockers = demoBlockers(env);
  if (env.DEMO_MODE === undefined) return { demo: blockers.length === 0, problems: [] };
  if (!TRUE.includes(env.DEMO_MODE)) return { demo: false, problems: [] };
  return { demo: blockers.length === 0, problems: blockers.map((b) => `DEMO_MODE: the demo (sandbox payments, dev mailbox, generated secrets) cannot run: ${b}`) };
}

/** Production must name every part it talks to and sign with its own secrets. */
export function productionChecks(env: Record<string, string>): string[] {
  const problems: string[] = [];
  if (!env.JWT_SECRET) problems.push('JWT_SECRET: required in production (at least 32 characters) to sign customer access tokens');
  if (!env.DATABASE_URL) problems.push('DATABASE_URL: required in production (the default is the local demo database)');
  if (!env.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS: required in production (the default is the local Temporal dev server)');
  if (!env.SMTP_URL) problems.push('SMTP_URL: required in production (the default is the local dev mailbox)');
  if (!env.PUBLIC_URL) problems.push('PUBLIC_URL: required in production: the https address customers and providers reach, used in emails and redirects');
  else if (/^http:/i.test(env.PUBLIC_URL) && !isLoopbackHost(hostOf(env.PUBLIC_URL))) {
    problems.push('PUBLIC_URL: must be https in production: setup links and tokens would cross the network in clear text');
  }
  return problems;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/** Outside a local demo nothing runs on a built-in or generated secret, and nothing lets a stranger pay or read mail. */
export function beyondDemoChecks(env: Record<string, string>): string[] {
  const problems: string[] = [];
  if (env.NODE_ENV !== 'production') {
    if (!env.JWT_SECRET) problems.push('JWT_SECRET: required outside the local demo (at least 32 characters) to sign customer access tokens');
    if (!env.SMTP_URL) problems.push('SMTP_URL: required outside the local demo: the dev mailbox, which shows every email to anyone, runs only there');
  }
  if (TRUE.includes(env.SANDBOX_ENABLED ?? '')) problems.push('SANDBOX_ENABLED: the sandbox provider lets anyone "pay"; it runs only in the local demo');
  return problems;
}

const secret = () => randomBytes(32).toString('base64url');

/**
 * The data directory's demo secrets, made on first use and kept (mode 0600), so a restart and every process of one
 * demo (`npm start`, `npm run api`, `npm run worker`) agree. Made with link(2), so processes starting together agree too.
 */
export function persistedDemoSecrets(dataDir: string): DemoSecrets {
  const file = join(dataDir, 'demo-secrets.json');
  const read = () => JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets;
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`${file}: unreadable demo secrets; delete the file to make new ones`, { cause: err });
  }
  mkdirSync(dataDir, { recursive: true });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${JSON.stringify({ jwtSecret: secret(), sandboxWebhookSecret: secret() } satisfies DemoSecrets)}\n`, { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(draft);
  }
  return read();
}
