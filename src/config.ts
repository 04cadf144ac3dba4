// The only reader of process.env: defaults, then env overrides, then one validation that reports every error.
import { z } from 'zod';
import { paymentConfig, paymentCrossChecks, paymentEnv, type PaymentConfig } from './config/payments.js';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z.string().url().optional();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_URL: z.string().url().optional(),
  SHOP_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: optionalUrl,
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('orders'),
  TEMPORAL_UI_URL: optionalUrl,
  SMTP_URL: optionalUrl,
  MAIL_FROM: z.string().default('Sklep <sklep@localhost>'),

  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_API_HOST: z.string().optional(),
  STRIPE_API_PORT: port.optional(),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),

  SANDBOX_ENABLED: bool.optional(),
  SANDBOX_WEBHOOK_SECRET: z.string().min(16).optional(),
  ...paymentEnv,

  CHECKOUT_TTL_SECONDS: z.coerce.number().int().positive().default(24 * 60 * 60),
  // How long fulfilment (user, enrolment) keeps retrying after payment before the order is compensated.
  FULFILMENT_RETRY_SECONDS: z.coerce.number().int().positive().default(4 * 60 * 60),
  // A payment that arrives after the order expired or was cancelled: give the money back, or deliver.
  LATE_PAYMENT_POLICY: z.enum(['refund', 'fulfil']).default('refund'),
  // The reconciliation schedule: how often it runs, and how old a PENDING order must be before the provider is asked.
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().positive().default(5 * 60),
  RECONCILE_AFTER_SECONDS: z.coerce.number().int().nonnegative().default(15 * 60),

  ADMIN_TOKEN: z.string().min(24).optional(),
  JWT_SECRET: z.string().min(32).optional(),
  JWT_TTL_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  // Login and setup-link requests allowed per email and per client IP in one fixed window (kept in PostgreSQL).
  AUTH_RATE_WINDOW_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  AUTH_RATE_PER_EMAIL: z.coerce.number().int().positive().default(10),
  AUTH_RATE_PER_IP: z.coerce.number().int().positive().default(100),
  // How many proxies in front of the API append to X-Forwarded-For; 0 (direct) ignores the header.
  TRUSTED_PROXY_HOPS: z.coerce.number().int().nonnegative().max(10).default(0),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().nonnegative().default(20),
  // A workflow bundle built ahead (bundleWorkflowCode's code, written to a file): the worker starts without bundling.
  WORKFLOW_BUNDLE_PATH: z.string().optional(),

  // Embedded stack only (npm start): where its parts keep data and listen.
  DATA_DIR: z.string().default('.data'),
  PG_PORT: port.default(5433),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  SMTP_PORT: port.default(1025),

  // Where the Temporal CLI and stripe-mock come from (scripts/tools.ts).
  TEMPORAL_CLI_PATH: z.string().optional(),
  STRIPE_MOCK_PATH: z.string().optional(),
  TOOLS_CACHE_DIR: z.string().optional(),
  XDG_CACHE_HOME: z.string().optional(),
  PATH: z.string().default(''),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends PaymentConfig {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  publicUrl: string;
  /** The storefront that emails link back to (buy again, go to the shop). */
  shopUrl: string;
  logLevel: Env['LOG_LEVEL'];
  databaseUrl?: string;
  temporal: { address?: string; namespace: string; taskQueue: string; uiUrl: string };
  smtpUrl?: string;
  mailFrom: string;
  stripe?: { secretKey: string; webhookSecret: string; host?: string; port?: number; protocol?: 'http' | 'https' };
  sandbox?: { webhookSecret: string };
  checkoutTtlMs: number;
  fulfilmentRetryMs: number;
  latePaymentPolicy: Env['LATE_PAYMENT_POLICY'];
  reconcile: { intervalMs: number; afterMs: number };
  /** Bearer token of the admin API; without it the admin API refuses every request. */
  adminToken?: string;
  jwt: { secret: string; ttlSeconds: number };
  authRateLimit: { windowSeconds: number; perEmail: number; perIp: number };
  trustedProxyHops: number;
  workerShutdownGraceMs: number;
  /** Built from this checkout's src/workflows by the deployment; a stale one would replay histories with other code. */
  workflowBundlePath?: string;
  stack: { dataDir: string; pgPort: number; temporalPort: number; temporalUiPort: number; smtpPort: number };
}

