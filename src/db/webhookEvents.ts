// Provider events, recorded once per (provider, event id), with what is still to be handed to a workflow and what became of each.
import type { Db, Sql } from './client.js';

/** A webhook_events row as stored. */
interface WebhookEventRow {
  id: string;
  provider: string;
  event_id: string;
  event_type: string;
  order_id: string | null;
  raw_body: string;
  received_at: Date;
  delivered_at: Date | null;
  outcome: string | null;
  next_attempt_at: Date | null;
  attempts: number;
  last_error: string | null;
  /** From the database's clock, like undeliveredSummary's. */
  age_seconds: number;
}

export interface WebhookEvent {
  provider: string;
  eventId: string;
  type: string;
  orderId: string | null;
  /** null while it waits for the relay. */
  outcome: string | null;
  receivedAt: string;
  deliveredAt: string | null;
  /** Still to be handed to its workflow: when a relay tries next, how often it tried, and why the last try failed. */
  undelivered: { nextAttemptAt: string; attempts: number; lastError: string | null; ageSeconds: number } | null;
  body: string;
}

const toWebhookEvent = (r: WebhookEventRow): WebhookEvent => ({
  provider: r.provider,
  eventId: r.event_id,
  type: r.event_type,
  orderId: r.order_id,
  outcome: r.outcome,
  receivedAt: r.received_at.toISOString(),
  deliveredAt: r.delivered_at?.toISOString() ?? null,
  undelivered: r.next_attempt_at
    ? { nextAttemptAt: r.next_attempt_at.toISOString(), attempts: r.attempts, lastError: r.last_error, ageSeconds: Math.max(0, r.age_seconds) }
    : null,
  body: r.raw_body,
});

/**
 * Records an event in one statement: either with its final outcome (decided from PostgreSQL alone), or with the
 * delivery a relay still has to make (the trigger in 0017_webhook_relay.sql wakes the relays at commit).
 * `fresh` is false for a repeat, except a row an earlier release left undelivered (no outcome, nothing queued),
 * which this delivery queues.
 */
export async function recordAndQueueWebhookEvent(
  sql: Sql,
  e: { provider: string; eventId: string; eventType: string; orderId: string | null; rawBody: string; taskQueue: string } & (
    | { outcome: string; delivery?: undefined }
    | { outcome?: undefined; delivery: object }
  ),
): Promise<{ fresh: boolean }> {
  const delivery = e.delivery ? sql.json(e.delivery as Parameters<Sql['json']>[0]) : null;
  const rows = await sql`
    INSERT INTO webhook_events (provider, event_id, event_type, order_id, raw_body, outcome, delivery, task_queue, next_attempt_at)
    VALUES (${e.provider}, ${e.eventId}, ${e.eventType}, ${e.orderId}, ${e.rawBody}, ${e.outcome ?? null}, ${delivery}, ${e.taskQueue},
            ${e.delivery ? sql`now()` : null})
    ON CONFLICT (provider, event_id) DO UPDATE
      SET outcome = EXCLUDED.outcome, delivery = EXCLUDED.delivery, task_queue = EXCLUDED.task_queue, next_attempt_at = EXCLUDED.next_attempt_at
      WHERE webhook_events.outcome IS NULL AND webhook_events.next_attempt_at IS NULL
    RETURNING id`;
  return { fresh: rows.length > 0 };
}

/**
 * The bench's inline baseline (bench/inlineServer.ts) handles a webhook the way the route did before the relay: record,
 * act inside the request, then stamp the outcome. Kept for it alone; the product records with recordAndQueueWebhookEvent.
 */
export async function recordWebhookEvent(
  sql: Sql,
  e: { provider: string; eventId: string; eventType: string; orderId: string | null; rawBody: string },
): Promise<{ fresh: boolean; outcome: string | null }> {
  const inserted = await sql`
    INSERT INTO webhook_events (provider, event_id, event_type, order_id, raw_body)
    VALUES (${e.provider}, ${e.eventId}, ${e.eventType}, ${e.orderId}, ${e.rawBody})
    ON CONFLICT (provider, event_id) DO NOTHING RETURNING id`;
  if (inserted.length > 0) return { fresh: true, outcome: null };
  const [row] = await sql<Pick<WebhookEventRow, 'outcome'>[]>`SELECT outcome FROM webhook_events WHERE provider = ${e.provider} AND event_id = ${e.eventId}`;
  return { fresh: false, outcome: row?.outcome ?? null };
}

