// PostFinance webhooks: ECDSA signature over the raw body with a key fetched by id, then the entity read from the API.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { DomainError } from '../domain/errors.js';
import { fromMajorUnits } from '../domain/money.js';
import { PostfinanceApiError, type PostfinanceCall } from './postfinanceApi.js';
import { amountOf, orderIdOf, paymentKind, reasonText, refundSchema, refundStatus, transactionSchema } from './postfinanceSchemas.js';
import { WebhookSignatureError, type HeaderLookup, type VerifiedWebhook } from './provider.js';

export const POSTFINANCE_SIGNATURE_HEADER = 'x-signature';
const ALGORITHM = 'SHA256withECDSA';

/** The listener's notice: which entity changed. It carries no order data; `state` only when the listener signs payloads. */
const webhookBody = z.object({
  entityId: z.number().int(),
  eventId: z.number().int(),
  listenerEntityId: z.number().int().optional(),
  listenerEntityTechnicalName: z.string().min(1),
  spaceId: z.number().int(),
  state: z.string().optional(),
  timestamp: z.string().optional(),
  webhookListenerId: z.number().int().optional(),
});
type WebhookBody = z.infer<typeof webhookBody>;

/** The key as base64 SPKI DER: text/plain or a JSON string in v2.0 (5.x SDK); API v1 wrapped it as {id, publicKey}. */
const encodedKey = z.union([z.string().min(1), z.object({ publicKey: z.string().min(1) }).transform((k) => k.publicKey)]);

/** `algorithm=SHA256withECDSA, keyId=<id>, signature=<base64 DER>`; the key id goes into a URL path, so it is checked. */
export function parseSignatureHeader(header: string | undefined): { keyId: string; signature: Buffer } {
  if (!header) throw new WebhookSignatureError('missing X-Signature header');
  const parts = new Map(header.split(',').map((p) => p.trim()).map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] as const));
  const keyId = parts.get('keyId');
  const signature = parts.get('signature');
  if (parts.get('algorithm') !== ALGORITHM) throw new WebhookSignatureError(`unsupported algorithm in X-Signature (expected ${ALGORITHM})`);
  if (!keyId || !/^[A-Za-z0-9-]+$/.test(keyId)) throw new WebhookSignatureError('malformed keyId in X-Signature');
  if (!signature || !/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) throw new WebhookSignatureError('malformed signature in X-Signature');
  return { keyId, signature: Buffer.from(signature, 'base64') };
}

export function createPostfinanceWebhookVerifier(spaceId: number, call: PostfinanceCall) {
  // Keys are immutable per id, so a key once fetched is kept for the life of the process.
  const keys = new Map<string, KeyObject>();

  async function publicKey(keyId: string): Promise<KeyObject> {
    const cached = keys.get(keyId);
    if (cached) return cached;
    let encoded: unknown;
    try {
      encoded = await call('GET', `/webhooks/encryption-keys/${keyId}`, { text: true });
    } catch (err) {
      // An id PostFinance does not know is a forgery; an outage is not, and the sender retries after our 5xx.
      if (err instanceof PostfinanceApiError && err.isRefusal) throw new WebhookSignatureError(`unknown signing key ${keyId}`);
      throw err;
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(encodedKey.parse(encoded), 'base64'), format: 'der', type: 'spki' });
    } catch {
      throw new Error(`PostFinance served an unreadable public key for ${keyId}`);
    }
    keys.set(keyId, key);
    return key;
  }

  return async function verifyWebhook(rawBody: string, header: HeaderLookup): Promise<VerifiedWebhook> {
    const { keyId, signature } = parseSignatureHeader(header(POSTFINANCE_SIGNATURE_HEADER));
    const key = await publicKey(keyId);
    if (!verify('sha256', Buffer.from(rawBody, 'utf8'), key, signature)) throw new WebhookSignatureError('signature mismatch');
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw new DomainError('invalid_payload', 'The webhook body is not JSON.', 'bad_request');
    }
    const parsed = webhookBody.safeParse(json);
    if (!parsed.success) throw new DomainError('invalid_payload', 'The webhook body is not a PostFinance webhook.', 'bad_request', parsed.error.issues);
    const body = parsed.data;
    const recordOnly = { eventId: `${body.listenerEntityTechnicalName}:${body.entityId}:${body.eventId}`, eventType: `${body.listenerEntityTechnicalName}${body.state ? `.${body.state}` : ''}` };
    // Another space's listener pointed at us: nothing of ours to read.
    if (body.spaceId !== spaceId) return recordOnly;
    if (body.listenerEntityTechnicalName === 'Transaction') return transactionWebhook(call, body);
    if (body.listenerEntityTechnicalName === 'Refund') return refundWebhook(call, body);
    return recordOnly;
  };
}

/** The state is taken from the transaction as read now, not from the notice: deliveries can arrive out of order. */
async function transactionWebhook(call: PostfinanceCall, body: WebhookBody): Promise<VerifiedWebhook> {
  const tx = transactionSchema.parse(await call('GET', `/payment/transactions/${body.entityId}`));
  // One id per transaction and state: a redelivery dedupes, a later state is a new event.
  const eventId = `transaction:${tx.id}:${tx.state}`;
  const base = { eventId, eventType: `transaction.${tx.state}` };
  const orderId = orderIdOf(tx);
  const kind = paymentKind(tx.state);
  if (!orderId) return base;
  if (!kind) return { ...base, orderId };
  const id = String(tx.id);
  return { ...base, orderId, event: { provider: 'postfinance', eventId, kind, orderId, sessionId: id, paymentId: id, amount: amountOf(tx) } };
}

async function refundWebhook(call: PostfinanceCall, body: WebhookBody): Promise<VerifiedWebhook> {
  const refund = refundSchema.parse(await call('GET', `/payment/refunds/${body.entityId}`));
  // The refund names its transaction by id only (collapsed); the order and the currency live on the transaction.
  const tx = transactionSchema.parse(await call('GET', `/payment/transactions/${refund.transaction.id}`));
  const orderId = orderIdOf(tx);
  const reason = reasonText(refund.failureReason);
  return {
    eventId: `refund:${refund.id}:${refund.state}`,
    eventType: `refund.${refund.state}`,
    orderId,
    refundUpdate: {
      providerRefundId: String(refund.id),
      ...(refund.externalId ? { ourKey: refund.externalId } : {}),
      status: refundStatus(refund.state),
      ...(reason ? { reason } : {}),
      orderId,
      paymentId: String(tx.id),
      amount: fromMajorUnits(refund.amount, tx.currency),
    },
  };
}
