// Buyers and a payment provider against the API: checkouts retried until answered, every webhook sent several times, shuffled.
import type { Sql } from '../../src/db/client.js';
import { settleSandboxSession } from '../../src/db/sandboxSessions.js';
import { SANDBOX_SIGNATURE_HEADER, signSandboxPayload, type SandboxEvent } from '../../src/payments/sandbox.js';
import type { HttpLog } from './http.js';
import type { PlannedOrder, Random } from './plan.js';

export interface TrafficOptions {
  baseUrl: string;
  sandboxSecret: string;
  probe: Sql;
  http: HttpLog;
  random: Random;
  /** Orders start evenly over this window, so the faults land among them. */
  windowMs: number;
  copies: number;
  /** Webhook deliveries in flight at once. */
  concurrency: number;
  /** After this, nothing is retried: whatever is left is reported undone. */
  giveUpAt: number;
}

export interface OrderResult {
  order: PlannedOrder;
  checkout?: { status: number; attempts: number; body: unknown };
  /** Event ids this order's provider sent, and how many of their deliveries got a 2xx. */
  events: Array<{ eventId: string; acked: number; sent: number }>;
}

interface Delivery {
  result: OrderResult['events'][number];
  body: string;
  attempt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** As providers do: quick at first, then further apart (Stripe backs off over days; this run has minutes). */
const backoffMs = (attempt: number) => Math.min(15_000, 1000 * 2 ** Math.min(attempt, 4));

/** Retries what a buyer's browser would: no answer and 5xx. A 4xx is the answer (and a failed check). */
async function checkout(o: TrafficOptions, order: PlannedOrder): Promise<NonNullable<OrderResult['checkout']>> {
  const body = JSON.stringify({ packageIds: order.packageIds, email: order.email, name: 'Chaos Buyer', provider: 'sandbox', locale: 'pl' });
  for (let attempt = 1; ; attempt++) {
    const answer = await o.http.send('checkout', `${o.baseUrl}/api/v1/checkout`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': order.key }, body });
    if (answer && answer.status < 500) return { status: answer.status, attempts: attempt, body: answer.body };
    if (Date.now() > o.giveUpAt) return { status: answer?.status ?? 0, attempts: attempt, body: answer?.body };
    await sleep(backoffMs(attempt));
  }
}

/** The provider's own books first (what reconciliation would read), then its webhook; it retries its own database too. */
async function settleAtProvider(o: TrafficOptions, sessionId: string, order: PlannedOrder, paymentId: string | null): Promise<void> {
  for (let attempt = 1; Date.now() < o.giveUpAt; attempt++) {
    try {
      await settleSandboxSession(o.probe, sessionId, order.outcome === 'pay' ? 'paid' : 'declined', paymentId);
      return;
    } catch {
      await sleep(backoffMs(attempt));
    }
  }
}

function paymentEvent(order: PlannedOrder, sessionId: string, total: { amount: number; currency: string }): SandboxEvent {
  const paid = order.outcome === 'pay';
  return {
    id: `evt_${sessionId}_${paid ? 'paid' : 'declined'}`,
    type: paid ? 'payment.succeeded' : 'payment.failed',
    created: Math.floor(Date.now() / 1000),
    data: { sessionId, orderId: order.orderId, amount: total.amount, currency: total.currency, ...(paid ? { paymentId: `pay_${order.key}` } : {}) },
  };
}

/** A pool of deliveries taken in random order by a few lanes; a non-2xx goes back in after the provider's backoff. */
class Deliveries {
  private readonly queue: Delivery[] = [];
  private inFlight = 0;
  private producing = true;

  constructor(private readonly o: TrafficOptions) {}

  add(d: Delivery): void {
    this.queue.splice(Math.floor(this.o.random() * (this.queue.length + 1)), 0, d);
  }

  done(): void {
    this.producing = false;
  }

  async lane(): Promise<void> {
    while (this.producing || this.queue.length > 0 || this.inFlight > 0) {
      const d = this.queue.shift();
      if (!d) {
        await sleep(50);
        continue;
      }
      this.inFlight++;
      try {
        await this.deliver(d);
      } finally {
        this.inFlight--;
      }
    }
  }

  private async deliver(d: Delivery): Promise<void> {
    d.result.sent++;
    // Signed when sent: the signature's timestamp must be within the tolerance when it arrives.
    const headers = { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signSandboxPayload(d.body, this.o.sandboxSecret) };
    const answer = await this.o.http.send('webhook', `${this.o.baseUrl}/api/v1/webhooks/sandbox`, { method: 'POST', headers, body: d.body });
    if (answer && answer.status >= 200 && answer.status < 300) {
      d.result.acked++;
      return;
    }
    if (Date.now() > this.o.giveUpAt) return;
    const retry = { ...d, attempt: d.attempt + 1 };
    this.inFlight++;
    void sleep(backoffMs(d.attempt)).then(() => {
      this.inFlight--;
      this.add(retry);
    });
  }
}

interface CheckoutAnswer {
  paymentUrl: string;
  total: { amount: number; currency: string };
}

/** The buyer checks out; the provider settles the session and sends its webhook `copies` times into the shuffled pool. */
async function buy(o: TrafficOptions, order: PlannedOrder, deliveries: Deliveries): Promise<OrderResult> {
  const result: OrderResult = { order, events: [] };
  result.checkout = await checkout(o, order);
  if (result.checkout.status !== 201) return result;
  const { paymentUrl, total } = result.checkout.body as CheckoutAnswer;
  const sessionId = new URL(paymentUrl).pathname.split('/').pop()!;
  const event = paymentEvent(order, sessionId, total);
  await settleAtProvider(o, sessionId, order, event.data.paymentId ?? null);
  const sent = { eventId: event.id, acked: 0, sent: 0 };
  result.events.push(sent);
  const body = JSON.stringify(event);
  for (let copy = 0; copy < o.copies; copy++) deliveries.add({ result: sent, body, attempt: 0 });
  return result;
}

export async function runTraffic(o: TrafficOptions, orders: PlannedOrder[], onProgress: (line: string) => void): Promise<OrderResult[]> {
  const deliveries = new Deliveries(o);
  const lanes = Array.from({ length: o.concurrency }, () => deliveries.lane());
  const started = Date.now();
  const spacing = o.windowMs / Math.max(1, orders.length);
  let answered = 0;
  const results = await Promise.all(
    orders.map(async (order, i) => {
      await sleep(i * spacing);
      const result = await buy(o, order, deliveries);
      if (++answered % 50 === 0) onProgress(`${answered}/${orders.length} checkouts answered (${Math.round((Date.now() - started) / 1000)} s)`);
      return result;
    }),
  );
  deliveries.done();
  await Promise.all(lanes);
  return results;
}
