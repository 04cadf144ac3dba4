// Where recorded workflow histories live: integration tests write them (RECORD_HISTORIES=1), the replay test reads them.
import { fileURLToPath } from 'node:url';

export const HISTORY_FIXTURES = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

/** Every scenario of the compensation/refund issue leaves a fixture; a missing one fails the replay test. */
export const REQUIRED_HISTORIES = [
  'compensation-user-creation',
  'compensation-enrolment-budget',
  'email-rejected',
  'cancelled',
  'expired',
  'late-payment-after-cancel',
  'late-payment-after-expiry',
  'refund-bundle-child',
  'refund-full',
  'provider-refund',
  'dispute',
  'held-fulfil',
  'held-refund',
  'reconciled-dropped-webhook',
  'reconciled-unopened-checkout',
  'failed-after-succeeded',
  // Payments that take time, every provider, refunds that follow the provider's answer (issue 9).
  'payu-processing-fulfilled',
  'paypal-processing-fulfilled',
  'postfinance-processing-fulfilled',
  'payu-refund-failed-retried',
  'paypal-refund-failed-retried',
  'postfinance-refund-failed-retried',
  'bank-transfer-fulfilled',
  'bank-transfer-manual-refund',
  'payu-refund-pending-settled',
  'settlement-deadline-expired',
  'paypal-return-capture',
  'paypal-dispute-won',
  // Recorded with payload encryption on (issue 13): replays through the codec with FIXTURE_PAYLOAD_KEY.
  'encrypted-purchase',
];

/**
 * The payload key the encrypted fixtures were recorded with. A test key, derived from a fixed phrase and committed on
 * purpose: the replay test must decrypt those histories, and nothing outside the tests ever used it.
 */
export const FIXTURE_PAYLOAD_KEY = { id: 'fixture', key: Buffer.from('wGapx4JHAtVeG0teDYo7b46Xh+nF/2kb2CoLsKdR97E=', 'base64') };

/** protobufjs toObject options that survive JSON: 64-bit numbers and enums as strings, bytes as base64. */
export const HISTORY_JSON = { longs: String, enums: String, bytes: String } as const;