/** The inline baseline's outcome stamp (see recordWebhookEvent). */
export async function setWebhookOutcome(sql: Sql, provider: string, eventId: string, outcome: string, delivered: boolean): Promise<void> {
  await sql`UPDATE webhook_events SET outcome = ${outcome}, delivered_at = CASE WHEN ${delivered} THEN now() END
            WHERE provider = ${provider} AND event_id = ${eventId}`;
}

/** An event a relay holds (row-locked) while it delivers it. */
export interface ClaimedEvent {
  id: string;
  provider: string;
  eventId: string;
  delivery: unknown;
  attempts: number;
}

/**
 * The due events of one task queue, oldest first, locked for this transaction. SKIP LOCKED: relays running together
 * each take other rows, so one event is handed over by one relay at a time.
 */
export async function claimUndelivered(tx: Db, taskQueue: string, limit: number): Promise<ClaimedEvent[]> {
  const rows = await tx<{ id: string; provider: string; event_id: string; delivery: unknown; attempts: number }[]>`
    SELECT id, provider, event_id, delivery, attempts FROM webhook_events
    WHERE task_queue = ${taskQueue} AND next_attempt_at <= now()
    ORDER BY next_attempt_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
  return rows.map((r) => ({ id: r.id, provider: r.provider, eventId: r.event_id, delivery: r.delivery, attempts: r.attempts }));
}

/**
 * Done: what became of it; `delivered` stamps when it reached a workflow (delivered_at − received_at is the relay's
 * lag). The clock at this statement, not now(), which is when the pass's transaction began, before the hand-over.
 */
export async function markDelivered(tx: Db, id: string, outcome: string, delivered: boolean): Promise<void> {
  await tx`UPDATE webhook_events SET outcome = ${outcome}, delivered_at = CASE WHEN ${delivered} THEN clock_timestamp() END,
            next_attempt_at = NULL, attempts = attempts + 1, last_error = NULL WHERE id = ${id}`;
}

/** Not delivered this time: tried again after `retryInMs`. */
export async function markRetry(tx: Db, id: string, error: string, retryInMs: number): Promise<void> {
  await tx`UPDATE webhook_events SET attempts = attempts + 1, last_error = ${error},
            next_attempt_at = now() + make_interval(secs => ${retryInMs / 1000}) WHERE id = ${id}`;
}

/** How many events wait for a relay, and how long the oldest has waited (metrics, admin API). */
export async function undeliveredSummary(db: Db): Promise<{ count: number; oldestAgeSeconds: number }> {
  const [row] = await db<{ count: number; oldest_age: number | null }[]>`
    SELECT count(*)::int AS count, extract(epoch FROM now() - min(received_at))::float8 AS oldest_age
    FROM webhook_events WHERE next_attempt_at IS NOT NULL`;
  return { count: row?.count ?? 0, oldestAgeSeconds: Math.max(0, row?.oldest_age ?? 0) };
}

/** For operators: newest first (e.g. `unmatched`: money for no order of ours); undelivered ones oldest first. */
export async function listWebhookEvents(sql: Sql, filter: { outcome?: string; undelivered?: boolean; limit: number }): Promise<WebhookEvent[]> {
  const rows = await sql<WebhookEventRow[]>`
    SELECT *, extract(epoch FROM now() - received_at)::float8 AS age_seconds FROM webhook_events
    WHERE true ${filter.outcome ? sql`AND outcome = ${filter.outcome}` : sql``}
      ${filter.undelivered ? sql`AND next_attempt_at IS NOT NULL` : sql``}
    ORDER BY ${filter.undelivered ? sql`received_at, id` : sql`id DESC`} LIMIT ${filter.limit}`;
  return rows.map(toWebhookEvent);
}

export async function orderWebhookEvents(db: Db, orderId: string): Promise<WebhookEvent[]> {
  const rows = await db<WebhookEventRow[]>`SELECT *, extract(epoch FROM now() - received_at)::float8 AS age_seconds FROM webhook_events WHERE order_id = ${orderId} ORDER BY id`;
  return rows.map(toWebhookEvent);
}
