// The only reader of process.env: defaults, then env overrides, then one validation that reports every error.
import { z } from 'zod';
import { envBool } from './config/envBool.js';
import { createHmac } from 'node:crypto';
import { beyondDemoChecks, demoMode, persistedDemoSecrets, productionChecks, type DemoSecretSource } from './config/demo.js';
import { observabilityConfig, observabilityCrossChecks, observabilityEnv, type ObservabilityConfig } from './config/observability.js';
import { paymentConfig, paymentCrossChecks, paymentEnv, type PaymentConfig } from './config/payments.js';
import { temporalCrossChecks, temporalEnv, temporalSecurity, type TemporalSecurity } from './config/temporal.js';
import { workerConfig, workerCrossChecks, workerEnv, type WorkerConfig } from './config/worker.js';

const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z.string().url().optional();

const envSchema = z.object({
  // Unset is not development: what a process may do without settings depends on demo mode (src/config/demo.ts).
  NODE_ENV: z.enum(['development', 'production', 'test']).optional(),
  DEMO_MODE: envBool.optional(),
  HOST: z.string().default('127.0.0.1'),
  PORT: port.default(3000),
  PUBLIC_URL: z.string().url().optional(),
  SHOP_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: optionalUrl,
  ...temporalEnv,
  TEMPORAL_TASK_QUEUE: z.string().default('orders'),
  TEMPORAL_UI_URL: optionalUrl,
  SMTP_URL: optionalUrl,
  MAIL_FROM: z.string().default('Sklep <sklep@localhost>'),
  // Open SMTP connections a process keeps and reuses, and how many messages one carries before it is replaced.
  SMTP_MAX_CONNECTIONS: z.coerce.number().int().positive().default(5),
  SMTP_MAX_MESSAGES: z.coerce.number().int().positive().default(100),

  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_API_HOST: z.string().optional(),
  STRIPE_API_PORT: port.optional(),
  STRIPE_API_PROTOCOL: z.enum(['http', 'https']).optional(),

  SANDBOX_ENABLED: envBool.optional(),
  SANDBOX_WEBHOOK_SECRET: z.string().min(16).optional(),
  ...paymentEnv,
  ...observabilityEnv,

  CHECKOUT_TTL_SECONDS: z.coerce.number().int().positive().default(24 * 60 * 60),
  // How long fulfilment (user, enrolment) keeps retrying after payment before the order is compensated.
  FULFILMENT_RETRY_SECONDS: z.coerce.number().int().positive().default(4 * 60 * 60),
  // A payment that arrives after the order expired or was cancelled: give the money back, or deliver.
  LATE_PAYMENT_POLICY: z.enum(['refund', 'fulfil']).default('refund'),
  // The reconciliation schedule: how often it runs, and how old a PENDING order must be before the provider is asked.
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().positive().default(5 * 60),
  RECONCILE_AFTER_SECONDS: z.coerce.number().int().nonnegative().default(15 * 60),
  // The webhook relay (src/api/webhookRelay.ts): how often it sweeps for events no notification announced or whose
  // retry is due, and the longest wait between two tries of one event (it doubles from one second up to this).
  WEBHOOK_RELAY_SWEEP_MS: z.coerce.number().int().positive().default(2000),
  WEBHOOK_RELAY_RETRY_MAX_MS: z.coerce.number().int().positive().default(60_000),

  ADMIN_TOKEN: z.string().min(24).optional(),
  JWT_SECRET: z.string().min(32).optional(),
  // Keys order ids to Idempotency-Keys; unset, it is derived from JWT_SECRET.
  ORDER_ID_SECRET: z.string().min(32).optional(),
  // Keys the hash that stands for a buyer's email in Temporal (search attribute, workflow ids); unset, derived from JWT_SECRET.
  CUSTOMER_KEY_SECRET: z.string().min(32).optional(),
  // Days raw webhook bodies and email recipients stay in the database before the retention schedule redacts them.
  RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  RETENTION_INTERVAL_SECONDS: z.coerce.number().int().positive().default(60 * 60),
  JWT_TTL_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  // Requests per client IP (login, setup link) and setup links per email in one fixed window (kept in PostgreSQL).
  AUTH_RATE_WINDOW_SECONDS: z.coerce.number().int().positive().default(15 * 60),
  AUTH_RATE_PER_EMAIL: z.coerce.number().int().positive().default(10),
  AUTH_RATE_PER_IP: z.coerce.number().int().positive().default(100),
  // Wrong passwords per email before each further login attempt waits (1 s, doubling, capped): slows guessing, never locks out.
  LOGIN_FREE_FAILURES: z.coerce.number().int().positive().default(5),
  LOGIN_MAX_DELAY_SECONDS: z.coerce.number().int().positive().default(5 * 60),
  // Checkouts per email and per client address (IPv6 per /64) in the same window: each starts a workflow and may send email.
  CHECKOUT_RATE_PER_EMAIL: z.coerce.number().int().positive().default(10),
  CHECKOUT_RATE_PER_IP: z.coerce.number().int().positive().default(30),
  // Origins (scheme://host[:port], comma-separated) whose pages may call the public and customer API; none by default.
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'each origin is scheme://host[:port], without a path'))),
  // How many proxies in front of the API append to X-Forwarded-For; 0 (direct) ignores the header.
  TRUSTED_PROXY_HOPS: z.coerce.number().int().nonnegative().max(10).default(0),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().nonnegative().default(20),
  ...workerEnv,
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

