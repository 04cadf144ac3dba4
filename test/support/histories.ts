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
  // Refunds under faults (issue 10 review): patched paths of the refund, dispute-won and checkout runs.
  'payu-refund-stale-attempt-ignored',
  'refund-failed-settled-outside',
  'dispute-won-unmatched',
  'paypal-return-before-approval',
  'refund-reversed-by-dispute-won',
  'held-partial-provider-refund',
  // An outage while checkout opens: the run stays open, then opens the session or expires the order (issue 10).
  'checkout-outage-recovered',
  'checkout-outage-expired',
  // Recorded with the workflow code from before the patch `checkout-keeps-trying`: such a run failed; it must replay so.
  'checkout-outage-failed-unpatched',
  // The retention schedule's run (issue 13).
  'retention-redacted',
];

/** protobufjs toObject options that survive JSON: 64-bit numbers and enums as strings, bytes as base64. */
export const HISTORY_JSON = { longs: String, enums: String, bytes: String } as const;
