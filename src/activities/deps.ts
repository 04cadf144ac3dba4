// What activities are built from: handed in by the worker (real parts) or by tests.
import type { Sql } from '../db/client.js';
import type { Mailer } from '../email/transport.js';
import type { PaymentProviders } from '../payments/index.js';

export interface ActivityDeps {
  sql: Sql;
  payments: PaymentProviders;
  mailer: Mailer;
  publicUrl: string;
  shopUrl: string;
}
