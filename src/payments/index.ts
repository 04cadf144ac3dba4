// Builds the configured payment providers; a provider without configuration is simply absent.
import type { Config } from '../config.js';
import type { Sql } from '../db/client.js';
import type { ProviderName } from '../domain/orders.js';
import { createBankTransferProvider } from './bankTransfer.js';
import { createPaypalProvider } from './paypal.js';
import { createPayuProvider } from './payu.js';
import { createPostfinanceProvider } from './postfinance.js';
import type { PaymentProvider } from './provider.js';
import { createSandboxProvider } from './sandbox.js';
import { createStripeProvider } from './stripe.js';

export type PaymentProviders = Partial<Record<ProviderName, PaymentProvider>>;

/** The enabled provider called `name`, for a name from outside (a URL, a stored row); never one of Object's own keys. */
export function enabledProvider(payments: PaymentProviders, name: string): PaymentProvider | undefined {
  return Object.hasOwn(payments, name) ? payments[name as ProviderName] : undefined;
}

export function createPaymentProviders(config: Pick<Config, 'stripe' | 'sandbox' | 'payu' | 'paypal' | 'postfinance' | 'bankTransfer' | 'publicUrl'>, sql: Sql): PaymentProviders {
  const providers: PaymentProviders = {};
  if (config.stripe) providers.stripe = createStripeProvider(config.stripe);
  if (config.sandbox) providers.sandbox = createSandboxProvider(sql, { webhookSecret: config.sandbox.webhookSecret, publicUrl: config.publicUrl });
  if (config.payu) providers.payu = createPayuProvider(config.payu);
  if (config.paypal) providers.paypal = createPaypalProvider({ ...config.paypal, returnUrl: `${config.publicUrl}/api/v1/payments/paypal/return` });
  if (config.postfinance) providers.postfinance = createPostfinanceProvider(config.postfinance);
  if (config.bankTransfer) providers.bank_transfer = createBankTransferProvider({ currencies: config.bankTransfer.currencies, publicUrl: config.publicUrl });
  return providers;
}