/** Every setting this file reads (docker-compose.yml passes through those a deployment chooses: compose.test.ts). */
export const ENV_KEYS = Object.keys(envSchema.shape) as (keyof Env)[];

export interface Config extends PaymentConfig, ObservabilityConfig {
  env: Env['NODE_ENV'];
  /** A local demo: sandbox payments and the dev mailbox may run, and missing secrets are generated per data directory. */
  demo: boolean;
  host: string;
  port: number;
  publicUrl: string;
  /** The storefront that emails link back to (buy again, go to the shop). */
  shopUrl: string;
  logLevel: Env['LOG_LEVEL'];
  databaseUrl?: string;
  temporal: { address?: string; namespace: string; taskQueue: string; uiUrl: string; security: TemporalSecurity };
  smtpUrl?: string;
  smtpPool: { maxConnections: number; maxMessages: number };
  mailFrom: string;
  stripe?: { secretKey: string; webhookSecret: string; host?: string; port?: number; protocol?: 'http' | 'https' };
  sandbox?: { webhookSecret: string };
  checkoutTtlMs: number;
  fulfilmentRetryMs: number;
  latePaymentPolicy: Env['LATE_PAYMENT_POLICY'];
  reconcile: { intervalMs: number; afterMs: number };
  webhookRelay: { sweepMs: number; retryMaxMs: number };
  /** Bearer token of the admin API; without it the admin API refuses every request. */
  adminToken?: string;
  jwt: { secret: string; ttlSeconds: number };
  /** Keys the HMAC that turns a buyer's Idempotency-Key into an order id. */
  orderIdSecret: string;
  /** Keys the HMAC that stands for a buyer's email in search attributes and workflow ids (src/auth/customerKeys.ts). */
  customerKeySecret: string;
  /** How long raw webhook bodies and email recipients are kept, and how often the retention schedule redacts older ones. */
  retention: { days: number; intervalMs: number };
  authRateLimit: { windowSeconds: number; perEmail: number; perIp: number; freeFailures: number; maxDelaySeconds: number };
  checkoutRateLimit: { perEmail: number; perIp: number };
  corsOrigins: string[];
  trustedProxyHops: number;
  workerShutdownGraceMs: number;
  worker: WorkerConfig;
  /** Built from this checkout's src/workflows by the deployment; a stale one would replay histories with other code. */
  workflowBundlePath?: string;
  stack: { dataDir: string; pgPort: number; temporalPort: number; temporalUiPort: number; smtpPort: number };
}

// `PORT=` in a shell or .env means "not set", not zero.
function withoutEmptyValues(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((kv): kv is [string, string] => kv[1] !== undefined && kv[1] !== ''));
}

/** Rules between settings, checked on the raw values so they are reported together with malformed ones. */
function crossChecks(env: Record<string, string>, demo: { demo: boolean; problems: string[] }): string[] {
  const problems: string[] = [...demo.problems];
  if (Boolean(env.STRIPE_SECRET_KEY) !== Boolean(env.STRIPE_WEBHOOK_SECRET)) {
    problems.push('STRIPE_WEBHOOK_SECRET: STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together: set both or neither');
  }
  if (env.NODE_ENV === 'production') problems.push(...productionChecks(env));
  if (!demo.demo) problems.push(...beyondDemoChecks(env));
  problems.push(...paymentCrossChecks(env), ...temporalCrossChecks(env), ...observabilityCrossChecks(env), ...workerCrossChecks(env));
  return problems;
}

