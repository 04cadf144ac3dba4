// The one interface every payment provider adapter implements, and the errors they share.
import { DomainError } from '../domain/errors.js';
import type { Money } from '../domain/money.js';
import type { Locale, PaymentEvent, ProviderName } from '../domain/orders.js';
import type { OrderLine } from '../domain/pricing.js';

/**
 * How long one request to a provider may take. An adapter call makes at most four (a token, the call, and both again
 * after a refused token; Stripe's SDK retries a failed request twice), so the provider activities allow a minute
 * (src/workflows/timeouts.ts) and heartbeat meanwhile, so a lost worker is noticed in seconds, not at that minute.
 */
export const PROVIDER_REQUEST_TIMEOUT_MS = 10_000;

export interface CreateSessionInput {
  orderId: string;
  orderNumber: string;
  email: string;
  locale: Locale;
  lines: OrderLine[];
  total: Money;
  /** Fixed on the order when checkout first opens (see `sessionExpiry`): adapters send it as is, never recomputed from the clock. */
  expiresAt: Date;
  /** Stable per order: the same key always names the same session. */
  idempotencyKey: string;
  /** Where the buyer lands after paying (the order page). */
  successUrl: string;
  cancelUrl: string;
  /** Where the provider sends notifications about this order (providers that take it per order, e.g. PayU). */
  notifyUrl: string;
  /** The buyer's address as the API saw it, for providers that require it (PayU customerIp); absent when unknown. */
  customerIp?: string;
}

export interface PaymentSession {
  sessionId: string;
  url: string;
  /** `processing` when the order waits for money with no buyer action at the provider (bank transfer). */
  state?: 'open' | 'processing';
}

/** Money the provider moved back on its own: a refund made in its dashboard, or a dispute (chargeback), or a dispute won. */
export interface RefundNotice {
  kind: 'refund' | 'dispute' | 'dispute_won';
  /** Names what happened at the provider, stable across redeliveries: it becomes the refund's idempotency key. */
  key: string;
  orderId?: string;
  /** The provider's payment id, to find the order when the event carries no order id. */
  paymentId?: string;
  /** refund: the charge's cumulative refunded amount; dispute: the disputed amount; dispute_won: the amount restored. */
  amount: Money;
}

/**
 * What became of one refund at the provider (PayU refund notification, PayPal PAYMENT.CAPTURE.REFUNDED, PostFinance
 * Refund webhook, Stripe refund.updated/refund.failed). If it is one of ours (matched by `providerRefundId`, or by our
 * own key the provider echoes), its ledger row follows it; otherwise a succeeded one is money the provider moved
 * back on its own, recorded as a provider refund of `amount`.
 */
export interface RefundUpdate {
  providerRefundId: string;
  /** Our idempotency key (`refund:<orderId>:<seq>…`) when the provider echoes it (PayU extRefundId, PostFinance externalId). */
  ourKey?: string;
  status: 'succeeded' | 'failed' | 'pending';
  /** The provider's reason for a failure, for operators. */
  reason?: string;
  orderId?: string;
  paymentId?: string;
  /** This refund's own amount. */
  amount: Money;
  /**
   * The provider reports refunds made outside our API through another event (Stripe's charge.refunded), so an
   * update for a refund that is not ours is ignored rather than recorded twice.
   */
  oursOnly?: boolean;
}

/** A verified webhook: always recorded; `event` when the order workflow acts on it, `refund`/`refundUpdate` when money went back. */
export interface VerifiedWebhook {
  eventId: string;
  eventType: string;
  orderId?: string;
  event?: PaymentEvent;
  refund?: RefundNotice;
  refundUpdate?: RefundUpdate;
}

/** What the provider says became of a checkout session (reconciliation asks when a webhook may be lost). */
export interface SessionOutcome {
  state: 'open' | 'processing' | 'approved' | 'paid' | 'failed' | 'expired';
  paymentId?: string;
  amount?: Money;
}

export interface RefundInput {
  orderId: string;
  sessionId: string;
  paymentId?: string;
  amount: Money;
  /** Stable per refund attempt; sent as the provider's idempotency field (Idempotency-Key, extRefundId, PayPal-Request-Id, externalId). */
  idempotencyKey: string;
}

/**
 * The provider's answer to a refund request: settled now, settling later (a RefundUpdate follows), refused, or
 * `manual`: nothing moves money by itself (bank transfer), an operator does it and confirms.
 */
export interface RefundResult {
  refundId: string;
  status: 'succeeded' | 'pending' | 'failed' | 'manual';
  reason?: string;
}

/** The capture's answer (PayPal): a payment event of kind succeeded, processing or failed; null when the buyer has not approved (yet). */
export interface CaptureInput {
  orderId: string;
  sessionId: string;
  idempotencyKey: string;
}

export type HeaderLookup = (name: string) => string | undefined;

export interface PaymentProvider {
  readonly name: ProviderName;
  /** ISO currencies this provider accepts; undefined means any. */
  readonly currencies?: readonly string[];
  /**
   * The expiry this provider accepts for a session wanted until `wanted`, decided at `now` (Stripe: 30 min to 24 h
   * ahead). Applied once, before the expiry is stored on the order; absent when any expiry will do.
   */
  sessionExpiry?(wanted: Date, now: Date): Date;
  createSession(input: CreateSessionInput): Promise<PaymentSession>;
  /** Closes an unpaid session so it can no longer be paid; a session already closed is not an error. */
  expireSession(sessionId: string): Promise<void>;
  /**
   * Verifies the signature over the raw body (fetching and caching the provider's public key or certificate where
   * its scheme needs one); throws WebhookSignatureError when it does not hold, DomainError('invalid_payload') when
   * the body is not this provider's event.
   */
  verifyWebhook(rawBody: string, header: HeaderLookup): Promise<VerifiedWebhook>;
  refund(input: RefundInput): Promise<RefundResult>;
  retrieveSession(sessionId: string): Promise<SessionOutcome>;
  /** Providers whose buyer approves and the merchant captures (PayPal): idempotent on the key. */
  capture?(input: CaptureInput): Promise<(Omit<PaymentEvent, 'provider' | 'eventId' | 'orderId'> & { kind: 'succeeded' | 'processing' | 'failed' }) | null>;
}

export class WebhookSignatureError extends DomainError {
  constructor(reason: string) {
    super('invalid_signature', `Webhook signature verification failed: ${reason}`, 'bad_request');
  }
}

/** The provider refused a request for good (wrong amount, unknown payment): retrying cannot help. */
export class ProviderRefusal extends DomainError {
  constructor(provider: ProviderName, reason: string, details?: unknown) {
    super('provider_refused', `${provider} refused the request: ${reason}`, 'unprocessable', details);
  }
}

export const WEBHOOK_TOLERANCE_SECONDS = 300;
