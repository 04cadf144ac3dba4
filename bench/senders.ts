// What the bench's buyers and the provider send: a checkout per new buyer, a signed payment webhook per opened order.
import { SANDBOX_SIGNATURE_HEADER, signSandboxPayload, type SandboxEvent } from '../src/payments/sandbox.js';

export interface Payable {
  orderId: string;
  sessionId: string;
  total: { amount: number; currency: string };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

async function post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}

const unexpected = (answer: { status: number; body: unknown }, wanted: string) => new Error(`HTTP ${answer.status} (expected ${wanted}): ${JSON.stringify(answer.body).slice(0, 120)}`);

/** A new buyer and Idempotency-Key each, so every request opens a new order and workflow. Resolves with the order id. */
export function checkoutSender(baseUrl: string, packageId: string, tag: string) {
  return async (i: number, signal: AbortSignal): Promise<string> => {
    const body = JSON.stringify({ packageIds: [packageId], email: `bench-${tag}-${i}@example.com`, name: 'Bench Buyer', provider: 'sandbox', locale: 'pl' });
    const answer = await post(`${baseUrl}/api/v1/checkout`, body, { 'idempotency-key': `bench-${tag}-${i}` }, signal);
    if (answer.status !== 201 || !isRecord(answer.body) || typeof answer.body.orderId !== 'string') throw unexpected(answer, '201 with an orderId');
    return answer.body.orderId;
  };
}

/** What the provider sends for a paid session, signed just before sending (the signature's timestamp has a tolerance). */
export function webhookSender(url: string, secret: string, orders: readonly Payable[], tag: string) {
  return async (i: number, signal: AbortSignal): Promise<{ orderId: string; ackedAt: number }> => {
    const order = orders[i]!;
    const event: SandboxEvent = {
      id: `evt_bench_${tag}_${order.orderId}`,
      type: 'payment.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: { sessionId: order.sessionId, orderId: order.orderId, amount: order.total.amount, currency: order.total.currency, paymentId: `pay_bench_${order.orderId}` },
    };
    const body = JSON.stringify(event);
    const answer = await post(url, body, { [SANDBOX_SIGNATURE_HEADER]: signSandboxPayload(body, secret) }, signal);
    // Any 2xx is an acknowledgement: a relay may answer 202 once the event is recorded.
    if (answer.status < 200 || answer.status > 299) throw unexpected(answer, '2xx');
    return { orderId: order.orderId, ackedAt: Date.now() };
  };
}
