// Payment providers' settings: each provider is enabled when its settings are all present, and absent otherwise.
import { z } from 'zod';
import { envBool } from './envBool.js';
import { normaliseIban } from '../domain/iban.js';
import type { ProviderName } from '../domain/orders.js';

const DAY = 24 * 60 * 60;
const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const trimSlash = (url: string) => url.replace(/\/+$/, '');

export const paymentEnv = {
  PAYU_API_URL: z.string().url().default('https://secure.payu.com'),
  PAYU_POS_ID: z.string().regex(/^\d+$/, 'digits only').optional(),
  PAYU_CLIENT_ID: z.string().optional(),
  PAYU_CLIENT_SECRET: z.string().optional(),
  PAYU_SECOND_KEY: z.string().optional(),

  PAYPAL_API_URL: z.string().url().default('https://api-m.paypal.com'),
  PAYPAL_CLIENT_ID: z.string().optional(),
  PAYPAL_CLIENT_SECRET: z.string().optional(),
  PAYPAL_WEBHOOK_ID: z.string().optional(),
  // Hosts a webhook's signing certificate may be downloaded from (PAYPAL-CERT-URL), comma-separated.
  PAYPAL_WEBHOOK_CERT_HOSTS: z.string().default('api.paypal.com,api-m.paypal.com,api.sandbox.paypal.com,api-m.sandbox.paypal.com'),

  POSTFINANCE_API_URL: z.string().url().default('https://checkout.postfinance.ch/api/v2.0'),
  POSTFINANCE_SPACE_ID: z.coerce.number().int().positive().optional(),
  POSTFINANCE_USER_ID: z.coerce.number().int().positive().optional(),
  POSTFINANCE_AUTH_KEY: z.string().optional(),

  BANK_TRANSFER_ENABLED: envBool.optional(),
  BANK_ACCOUNT_NAME: z.string().trim().min(1).max(140).optional(),
  BANK_ACCOUNT_IBAN: z.string().optional(),
  // Currencies the account takes transfers in, comma-separated ISO codes.
  BANK_TRANSFER_CURRENCIES: z.string().regex(/^[A-Za-z]{3}(\s*,\s*[A-Za-z]{3})*$/, 'ISO currency codes, comma-separated').default('PLN'),
  BANK_ACCOUNT_BIC: z.string().regex(/^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/, 'a BIC: 8 or 11 capital letters and digits').optional(),

  // How long a payment the provider accepted but has not settled (PROCESSING) may take before the order expires.
  STRIPE_SETTLEMENT_SECONDS: seconds(14 * DAY),
  PAYU_SETTLEMENT_SECONDS: seconds(3 * DAY),
  PAYPAL_SETTLEMENT_SECONDS: seconds(10 * DAY),
  POSTFINANCE_SETTLEMENT_SECONDS: seconds(3 * DAY),
  BANK_TRANSFER_SETTLEMENT_SECONDS: seconds(7 * DAY),
  SANDBOX_SETTLEMENT_SECONDS: seconds(DAY),
};

type PaymentEnv = z.infer<z.ZodObject<typeof paymentEnv>>;

export interface PaymentConfig {
  payu?: { apiUrl: string; posId: string; clientId: string; clientSecret: string; secondKey: string };
  paypal?: { apiUrl: string; clientId: string; clientSecret: string; webhookId: string; certHosts: string[] };
  postfinance?: { apiUrl: string; spaceId: number; userId: number; authKey: string };
  bankTransfer?: { accountName: string; iban: string; bic?: string; currencies: string[] };
  /** Per provider: how long a PROCESSING payment may take to settle before the order expires. */
  settlementMs: Record<ProviderName, number>;
}

const GROUPS: [string, string[]][] = [
  ['PayU', ['PAYU_POS_ID', 'PAYU_CLIENT_ID', 'PAYU_CLIENT_SECRET', 'PAYU_SECOND_KEY']],
  ['PayPal', ['PAYPAL_CLIENT_ID', 'PAYPAL_CLIENT_SECRET', 'PAYPAL_WEBHOOK_ID']],
  ['PostFinance', ['POSTFINANCE_SPACE_ID', 'POSTFINANCE_USER_ID', 'POSTFINANCE_AUTH_KEY']],
];

