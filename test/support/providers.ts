// The three gateways' local fakes behind one driver shape, so one matrix of scenarios runs over every provider.
import type { Sql } from '../../src/db/client.js';
import { startPaypalFake, type PaypalFake } from '../fakes/paypal.js';
import { signPayuBody, startPayuFake, type PayuFake } from '../fakes/payu.js';
import { startPostfinanceFake, type PostfinanceFake } from '../fakes/postfinance.js';
import type { TestOrder } from './events.js';
import { post, type Harness } from './harness.js';

export type GatewayName = 'payu' | 'paypal' | 'postfinance';

/** How a buyer, the provider and its notifications act in each scenario; each returns our webhook's HTTP status. */
export interface Gateway {
  name: GatewayName;
  /** What the buyer buys: PostFinance takes CHF, the others the catalog's PLN. */
  slug: string;
  pays(o: TestOrder): Promise<number>;
  declines(o: TestOrder): Promise<number>;
  startsSettling(o: TestOrder): Promise<number>;
  settles(o: TestOrder): Promise<number>;
  failsSettling(o: TestOrder): Promise<number>;
  /** The decisive notification of `pays` delivered again. */
  redelivers(o: TestOrder): Promise<number>;
  /** After the payment: a notification saying less than that (PENDING after COMPLETED). */
  sendsStale(o: TestOrder): Promise<number>;
  /** A notification signed with the wrong key. */
  sendsForged(o: TestOrder): Promise<number>;
  /** Every refund request we sent the provider, by its idempotency field. */
  refundKeys(): string[];
  failNextRefund(): void;
}

/** A package the tests can buy in CHF (the seed catalog is in PLN); created once, idempotently. */
export async function ensureChfPackage(sql: Sql): Promise<string> {
  await sql`INSERT INTO packages (slug, title, description, category, price_amount, currency)
            VALUES ('swiss-automation', 'Swiss automation starter', 'A CHF package for PostFinance tests', 'automation', 4900, 'CHF')
            ON CONFLICT (slug) DO NOTHING`;
  return 'swiss-automation';
}

export interface Gateways {
  env: Record<string, string>;
  payu: PayuFake;
  paypal: PaypalFake;
  postfinance: PostfinanceFake;
  /** Points the fakes that post to one URL (PayPal, PostFinance) at the harness; PayU takes notifyUrl per order. */
  connect(h: Harness): void;
  all: Gateway[];
  close(): Promise<void>;
}

