// Provider events, recorded once per (provider, event id), with what became of each.
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
  signalled_at: Date | null;
  outcome: string | null;
}

export interface WebhookEvent {
  provider: string;
  eventId: string;
  type: string;
  orderId: string | null;
  outcome: string | null;
  receivedAt: string;
  deliveredAt: string | null;
  body: string;
}

const toWebhookEvent = (r: WebhookEventRow): WebhookEvent => ({
  provider: r.provider,
  eventId: r.event_id,
  type: r.event_type,
  orderId: r.order_id,
  outcome: r.outcome,
  receivedAt: r.received_at.toISOString(),
  deliveredAt: r.signalled_at?.toISOString() ?? null,
  body: r.raw_body,
});

/** `fresh` for the first delivery; a repeat returns the outcome the first one recorded (null: not handed over yet). */
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

/** What became of the event; `delivered` stamps when it reached a workflow. */
export async function setWebhookOutcome(sql: Sql, provider: string, eventId: string, outcome: string, delivered: boolean): Promise<void> {
  await sql`UPDATE webhook_events SET outcome = ${outcome}, signalled_at = CASE WHEN ${delivered} THEN now() END
            WHERE provider = ${provider} AND event_id = ${eventId}`;
}

/** Newest first, for operators (e.g. `unmatched`: money for no order of ours). */
export async function listWebhookEvents(sql: Sql, filter: { outcome?: string; limit: number }): Promise<WebhookEvent[]> {
  const rows = await sql<WebhookEventRow[]>`
    SELECT * FROM webhook_events
    WHERE true ${filter.outcome ? sql`AND outcome = ${filter.outcome}` : sql``} ORDER BY id DESC LIMIT ${filter.limit}`;
  return rows.map(toWebhookEvent);
}

export async function orderWebhookEvents(db: Db, orderId: string): Promise<WebhookEvent[]> {
  const rows = await db<WebhookEventRow[]>`SELECT * FROM webhook_events WHERE order_id = ${orderId} ORDER BY id`;
  return rows.map(toWebhookEvent);
}
