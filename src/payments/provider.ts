// The one interface every payment provider adapter implements, and the errors they share.
import { DomainError } from '../domain/errors.js';
import type { Money } from '../domain/money.js';
import type { Locale, OrderLine, PaymentEvent, ProviderName } from '../domain/orders.js';

export interface CreateSessionInput {
  orderId: string;
  orderNumber: string;
  email: string;
  locale: Locale;
  lines: OrderLine[];
  total: Money;
  expiresAt: Date;
  idempotencyKey: string;
  successUrl: string;
  cancelUrl: string;
}

export interface PaymentSession {
  sessionId: string;
  url: string;
}

/** Money the provider moved back on its own: a refund made in its dashboard, or a dispute (chargeback). */
export interface RefundNotice {
  kind: 'refund' | 'dispute';
  /** Names what happened at the provider, stable across redeliveries: it becomes the refund's idempotency key. */
  key: string;
  orderId?: string;
  /** The provider's payment id, to find the order when the event carries no order id. */
  paymentId?: string;
  /** refund: the charge's cumulative refunded amount; dispute: the disputed amount. */
  amount: Money;
}

/** A verified webhook: always recorded; `event` when the order workflow acts on it, `refund` when money went back. */
export interface VerifiedWebhook {
  eventId: string;
  eventType: string;
  orderId?: string;
  event?: PaymentEvent;
  refund?: RefundNotice;
}

/** What the provider says became of a checkout session (reconciliation asks when a webhook may be lost). */
export interface SessionOutcome {
  state: 'open' | 'paid' | 'failed' | 'expired';
  paymentId?: string;
  amount?: Money;
}

export interface RefundInput {
  orderId: string;
  sessionId: string;
  paymentId?: string;
  amount: Money;
  idempotencyKey: string;
}

export type HeaderLookup = (name: string) => string | undefined;

export interface PaymentProvider {
  readonly name: ProviderName;
  createSession(input: CreateSessionInput): Promise<PaymentSession>;
  /** Closes an unpaid session so it can no longer be paid; a session already closed is not an error. */
  expireSession(sessionId: string): Promise<void>;
  /** Verifies the signature over the raw body; throws WebhookSignatureError when it does not hold. */
  verifyWebhook(rawBody: string, header: HeaderLookup): VerifiedWebhook;
  refund(input: RefundInput): Promise<{ refundId: string }>;
  retrieveSession(sessionId: string): Promise<SessionOutcome>;
}

export class WebhookSignatureError extends DomainError {
  constructor(reason: string) {
    super('invalid_signature', `Webhook signature verification failed: ${reason}`, 'bad_request');
  }
}

export const WEBHOOK_TOLERANCE_SECONDS = 300;
