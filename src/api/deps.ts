// What the HTTP API is built from; tests hand in their own.
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { PayloadKey } from '../config/observability.js';
import type { Sql } from '../db/client.js';
import type { DevMailbox } from '../email/devMailbox.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../observability/metrics.js';
import type { PaymentProviders } from '../payments/index.js';
import type { OrderSettings } from '../workflows/definitions.js';

/** What handing an event to its workflow needs: the webhook relay runs in workers, which have no HTTP API. */
export type DeliveryDeps = Pick<ApiDeps, 'sql' | 'temporal' | 'taskQueue' | 'orderSettings'>;

export interface ApiDeps {
  sql: Sql;
  temporal: Client;
  payments: PaymentProviders;
  log: Logger;
  metrics: Metrics;
  /** Present when this app serves GET /metrics (absent when METRICS_PORT serves it elsewhere); the token guards it. */
  metricsEndpoint?: { token?: string };
  publicUrl: string;
  taskQueue: string;
  checkoutTtlMs: number;
  /** Keys the HMAC that turns (buyer email, Idempotency-Key) into an order id. */
  orderIdSecret: string;
  /** Keys the hash that stands for a buyer's email in Temporal (src/auth/customerKeys.ts). */
  customerKeySecret: string;
  orderSettings: OrderSettings;
  /** The admin API's bearer token; without it every admin request is refused. */
  adminToken?: string;
  /** The codec endpoint's keys (the workers' PAYLOAD_KEYS) and the browser origins (the Temporal UI) that may call it. */
  codec: { keys: PayloadKey[]; corsOrigins: string[] };
  /** Where operators look at workflows: links in the admin API point there. */
  temporalUi: { url: string; namespace: string };
  /** Customer accounts: how access tokens are signed, how often login and setup links may be asked for, and whose IP counts. */
  accounts: { jwt: Config['jwt']; rateLimit: Config['authRateLimit']; trustedProxyHops: number };
  /** Checkouts allowed per email and per client address in the accounts' rate-limit window. */
  checkoutRateLimit: Config['checkoutRateLimit'];
  /** Origins whose pages may call the public and customer API (CORS); never the admin API. */
  corsOrigins: string[];
  /** Present when the sandbox provider is enabled: its secret signs the hosted page's webhooks. */
  sandboxSecret?: string;
  /** Present when bank transfer is enabled: what its page shows buyers. */
  bankAccount?: { accountName: string; iban: string; bic?: string };
  /** How long cancel and resolve wait for the order's workflow to carry them out (default UPDATE_DEADLINE_MS, updates.ts). */
  updateDeadlineMs?: number;
  /** Present only in the embedded stack: the captured emails, shown at /dev/mailbox. */
  mailbox?: DevMailbox;
}
