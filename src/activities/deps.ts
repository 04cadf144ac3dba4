// What activities are built from: handed in by the worker (real parts) or by tests; and the provider lookup they share.
import type { Sql } from '../db/client.js';
import { DomainError } from '../domain/errors.js';
import type { Mailer } from '../email/transport.js';
import type { PaymentProviders } from '../payments/index.js';
import type { PaymentProvider } from '../payments/provider.js';

export interface ActivityDeps {
  sql: Sql;
  payments: PaymentProviders;
  mailer: Mailer;
  publicUrl: string;
  shopUrl: string;
  /** Present when bank transfer is enabled: the account its instructions email gives. */
  bankAccount?: { accountName: string; iban: string; bic?: string };
}

/** The order's provider, or a business error: an order for a provider this worker lacks cannot be helped by retrying. */
export function providerFor(payments: PaymentProviders, name: string): PaymentProvider {
  const p = payments[name as keyof PaymentProviders];
  if (!p) throw new DomainError('provider_unavailable', `Payment provider ${name} is not configured.`, 'unprocessable');
  return p;
}
