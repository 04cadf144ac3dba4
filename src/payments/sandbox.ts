// The sandbox provider: a hosted payment page served by our own API that sends signed webhooks, for development and demos.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../db/client.js';
import { expireSandboxSession, getSandboxSession, openSandboxSession, recordSandboxRefund } from '../db/sandboxSessions.js';
import { DomainError } from '../domain/errors.js';
import { WEBHOOK_TOLERANCE_SECONDS, WebhookSignatureError, type CreateSessionInput, type HeaderLookup, type PaymentProvider, type RefundInput, type VerifiedWebhook } from './provider.js';

export const SANDBOX_SIGNATURE_HEADER = 'sandbox-signature';

export const sandboxEventSchema = z.object({
  id: z.string().min(1),
  type: z.enum(['payment.succeeded', 'payment.failed', 'session.expired']),
  created: z.number().int(),
  data: z.object({
    sessionId: z.string(),
    orderId: z.string().uuid(),
    amount: z.number().int().nonnegative(),
    currency: z.string().length(3),
    paymentId: z.string().optional(),
  }),
});
export type SandboxEvent = z.infer<typeof sandboxEventSchema>;

const KIND = { 'payment.succeeded': 'succeeded', 'payment.failed': 'failed', 'session.expired': 'expired' } as const;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, the same scheme Stripe uses, with the sandbox's own secret. */
export function signSandboxPayload(body: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${nowSeconds}.${body}`).digest('hex');
  return `t=${nowSeconds},v1=${mac}`;
}

export function verifySandboxSignature(body: string, header: string | undefined, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): void {
  if (!header) throw new WebhookSignatureError(`missing ${SANDBOX_SIGNATURE_HEADER} header`);
  const parts = new Map(header.split(',').map((kv) => kv.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(t) || !given) throw new WebhookSignatureError('malformed signature header');
  if (Math.abs(nowSeconds - t) > WEBHOOK_TOLERANCE_SECONDS) throw new WebhookSignatureError('timestamp outside the tolerance');
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new WebhookSignatureError('signature mismatch');
}

export function createSandboxProvider(sql: Sql, settings: { webhookSecret: string; publicUrl: string }): PaymentProvider {
  return {
    name: 'sandbox',

    async createSession(input: CreateSessionInput) {
      // Derived from the idempotency key, so a retried call finds the session it already made.
      const id = `sbx_${createHash('sha256').update(input.idempotencyKey).digest('hex').slice(0, 24)}`;
      await openSandboxSession(sql, {
        id,
        orderId: input.orderId,
        orderNumber: input.orderNumber,
        amount: input.total.amount,
        currency: input.total.currency,
        description: input.lines.map((l) => l.title).join(', '),
        successUrl: input.successUrl,
        cancelUrl: input.cancelUrl,
        expiresAt: input.expiresAt,
      });
      return { sessionId: id, url: `${settings.publicUrl}/sandbox/pay/${id}` };
    },

    async expireSession(sessionId: string) {
      await expireSandboxSession(sql, sessionId);
    },

    async verifyWebhook(rawBody: string, header: HeaderLookup): Promise<VerifiedWebhook> {
      verifySandboxSignature(rawBody, header(SANDBOX_SIGNATURE_HEADER), settings.webhookSecret);
      let json: unknown;
      try {
        json = JSON.parse(rawBody);
      } catch {
        throw new DomainError('invalid_payload', 'The webhook body is not JSON.', 'bad_request');
      }
      const parsed = sandboxEventSchema.safeParse(json);
      if (!parsed.success) throw new DomainError('invalid_payload', 'The webhook body is not a sandbox event.', 'bad_request', parsed.error.issues);
      const e = parsed.data;
      return {
        eventId: e.id,
        eventType: e.type,
        orderId: e.data.orderId,
        event: {
          provider: 'sandbox',
          eventId: e.id,
          kind: KIND[e.type],
          orderId: e.data.orderId,
          sessionId: e.data.sessionId,
          paymentId: e.data.paymentId,
          amount: { amount: e.data.amount, currency: e.data.currency.toUpperCase() },
        },
      };
    },

    async refund(input: RefundInput) {
      const id = `sbx_re_${randomBytes(8).toString('hex')}`;
      const refundId = await recordSandboxRefund(sql, { id, sessionId: input.sessionId, idempotencyKey: input.idempotencyKey, amount: input.amount.amount });
      return { refundId, status: 'succeeded' as const };
    },

    async retrieveSession(sessionId: string) {
      const row = await getSandboxSession(sql, sessionId);
      if (!row) throw new Error(`sandbox session ${sessionId} does not exist`);
      if (row.status === 'paid') return { state: 'paid' as const, paymentId: row.paymentId ?? undefined, amount: { amount: row.amount, currency: row.currency.trim() } };
      if (row.status === 'declined') return { state: 'failed' as const };
      return { state: row.status === 'expired' ? ('expired' as const) : ('open' as const) };
    },
  };
}