/**
 * The configuration from `source`; a local demo's missing secrets come from `demoSecrets` (by default generated once
 * into DATA_DIR). Every problem is reported in one error.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env, demoSecrets: DemoSecretSource = persistedDemoSecrets): Config {
  const env = withoutEmptyValues(source);
  const parsed = envSchema.safeParse(env);
  const demo = demoMode(env);
  const lines = [...(parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? []), ...crossChecks(env, demo)];
  if (!parsed.success || lines.length > 0) throw new Error(`Invalid configuration:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  const e = parsed.data;
  let generated: ReturnType<DemoSecretSource> | undefined;
  // Only a demo reaches here without JWT_SECRET (crossChecks), and only a demo runs the sandbox.
  const demoSecret = (name: keyof ReturnType<DemoSecretSource>) => (generated ??= demoSecrets(e.DATA_DIR))[name];
  const jwtSecret = e.JWT_SECRET ?? demoSecret('jwtSecret');
  const sandboxEnabled = demo.demo && e.SANDBOX_ENABLED !== false;

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const temporalUiUrl = (e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`).replace(/\/+$/, '');
  return {
    env: e.NODE_ENV,
    demo: demo.demo,
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
      uiUrl: temporalUiUrl,
      security: temporalSecurity(e),
    },
    smtpUrl: e.SMTP_URL,
    smtpPool: { maxConnections: e.SMTP_MAX_CONNECTIONS, maxMessages: e.SMTP_MAX_MESSAGES },
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
    sandbox: sandboxEnabled ? { webhookSecret: e.SANDBOX_WEBHOOK_SECRET ?? demoSecret('sandboxWebhookSecret') } : undefined,
    ...paymentConfig(e),
    ...observabilityConfig(e, temporalUiUrl),
    checkoutTtlMs: e.CHECKOUT_TTL_SECONDS * 1000,
    fulfilmentRetryMs: e.FULFILMENT_RETRY_SECONDS * 1000,
    latePaymentPolicy: e.LATE_PAYMENT_POLICY,
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_SECONDS * 1000, afterMs: e.RECONCILE_AFTER_SECONDS * 1000 },
    webhookRelay: { sweepMs: e.WEBHOOK_RELAY_SWEEP_MS, retryMaxMs: e.WEBHOOK_RELAY_RETRY_MAX_MS },
    adminToken: e.ADMIN_TOKEN,
    jwt: { secret: jwtSecret, ttlSeconds: e.JWT_TTL_SECONDS },
    // Derived under its own label, so the order-id key is never the token-signing key itself.
    orderIdSecret: e.ORDER_ID_SECRET ?? createHmac('sha256', jwtSecret).update('order-id-secret').digest('base64url'),
    // Changing it changes every customer key: searches miss older runs, and a setup link in flight may be sent twice.
    customerKeySecret: e.CUSTOMER_KEY_SECRET ?? createHmac('sha256', jwtSecret).update('customer-key-secret').digest('base64url'),
    retention: { days: e.RETENTION_DAYS, intervalMs: e.RETENTION_INTERVAL_SECONDS * 1000 },
    authRateLimit: {
      windowSeconds: e.AUTH_RATE_WINDOW_SECONDS,
      perEmail: e.AUTH_RATE_PER_EMAIL,
      perIp: e.AUTH_RATE_PER_IP,
      freeFailures: e.LOGIN_FREE_FAILURES,
      // A delay is measured from the last failure, and failures are forgotten a window after it: no delay outlasts that.
      maxDelaySeconds: Math.min(e.LOGIN_MAX_DELAY_SECONDS, e.AUTH_RATE_WINDOW_SECONDS),
    },
    checkoutRateLimit: { perEmail: e.CHECKOUT_RATE_PER_EMAIL, perIp: e.CHECKOUT_RATE_PER_IP },
    corsOrigins: e.CORS_ORIGINS,
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    workerShutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_SECONDS * 1000,
    worker: workerConfig(e),
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

// A demo account so a new user of `npm start` can try a bank transfer with no settings; a real deployment names its own (or none).
const DEMO_BANK_ACCOUNT = { BANK_TRANSFER_ENABLED: 'true', BANK_ACCOUNT_NAME: 'Sklep Demo (demo account, do not pay)', BANK_ACCOUNT_IBAN: 'PL61109010140000071219812874' };

/** `npm start`'s configuration: a local demo whose environment says nothing of bank transfers takes the demo account. */
export function loadStackConfig(source: Record<string, string | undefined> = process.env, demoSecrets: DemoSecretSource = persistedDemoSecrets): Config {
  const configured = loadConfig(source, demoSecrets);
  const saysNothing = !source.BANK_ACCOUNT_IBAN && !source.BANK_TRANSFER_ENABLED;
  return configured.demo && saysNothing ? loadConfig({ ...DEMO_BANK_ACCOUNT, ...source }, demoSecrets) : configured;
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
