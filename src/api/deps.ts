// What the HTTP API is built from; tests hand in their own.
import type { Client } from '@temporalio/client';
import type { Sql } from '../db/client.js';
import type { DevMailbox } from '../email/devMailbox.js';
import type { Logger } from '../log.js';
import type { PaymentProviders } from '../payments/index.js';
import type { OrderSettings } from '../workflows/definitions.js';

export interface ApiDeps {
  sql: Sql;
  temporal: Client;
  payments: PaymentProviders;
  log: Logger;
  publicUrl: string;
  taskQueue: string;
  checkoutTtlMs: number;
  orderSettings: OrderSettings;
  /** The admin API's bearer token; without it every admin request is refused. */
  adminToken?: string;
  /** Where operators look at workflows: links in the admin API point there. */
  temporalUi: { url: string; namespace: string };
  /** Present when the sandbox provider is enabled: its secret signs the hosted page's webhooks. */
  sandboxSecret?: string;
  /** Present only in the embedded stack: the captured emails, shown at /dev/mailbox. */
  mailbox?: DevMailbox;
}
