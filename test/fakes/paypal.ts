// A local PayPal (Orders v2, Payments v2, signed webhooks) on 127.0.0.1, with driver helpers for tests.
import type { Server } from 'node:http';
import { cents } from './paypalMoney.js';
import { PaypalLedger, paypalId, type CaptureOutcome, type FakeCapture, type RefundOutcome } from './paypalLedger.js';
import { PaypalHttp, type RecordedRequest } from './paypalServer.js';
import { captureJson, disputeJson, envelope, orderJson, refundJson, signedHeaders, type SignOptions } from './paypalWire.js';

export type { RecordedRequest } from './paypalServer.js';

export interface PaypalFakeOptions {
  clientId?: string;
  clientSecret?: string;
  webhookId?: string;
  /** Where signed events go; may be set later with setWebhookUrl. */
  webhookUrl?: string;
  tokenTtlSeconds?: number;
}

export interface WebhookDelivery {
  /** Our endpoint's HTTP status. */
  status: number;
  responseBody: string;
  eventId: string;
  body: string;
}

export interface PaypalFake {
  /** Base URL for PaypalSettings.apiUrl. */
  url: string;
  /** The signing certificate's URL (http on loopback): put "127.0.0.1" in PaypalSettings.certHosts. */
  certUrl: string;
  clientId: string;
  clientSecret: string;
  webhookId: string;
  requests: RecordedRequest[];
  ledger: PaypalLedger;
  setWebhookUrl(url: string): void;
  /** Invalidate every issued access token (the next API call gets 401). */
  revokeTokens(): void;
  /** The buyer approves at PayPal; with `webhook` (default true when a webhook URL is set) CHECKOUT.ORDER.APPROVED is sent. */
  approve(orderId: string, opts?: { webhook?: boolean }): Promise<WebhookDelivery | undefined>;
  setNextCaptureStatus(status: CaptureOutcome): void;
  /** A PENDING capture settles: its status changes and PAYMENT.CAPTURE.COMPLETED (or .DENIED) is sent. */
  completePendingCapture(captureId: string, outcome?: 'COMPLETED' | 'DECLINED'): Promise<WebhookDelivery>;
  setNextRefundStatus(status: RefundOutcome): void;
  /** A PENDING refund settles and PAYMENT.CAPTURE.REFUNDED carries its new status. */
  settleRefund(refundId: string, status?: 'COMPLETED' | 'FAILED' | 'CANCELLED'): Promise<WebhookDelivery>;
  /** The merchant refunds in PayPal's dashboard (no custom_id, no request id of ours); PAYMENT.CAPTURE.REFUNDED is sent. */
  refundFromDashboard(captureId: string, amountValue?: string): Promise<WebhookDelivery & { refundId: string }>;
  sendCaptureCompleted(captureId: string): Promise<WebhookDelivery>;
  sendCapturePending(captureId: string): Promise<WebhookDelivery>;
  sendCaptureDenied(captureId: string): Promise<WebhookDelivery>;
  sendRefundCompleted(refundId: string): Promise<WebhookDelivery>;
  sendDisputeCreated(captureId: string, amountValue?: string): Promise<WebhookDelivery & { disputeId: string }>;
  sendDisputeResolved(disputeId: string, outcome?: string): Promise<WebhookDelivery>;
  /** Any event type with any resource, signed and posted. */
  sendWebhook(eventType: string, resource: Record<string, unknown>): Promise<WebhookDelivery>;
  /** The same event body again, freshly signed (a redelivery). */
  resend(eventId: string): Promise<WebhookDelivery>;
  /** PayPal's transmission headers for any body (override time, id, cert URL or key to forge). */
  sign(body: string, opts?: Partial<SignOptions>): Record<string, string>;
  /** POST a body with the given headers to the webhook URL, as PayPal would. */
  post(body: string, headers: Record<string, string>): Promise<{ status: number; responseBody: string }>;
  close(): Promise<void>;
}

