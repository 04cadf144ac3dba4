// The Prometheus metrics of one process (prom-client): one registry per process, handed to the API and the activities.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Outcomes of a webhook request: the ones the handler answers with, plus refused (bad signature) and failed (5xx). */
export type WebhookOutcome = 'queued' | 'stale' | 'duplicate' | 'ignored' | 'unmatched' | 'refused' | 'failed';
/** What the relay made of one delivery attempt: handed to a workflow (or found nothing to do), or retried later. */
export type RelayOutcome = 'signalled' | 'refund_started' | 'refund_updated' | 'dispute_won' | 'ignored' | 'retry';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  webhooks: Counter<'provider' | 'outcome'>;
  ordersCreated: Counter<'provider'>;
  orderStatus: Counter<'status'>;
  checkoutToFulfilled: Histogram<never>;
  refunds: Counter<'source' | 'status'>;
  emails: Counter<'kind' | 'result'>;
  heldOrders: Gauge<never>;
  relayDeliveries: Counter<'outcome'>;
}

export interface MetricsOptions {
  /** Counts HELD orders when scraped; only processes with a database connection report the gauge's value. */
  countHeldOrders?: () => Promise<number>;
  /** Process metrics (CPU, memory, event loop); tests leave them out. */
  defaults?: boolean;
  /** Reads the webhook events still waiting for the relay when scraped (processes with a database connection). */
  undeliveredWebhooks?: () => Promise<{ count: number; oldestAgeSeconds: number }>;
}

// A paid order is usually fulfilled in seconds; the slow tail is the buyer at the provider's page (minutes to hours).
const LATENCY_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaults !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const countHeld = options.countHeldOrders;
  const undelivered = options.undeliveredWebhooks;
  const metrics: Metrics = {
    registry,
    httpDuration: new Histogram({
      name: 'checkout_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern (never the raw path) and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    webhooks: new Counter({ name: 'checkout_webhooks_total', help: 'Provider webhooks by provider and outcome (refused: bad signature; failed: answered 5xx)', labelNames: ['provider', 'outcome'], registers }),
    ordersCreated: new Counter({ name: 'checkout_orders_created_total', help: 'Orders created at checkout, by payment provider', labelNames: ['provider'], registers }),
    orderStatus: new Counter({ name: 'checkout_order_status_total', help: 'Orders entering each status (FULFILLED, EXPIRED, HELD, REFUNDED...)', labelNames: ['status'], registers }),
    checkoutToFulfilled: new Histogram({ name: 'checkout_to_fulfilled_seconds', help: 'From the order being created at checkout to it being fulfilled', buckets: LATENCY_BUCKETS, registers }),
    refunds: new Counter({ name: 'checkout_refunds_total', help: 'Refund answers by source (operator, provider, compensation...) and status', labelNames: ['source', 'status'], registers }),
    emails: new Counter({ name: 'checkout_emails_total', help: 'Order emails by kind and result (sent, failed)', labelNames: ['kind', 'result'], registers }),
    heldOrders: new Gauge({
      name: 'checkout_held_orders',
      help: 'Orders waiting for an operator (status HELD), counted in the database when scraped',
      registers: countHeld ? registers : [],
      async collect() {
        // A scrape during a database outage keeps the last value rather than failing the whole scrape.
        const held = await countHeld?.().catch(() => undefined);
        if (held !== undefined) this.set(held);
      },
    }),
    relayDeliveries: new Counter({ name: 'checkout_webhook_deliveries_total', help: 'Recorded webhook events the relay handed to a workflow, by outcome (retry: not delivered this time)', labelNames: ['outcome'], registers }),
  };
  if (undelivered) {
    // One read serves both gauges: a scrape collects them together (prom-client awaits every metric at once), so the
    // second shares the first one's query. A database outage keeps the last values rather than failing the scrape.
    let reading: ReturnType<typeof undelivered> | undefined;
    const read = () => (reading ??= undelivered().finally(() => (reading = undefined)));
    const gauge = (name: string, help: string, pick: (s: { count: number; oldestAgeSeconds: number }) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const now = await read().catch(() => undefined);
          if (now) this.set(pick(now));
        },
      });
    gauge('checkout_webhooks_undelivered', 'Recorded webhook events not yet handed to their workflow, counted in the database when scraped', (s) => s.count);
    gauge('checkout_webhook_oldest_undelivered_seconds', 'Age of the oldest recorded webhook event not yet handed to its workflow (0 when none waits)', (s) => s.oldestAgeSeconds);
  }
  return metrics;
}