export async function startGateways(): Promise<Gateways> {
  const [payu, paypal, postfinance] = await Promise.all([startPayuFake(), startPaypalFake(), startPostfinanceFake()]);
  const env = {
    PAYU_API_URL: payu.settings.apiUrl,
    PAYU_POS_ID: payu.settings.posId,
    PAYU_CLIENT_ID: payu.settings.clientId,
    PAYU_CLIENT_SECRET: payu.settings.clientSecret,
    PAYU_SECOND_KEY: payu.settings.secondKey,
    PAYPAL_API_URL: paypal.url,
    PAYPAL_CLIENT_ID: paypal.clientId,
    PAYPAL_CLIENT_SECRET: paypal.clientSecret,
    PAYPAL_WEBHOOK_ID: paypal.webhookId,
    PAYPAL_WEBHOOK_CERT_HOSTS: '127.0.0.1',
    POSTFINANCE_API_URL: postfinance.settings.apiUrl,
    POSTFINANCE_SPACE_ID: String(postfinance.settings.spaceId),
    POSTFINANCE_USER_ID: String(postfinance.settings.userId),
    POSTFINANCE_AUTH_KEY: postfinance.settings.authKey,
  };
  const payuId = (o: TestOrder) => payu.orderFor(o.orderId)!.orderId;
  const capture = (o: TestOrder) => [...paypal.ledger.captures.values()].find((c) => c.orderId === o.sessionId)!;
  const pfId = (o: TestOrder) => Number(o.sessionId);
  let hookUrl = '';
  const approvals = new Map<string, string>();
  const gateways: Gateway[] = [
    {
      name: 'payu',
      slug: 'biuro-autopilot',
      pays: async (o) => (payu.pay(payuId(o)), payu.notify(payuId(o))),
      declines: async (o) => (payu.decline(payuId(o)), payu.notify(payuId(o))),
      startsSettling: async (o) => (payu.pending(payuId(o)), payu.notify(payuId(o))),
      settles: async (o) => (payu.pay(payuId(o)), payu.notify(payuId(o), { algorithm: 'SHA-256' })),
      redelivers: (o) => payu.notify(payuId(o)),
      failsSettling: async (o) => (payu.decline(payuId(o)), payu.notify(payuId(o))),
      sendsStale: async (o) => (payu.pending(payuId(o)), payu.notify(payuId(o))),
      sendsForged: async (o) => {
        const body = JSON.stringify({ order: { orderId: payuId(o), extOrderId: o.orderId, status: 'COMPLETED', totalAmount: String(o.total.amount), currencyCode: 'PLN' } });
        return (await post(`${hookUrl}/payu`, body, { 'OpenPayu-Signature': signPayuBody(body, 'not-the-second-key') })).status;
      },
      refundKeys: () => payu.requests.filter((r) => r.method === 'POST' && /\/refunds?$/.test(r.path)).map((r) => JSON.parse(r.body).refund.extRefundId as string),
      failNextRefund: () => payu.failNextRefund(),
    },
    {
      name: 'paypal',
      slug: 'biuro-autopilot',
      pays: async (o) => {
        const delivery = (await paypal.approve(o.sessionId))!;
        approvals.set(o.orderId, delivery.eventId);
        return delivery.status;
      },
      redelivers: async (o) => (await paypal.resend(approvals.get(o.orderId)!)).status,
      declines: async (o) => (paypal.setNextCaptureStatus('DECLINED'), (await paypal.approve(o.sessionId))!.status),
      startsSettling: async (o) => (paypal.setNextCaptureStatus('PENDING'), (await paypal.approve(o.sessionId))!.status),
      settles: async (o) => (await paypal.completePendingCapture(capture(o).id, 'COMPLETED')).status,
      failsSettling: async (o) => (await paypal.completePendingCapture(capture(o).id, 'DECLINED')).status,
      sendsStale: async (o) => (await paypal.sendCapturePending(capture(o).id)).status,
      sendsForged: async (o) => {
        const body = JSON.stringify({ id: `WH-${o.orderId}`, event_type: 'PAYMENT.CAPTURE.COMPLETED', resource_type: 'capture', resource: { id: 'CAP-forged', status: 'COMPLETED' } });
        const headers = paypal.sign(body);
        return (await paypal.post(body.replace('COMPLETED"}', 'COMPLETED" }'), headers)).status;
      },
      refundKeys: () => paypal.requests.filter((r) => r.method === 'POST' && /\/refund$/.test(r.path)).map((r) => String(r.headers['paypal-request-id'])),
      failNextRefund: () => paypal.setNextRefundStatus('FAILED'),
    },
    {
      name: 'postfinance',
      slug: 'swiss-automation',
      pays: (o) => postfinance.fulfill(pfId(o)),
      declines: (o) => postfinance.decline(pfId(o)),
      startsSettling: (o) => postfinance.processing(pfId(o)),
      settles: (o) => postfinance.fulfill(pfId(o)),
      redelivers: (o) => postfinance.notifyTransaction(pfId(o)),
      failsSettling: (o) => postfinance.fail(pfId(o)),
      sendsStale: (o) => postfinance.processing(pfId(o)),
      sendsForged: async (o) => {
        const body = JSON.stringify({ entityId: pfId(o), eventId: 99, listenerEntityTechnicalName: 'Transaction', spaceId: postfinance.settings.spaceId, state: 'FULFILL' });
        return postfinance.postWebhook(body, { 'x-signature': postfinance.sign(`${body} `) });
      },
      refundKeys: () => postfinance.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/payment/refunds')).map((r) => r.json.externalId as string),
      failNextRefund: () => postfinance.setNextRefundState('FAILED'),
    },
  ];
  return {
    env,
    payu,
    paypal,
    postfinance,
    all: gateways,
    connect(h) {
      hookUrl = `${h.baseUrl}/api/v1/webhooks`;
      paypal.setWebhookUrl(`${hookUrl}/paypal`);
      postfinance.setWebhookUrl(`${hookUrl}/postfinance`);
    },
    close: async () => void (await Promise.all([payu.close(), paypal.close(), postfinance.close()])),
  };
}