export async function startPaypalFake(opts: PaypalFakeOptions = {}): Promise<PaypalFake> {
  const ledger = new PaypalLedger();
  const webhookId = opts.webhookId ?? 'FAKEWEBHOOK0001';
  let webhookUrl = opts.webhookUrl;
  const sent = new Map<string, string>();
  const disputes = new Map<string, { capture: FakeCapture; amount: number }>();
  const http: PaypalHttp = new PaypalHttp(ledger, {
    clientId: opts.clientId ?? 'fake-client-id',
    clientSecret: opts.clientSecret ?? 'fake-client-secret',
    tokenTtlSeconds: opts.tokenTtlSeconds ?? 32_400,
    onBuyerApproval: async (orderId) => {
      if (webhookUrl) await approvedEvent(orderId);
    },
  });
  const server: Server = await http.listen();
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fake PayPal did not bind a TCP port');
  const url = `http://127.0.0.1:${address.port}`;
  http.base = url;
  const certUrl = `${url}/v1/notifications/certs/fake-signing-cert`;

  const sign = (body: string, o: Partial<SignOptions> = {}) => signedHeaders(body, { webhookId, certUrl, ...o });
  async function post(body: string, headers: Record<string, string>) {
    if (!webhookUrl) throw new Error('fake PayPal has no webhook URL: pass webhookUrl or call setWebhookUrl');
    const res = await fetch(webhookUrl, { method: 'POST', headers, body });
    return { status: res.status, responseBody: await res.text() };
  }
  async function deliver(body: string, eventId: string): Promise<WebhookDelivery> {
    sent.set(eventId, body);
    return { ...(await post(body, sign(body))), eventId, body };
  }
  const sendWebhook = (eventType: string, resource: Record<string, unknown>) => {
    const event = envelope(url, eventType, resource);
    return deliver(JSON.stringify(event), event.id);
  };
  const capture = (id: string) => {
    const c = ledger.captures.get(id);
    if (!c) throw new Error(`fake PayPal has no capture ${id}`);
    return c;
  };
  const approvedEvent = (orderId: string) => sendWebhook('CHECKOUT.ORDER.APPROVED', orderJson(url, ledger.order(orderId), ledger));
  const captureEvent = (type: string, id: string) => sendWebhook(type, captureJson(url, capture(id), true));
  const refundEvent = (refundId: string) => {
    const r = ledger.refunds.get(refundId);
    if (!r) throw new Error(`fake PayPal has no refund ${refundId}`);
    return sendWebhook('PAYMENT.CAPTURE.REFUNDED', refundJson(url, r));
  };

  return {
    url,
    certUrl,
    clientId: opts.clientId ?? 'fake-client-id',
    clientSecret: opts.clientSecret ?? 'fake-client-secret',
    webhookId,
    requests: http.requests,
    ledger,
    setWebhookUrl: (u) => void (webhookUrl = u),
    revokeTokens: () => http.tokens.clear(),
    async approve(orderId, o = {}) {
      ledger.approve(orderId);
      return (o.webhook ?? Boolean(webhookUrl)) ? approvedEvent(orderId) : undefined;
    },
    setNextCaptureStatus: (s) => void ledger.nextCapture.push(s),
    async completePendingCapture(captureId, outcome = 'COMPLETED') {
      ledger.settleCapture(captureId, outcome);
      return captureEvent(outcome === 'COMPLETED' ? 'PAYMENT.CAPTURE.COMPLETED' : 'PAYMENT.CAPTURE.DENIED', captureId);
    },
    setNextRefundStatus: (s) => void ledger.nextRefund.push(s),
    async settleRefund(refundId, status = 'COMPLETED') {
      ledger.settleRefund(refundId, status);
      return refundEvent(refundId);
    },
    async refundFromDashboard(captureId, amountValue) {
      const c = capture(captureId);
      const r = ledger.refund(captureId, amountValue ? { amount: { currency_code: c.amount.currency_code, value: amountValue } } : {}, 'COMPLETED');
      return { ...(await refundEvent(r.id)), refundId: r.id };
    },
    sendCaptureCompleted: (id) => captureEvent('PAYMENT.CAPTURE.COMPLETED', id),
    sendCapturePending: (id) => captureEvent('PAYMENT.CAPTURE.PENDING', id),
    sendCaptureDenied: (id) => captureEvent('PAYMENT.CAPTURE.DENIED', id),
    sendRefundCompleted: (id) => refundEvent(id),
    async sendDisputeCreated(captureId, amountValue) {
      const c = capture(captureId);
      const amount = amountValue ? cents({ currency_code: c.amount.currency_code, value: amountValue }, 'dispute') : cents(c.amount, 'capture');
      const disputeId = `PP-D-${paypalId().slice(0, 6)}`;
      disputes.set(disputeId, { capture: c, amount });
      return { ...(await sendWebhook('CUSTOMER.DISPUTE.CREATED', disputeJson(url, { id: disputeId, capture: c, amount }))), disputeId };
    },
    async sendDisputeResolved(disputeId, outcome = 'RESOLVED_SELLER_FAVOUR') {
      const d = disputes.get(disputeId);
      if (!d) throw new Error(`fake PayPal has no dispute ${disputeId}`);
      return sendWebhook('CUSTOMER.DISPUTE.RESOLVED', disputeJson(url, { id: disputeId, ...d, outcome }));
    },
    sendWebhook,
    async resend(eventId) {
      const body = sent.get(eventId);
      if (!body) throw new Error(`fake PayPal never sent ${eventId}`);
      return deliver(body, eventId);
    },
    sign,
    post,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // fetch keeps connections alive; without this close() waits for them to idle out.
        server.closeAllConnections();
      }),
  };
}
