// Test helpers for the PostFinance adapter: a webhook receiver that runs verifyWebhook like our route, and inputs.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';
import { createPostfinanceProvider } from '../../src/payments/postfinance.js';
import type { CreateSessionInput, PaymentProvider, VerifiedWebhook } from '../../src/payments/provider.js';
import { startPostfinanceFake, type PostfinanceFake } from '../fakes/postfinance.js';

export const ORDER_ID = '0b7f4a52-3c1d-4e8f-9a6b-5d2c1e0f9a83';

export function sessionInput(over: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    orderId: ORDER_ID,
    orderNumber: 'ORD-20250101-ABCD',
    email: 'buyer@example.com',
    locale: 'pl',
    lines: [
      { packageId: 'pkg-ts', slug: 'typescript', title: 'TypeScript od podstaw', unitAmount: 6900, discountAmount: 0, currency: 'CHF' },
      { packageId: 'pkg-sql', slug: 'sql', title: 'SQL w praktyce', unitAmount: 1250, discountAmount: 0, currency: 'CHF' },
    ],
    total: { amount: 8150, currency: 'CHF' },
    expiresAt: new Date(Date.now() + 3_600_000),
    idempotencyKey: `session:${ORDER_ID}`,
    successUrl: `https://shop.example/orders/${ORDER_ID}`,
    cancelUrl: `https://shop.example/orders/${ORDER_ID}?cancelled=1`,
    notifyUrl: 'https://shop.example/api/v1/webhooks/postfinance',
    ...over,
  };
}

export type Received = { ok: true; hook: VerifiedWebhook } | { ok: false; error: unknown };

/** Answers like our webhook route: 200 when verified, 400 for a DomainError (bad signature or body), 500 otherwise. */
export async function startReceiver(provider: PaymentProvider) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      provider.verifyWebhook(raw, (name) => req.headers[name.toLowerCase()] as string | undefined).then(
        (hook) => {
          received.push({ ok: true, hook });
          res.writeHead(200).end();
        },
        (error: unknown) => {
          received.push({ ok: false, error });
          res.writeHead(error instanceof DomainError ? 400 : 500).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/postfinance`,
    received,
    last(): VerifiedWebhook {
      const r = received.at(-1);
      if (!r?.ok) throw new Error(`last webhook was not verified: ${String(r && (r.error as Error).message)}`);
      return r.hook;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One fake, one adapter and one receiver per test file; `openSession` gives each test its own order and transaction. */
export function usePostfinance() {
  const ctx = {} as { fake: PostfinanceFake; provider: PaymentProvider; receiver: Awaited<ReturnType<typeof startReceiver>> };
  beforeAll(async () => {
    ctx.fake = await startPostfinanceFake();
    ctx.provider = createPostfinanceProvider(ctx.fake.settings);
    ctx.receiver = await startReceiver(ctx.provider);
    ctx.fake.setWebhookUrl(ctx.receiver.url);
  });
  afterAll(async () => {
    await ctx.receiver.close();
    await ctx.fake.close();
  });
  let seq = 0;
  async function openSession(over: Partial<CreateSessionInput> = {}) {
    const orderId = `0b7f4a52-3c1d-4e8f-9a6b-${String(++seq).padStart(12, '0')}`;
    const session = await ctx.provider.createSession(sessionInput({ orderId, idempotencyKey: `session:${orderId}`, ...over }));
    return { orderId, id: Number(session.sessionId), session };
  }
  const requestsTo = (pattern: RegExp) => ctx.fake.requests.filter((r) => pattern.test(`${r.method} ${r.path}`));
  return { ctx, openSession, requestsTo };
}

export const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
