// The webhook relay: hands recorded provider events to their workflows, woken by NOTIFY and sweeping as a fallback.
// It runs in every worker process (and in `npm start`), off the API's event loop (docs/decisions.md, "Webhook relay").
import { claimUndelivered, markDelivered, markRetry, type ClaimedEvent } from '../db/webhookEvents.js';
import type { PaymentEvent, ProviderName } from '../domain/orders.js';
import type { Logger } from '../log.js';
import type { RelayOutcome } from '../observability/metrics.js';
import type { RefundNotice, RefundUpdate } from '../payments/provider.js';
import type { ApiDeps, DeliveryDeps } from './deps.js';
import { deliverDisputeWon, deliverPayment, deliverProviderRefund, deliverRefundUpdate } from './delivery.js';
import { ServiceUnavailable } from './errors.js';

/** What the webhook route stores for the relay (webhook_events.delivery): the verified event and the order it matched. */
export type Delivery = { orderId: string } & ({ event: PaymentEvent } | { refund: RefundNotice } | { refundUpdate: RefundUpdate });

/** The relay's parts: the database, a Temporal client, and where it logs and counts. */
export type RelayDeps = DeliveryDeps & Pick<ApiDeps, 'log' | 'metrics'>;

export interface RelaySettings {
  /** How often it looks for due events without being notified (missed notifications, retries that came due). */
  sweepMs: number;
  /** The longest wait between two tries of one event; the wait doubles from RETRY_BASE_MS up to it. */
  retryMaxMs: number;
  /** Events handed over together, each in parallel, under one transaction's row locks. */
  batch?: number;
  /** Passes that may run at once, each with its own transaction and rows: a slow hand-over holds up only its own batch. */
  passes?: number;
  /** A Temporal call that has not answered by then counts as failed, so a row lock is never held for long. */
  deliveryTimeoutMs?: number;
}

export interface WebhookRelay {
  /** Runs a pass now (or right after the running one). */
  wake(): void;
  /** Stops waking, finishes the pass under way (its deliveries are recorded), and stops listening. */
  stop(): Promise<void>;
}

const CHANNEL = 'webhook_relay';
const RETRY_BASE_MS = 1000;
/** Outcomes that reached a workflow: the row's delivered_at is stamped. */
const REACHED_WORKFLOW: readonly RelayOutcome[] = ['signalled', 'refund_started', 'refund_updated', 'dispute_won'];

export async function startWebhookRelay(deps: RelayDeps, settings: RelaySettings): Promise<WebhookRelay> {
  const batch = settings.batch ?? 32;
  const lanes = settings.passes ?? 4;
  const log = deps.log.child({ component: 'webhook-relay' });
  let stopped = false;
  // Wakes that found every lane busy: one lane runs one more pass for them all.
  let again = false;
  const running = new Set<Promise<void>>();
  const passes = async () => {
    do {
      again = false;
      const claimed = await relayPass(deps, log, settings, batch).catch((err: unknown) => {
        // The database is away: the sweep tries again; nothing was marked, so nothing is lost.
        log.warn({ err }, 'webhook relay pass failed');
        return 0;
      });
      // A full batch means more may be waiting: go on without waiting for the sweep, and open another lane for it.
      if (claimed === batch) {
        again = true;
        wake();
      }
    } while (again && !stopped);
  };
  function wake(): void {
    if (stopped) return;
    if (running.size >= lanes) {
      again = true;
      return;
    }
    const lane: Promise<void> = passes().finally(() => running.delete(lane));
    running.add(lane);
  }
  const sweep = setInterval(wake, settings.sweepMs);
  // postgres.js keeps one connection for LISTEN and re-listens after losing it; onlisten (each time) sweeps what
  // was recorded while it was not listening.
  const listening = await deps.sql.listen(CHANNEL, (queue) => queue === deps.taskQueue && wake(), wake).catch((err: unknown) => {
    log.warn({ err }, 'webhook relay could not LISTEN; it relies on its sweep');
    return undefined;
  });
  wake();
  return {
    wake,
    async stop() {
      stopped = true;
      clearInterval(sweep);
      await Promise.all(running);
      await listening?.unlisten().catch(() => undefined);
    },
  };
}

/** Claims due events, hands each to its workflow, and records what became of it; returns how many it claimed. */
async function relayPass(deps: RelayDeps, log: Logger, settings: RelaySettings, batch: number): Promise<number> {
  const timeoutMs = settings.deliveryTimeoutMs ?? 10_000;
  return deps.sql.begin(async (tx) => {
    const claimed = await claimUndelivered(tx, deps.taskQueue, batch);
    await Promise.all(
      claimed.map(async (row) => {
        let outcome: RelayOutcome;
        try {
          outcome = await deps.temporal.connection.withDeadline(Date.now() + timeoutMs, () => deliver(deps, row));
        } catch (err) {
          const retryInMs = Math.min(settings.retryMaxMs, RETRY_BASE_MS * 2 ** Math.min(row.attempts, 20));
          log.warn({ err, provider: row.provider, eventId: row.eventId, attempts: row.attempts + 1, retryInMs }, 'webhook event not delivered; the relay tries again');
          deps.metrics.relayDeliveries.inc({ outcome: 'retry' });
          await markRetry(tx, row.id, errorCode(err), retryInMs);
          return;
        }
        deps.metrics.relayDeliveries.inc({ outcome });
        await markDelivered(tx, row.id, outcome, REACHED_WORKFLOW.includes(outcome));
      }),
    );
    return claimed.length;
  });
}

/** The same hand-over the request made before the relay existed; workflows ignore repeats, so at least once is enough. */
async function deliver(deps: RelayDeps, row: ClaimedEvent): Promise<RelayOutcome> {
  // Written by the webhook route (src/api/webhooks.ts) from a verified event: our own shape, not outside input.
  const d = row.delivery as Delivery;
  const provider = row.provider as ProviderName;
  if ('event' in d) {
    await deliverPayment(deps, d.event);
    return 'signalled';
  }
  if ('refundUpdate' in d) return deliverRefundUpdate(deps, provider, d.orderId, d.refundUpdate);
  if (d.refund.kind === 'dispute_won') {
    await deliverDisputeWon(deps, d.orderId, d.refund);
    return 'dispute_won';
  }
  await deliverProviderRefund(deps, provider, d.orderId, d.refund);
  return 'refund_started';
}

/** What operators see as the last error: a stable code where we have one (refund_not_matched_yet), else the error's name. */
function errorCode(err: unknown): string {
  if (err instanceof ServiceUnavailable) return err.code;
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 300);
  return String(err).slice(0, 300);
}
