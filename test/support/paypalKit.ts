// The PayPal adapter wired to the fake PayPal, plus a webhook endpoint that runs verifyWebhook on what the fake posts.
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { CreateSessionInput, VerifiedWebhook } from '../../src/payments/provider.js';
import { createPaypalProvider, type PaypalSettings } from '../../src/payments/paypal.js';
import { startPaypalFake, type PaypalFake } from '../fakes/paypal.js';

export interface PaypalKit {
  fake: PaypalFake;
  settings: PaypalSettings;
  provider: ReturnType<typeof createPaypalProvider>;
  /** What our endpoint made of each delivery: the verified webhook, or the error it answered with. */
  received: ({ ok: true; webhook: VerifiedWebhook } | { ok: false; error: Error })[];
  /** A provider on the same fake with other settings or clock (it has its own token and certificate caches). */
  providerWith(overrides: Partial<PaypalSettings>, now?: () => number): ReturnType<typeof createPaypalProvider>;
  close(): Promise<void>;
}

export async function startPaypalKit(): Promise<PaypalKit> {
  const fake = await startPaypalFake();
  const settings: PaypalSettings = {
    apiUrl: fake.url,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    webhookId: fake.webhookId,
    certHosts: ['api.paypal.com', 'api.sandbox.paypal.com', '127.0.0.1'],
    returnUrl: 'https://shop.example/api/v1/payments/paypal/return',
  };
  const provider = createPaypalProvider(settings);
  const received: PaypalKit['received'] = [];
  const endpoint: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => {
        const v = req.headers[name.toLowerCase()];
        return Array.isArray(v) ? v[0] : v;
      };
      provider.verifyWebhook(raw, header).then(
        (webhook) => {
          received.push({ ok: true, webhook });
          res.writeHead(200).end('{}');
        },
        (error: Error) => {
          received.push({ ok: false, error });
          res.writeHead(400).end(JSON.stringify({ error: error.message }));
        },
      );
    });
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  const address = endpoint.address();
  if (!address || typeof address === 'string') throw new Error('webhook endpoint did not bind');
  fake.setWebhookUrl(`http://127.0.0.1:${address.port}/api/v1/webhooks/paypal`);
  return {
    fake,
    settings,
    provider,
    received,
    providerWith: (overrides, now) => createPaypalProvider({ ...settings, ...overrides }, { now }),
    async close() {
      endpoint.closeAllConnections();
      await new Promise<void>((resolve) => endpoint.close(() => resolve()));
      await fake.close();
    },
  };
}

export function sessionInput(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  const orderId = randomUUID();
  return {
    orderId,
    orderNumber: 'ORD-20260101-AB2C',
    email: 'buyer@example.com',
    locale: 'pl',
    lines: [
      { packageId: 'pkg-1', slug: 'one', title: 'Kurs pierwszy', unitAmount: 4900, discountAmount: 0, currency: 'PLN' },
      { packageId: 'pkg-2', slug: 'two', title: 'Kurs drugi', unitAmount: 2000, discountAmount: 0, currency: 'PLN' },
    ],
    total: { amount: 6900, currency: 'PLN' },
    expiresAt: new Date(Date.now() + 30 * 60_000),
    idempotencyKey: `checkout:${orderId}`,
    successUrl: `https://shop.example/orders/${orderId}`,
    cancelUrl: `https://shop.example/orders/${orderId}?cancelled=1`,
    notifyUrl: 'https://shop.example/api/v1/webhooks/paypal',
    ...overrides,
  };
}

/** Creates an order at the fake, approves it and captures it: the common start of refund and event tests. */
export async function paidOrder(kit: PaypalKit, input = sessionInput()) {
  const session = await kit.provider.createSession(input);
  await kit.fake.approve(session.sessionId, { webhook: false });
  const captured = await kit.provider.capture!({ orderId: input.orderId, sessionId: session.sessionId, idempotencyKey: `capture:${input.orderId}` });
  return { input, sessionId: session.sessionId, captureId: captured!.paymentId!, captured: captured! };
}