/** Rules between payment settings, reported together with every other configuration problem. */
export function paymentCrossChecks(env: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, keys] of GROUPS) {
    const missing = keys.filter((k) => !env[k]);
    if (missing.length > 0 && missing.length < keys.length) problems.push(`${missing.join(', ')}: ${name} needs ${keys.join(', ')} together: set all or none`);
  }
  if (['true', '1'].includes(env.BANK_TRANSFER_ENABLED ?? '')) {
    if (!env.BANK_ACCOUNT_NAME) problems.push('BANK_ACCOUNT_NAME: required when BANK_TRANSFER_ENABLED (the account holder buyers transfer to)');
    if (!env.BANK_ACCOUNT_IBAN) problems.push('BANK_ACCOUNT_IBAN: required when BANK_TRANSFER_ENABLED');
  }
  if (env.BANK_ACCOUNT_IBAN) {
    try {
      normaliseIban(env.BANK_ACCOUNT_IBAN);
    } catch (err) {
      problems.push(`BANK_ACCOUNT_IBAN: ${(err as Error).message}`);
    }
  }
  return problems;
}

export function paymentConfig(e: PaymentEnv): PaymentConfig {
  return {
    payu:
      e.PAYU_POS_ID && e.PAYU_CLIENT_ID && e.PAYU_CLIENT_SECRET && e.PAYU_SECOND_KEY
        ? { apiUrl: trimSlash(e.PAYU_API_URL), posId: e.PAYU_POS_ID, clientId: e.PAYU_CLIENT_ID, clientSecret: e.PAYU_CLIENT_SECRET, secondKey: e.PAYU_SECOND_KEY }
        : undefined,
    paypal:
      e.PAYPAL_CLIENT_ID && e.PAYPAL_CLIENT_SECRET && e.PAYPAL_WEBHOOK_ID
        ? {
            apiUrl: trimSlash(e.PAYPAL_API_URL),
            clientId: e.PAYPAL_CLIENT_ID,
            clientSecret: e.PAYPAL_CLIENT_SECRET,
            webhookId: e.PAYPAL_WEBHOOK_ID,
            certHosts: e.PAYPAL_WEBHOOK_CERT_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
          }
        : undefined,
    postfinance:
      e.POSTFINANCE_SPACE_ID && e.POSTFINANCE_USER_ID && e.POSTFINANCE_AUTH_KEY
        ? { apiUrl: trimSlash(e.POSTFINANCE_API_URL), spaceId: e.POSTFINANCE_SPACE_ID, userId: e.POSTFINANCE_USER_ID, authKey: e.POSTFINANCE_AUTH_KEY }
        : undefined,
    bankTransfer:
      e.BANK_TRANSFER_ENABLED && e.BANK_ACCOUNT_NAME && e.BANK_ACCOUNT_IBAN
        ? {
            accountName: e.BANK_ACCOUNT_NAME,
            iban: normaliseIban(e.BANK_ACCOUNT_IBAN),
            currencies: e.BANK_TRANSFER_CURRENCIES.split(',').map((c) => c.trim().toUpperCase()),
            ...(e.BANK_ACCOUNT_BIC ? { bic: e.BANK_ACCOUNT_BIC } : {}),
          }
        : undefined,
    settlementMs: {
      stripe: e.STRIPE_SETTLEMENT_SECONDS * 1000,
      payu: e.PAYU_SETTLEMENT_SECONDS * 1000,
      paypal: e.PAYPAL_SETTLEMENT_SECONDS * 1000,
      postfinance: e.POSTFINANCE_SETTLEMENT_SECONDS * 1000,
      bank_transfer: e.BANK_TRANSFER_SETTLEMENT_SECONDS * 1000,
      sandbox: e.SANDBOX_SETTLEMENT_SECONDS * 1000,
    },
  };
}