// `PORT=` in a shell or .env means "not set", not zero.
function withoutEmptyValues(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((kv): kv is [string, string] => kv[1] !== undefined && kv[1] !== ''));
}

function isSandboxEnabled(env: Record<string, string>): boolean {
  return env.SANDBOX_ENABLED === undefined ? env.NODE_ENV !== 'production' : ['true', '1'].includes(env.SANDBOX_ENABLED);
}

/** Rules between settings, checked on the raw values so they are reported together with malformed ones. */
function crossChecks(env: Record<string, string>): string[] {
  const problems: string[] = [];
  if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
    problems.push('STRIPE_WEBHOOK_SECRET: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together: set both or neither');
  }
  if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
    problems.push('JWT_SECRET: required in production (at least 32 characters) to sign customer access tokens');
  }
  problems.push(...paymentCrossChecks(env));
  if (isSandboxEnabled(env) && env.NODE_ENV === 'production' && !env.SANDBOX_WEBHOOK_SECRET) {
    problems.push('SANDBOX_WEBHOOK_SECRET: required when the sandbox provider is enabled in production');
  }
  return problems;
}

// A fixed development secret keeps `npm start` zero-config; production must set its own.
const DEV_SANDBOX_SECRET = 'sandbox-dev-secret-not-for-production';
const DEV_JWT_SECRET = 'jwt-dev-secret-not-for-production-0123456789';

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const env = withoutEmptyValues(source);
  const parsed = envSchema.safeParse(env);
  const lines = [...(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? []), ...crossChecks(env)];
  if (!parsed.success || lines.length > 0) throw new Error(`Invalid configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  const e = parsed.data;
  const sandboxEnabled = isSandboxEnabled(env);

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    shopUrl: e.SHOP_URL ?? `${publicUrl}/shop`,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: (e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`).replace(/\/+$/, ''),
    },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    stripe:
      e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
        ? {
            secretKey: e.STRIPE_SECRET_KEY,
            webhookSecret: e.STRIPE_WEBHOOK_SECRET,
            host: e.STRIPE_API_HOST,
            port: e.STRIPE_API_PORT,
            protocol: e.STRIPE_API_PROTOCOL,
          }
        : undefined,
    sandbox: sandboxEnabled ? { webhookSecret: e.SANDBOX_WEBHOOK_SECRET ?? DEV_SANDBOX_SECRET } : undefined,
    ...paymentConfig(e),
    checkoutTtlMs: e.CHECKOUT_TTL_SECONDS * 1000,
    fulfilmentRetryMs: e.FULFILMENT_RETRY_SECONDS * 1000,
    latePaymentPolicy: e.LATE_PAYMENT_POLICY,
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_SECONDS * 1000, afterMs: e.RECONCILE_AFTER_SECONDS * 1000 },
    adminToken: e.ADMIN_TOKEN,
    jwt: { secret: e.JWT_SECRET ?? DEV_JWT_SECRET, ttlSeconds: e.JWT_TTL_SECONDS },
    authRateLimit: { windowSeconds: e.AUTH_RATE_WINDOW_SECONDS, perEmail: e.AUTH_RATE_PER_EMAIL, perIp: e.AUTH_RATE_PER_IP },
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    workerShutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_SECONDS * 1000,
    workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
    stack: {
      dataDir: e.DATA_DIR,
      pgPort: e.PG_PORT,
      temporalPort: e.TEMPORAL_PORT,
      temporalUiPort: e.TEMPORAL_UI_PORT,
      smtpPort: e.SMTP_PORT,
    },
  };
}

export interface ToolsConfig {
  temporalCliPath?: string;
  stripeMockPath?: string;
  cacheDir?: string;
  xdgCacheHome?: string;
  searchPath: string;
}

/** The tool resolver needs only these, and must work before the rest of the configuration is valid. */
export function loadToolsConfig(source: Record<string, string | undefined> = process.env): ToolsConfig {
  const e = envSchema.pick({ TEMPORAL_CLI_PATH: true, STRIPE_MOCK_PATH: true, TOOLS_CACHE_DIR: true, XDG_CACHE_HOME: true, PATH: true }).parse(source);
  return {
    temporalCliPath: e.TEMPORAL_CLI_PATH,
    stripeMockPath: e.STRIPE_MOCK_PATH,
    cacheDir: e.TOOLS_CACHE_DIR,
    xdgCacheHome: e.XDG_CACHE_HOME,
    searchPath: e.PATH,
  };
}
