// The inline baseline's process: a naive webhook handler that does all of fulfilment inside the request, on its own database.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createActivities } from '../src/activities/index.js';
import { loadConfig } from '../src/config.js';
import { listPackages } from '../src/db/catalog.js';
import { createSql } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { recordWebhookEvent, setWebhookOutcome } from '../src/db/webhookEvents.js';
import { createMailer } from '../src/email/transport.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createPaymentProviders } from '../src/payments/index.js';

const config = loadConfig();
const log = createLogger(config.logLevel, 'inline-baseline');
const sql = createSql(config.databaseUrl!);
await migrate(sql);
const payments = createPaymentProviders(config, sql);
const sandbox = payments.sandbox;
if (!sandbox) throw new Error('the inline baseline needs SANDBOX_ENABLED and SANDBOX_WEBHOOK_SECRET');
const mailer = createMailer(config.smtpUrl!, config.mailFrom, config.smtpPool);
// The worker's own activity code, called directly: the same statements, MJML rendering and SMTP send, without Temporal.
const acts = createActivities({
  sql,
  payments,
  mailer,
  metrics: createMetrics(),
  publicUrl: config.publicUrl,
  shopUrl: config.shopUrl,
  tokenSecret: config.jwt.secret,
  customerKeySecret: config.customerKeySecret,
});

/** Verify → record → PAID → user → enrolment → email → FULFILLED → outcome, all before the answer. */
async function webhook(rawBody: string, header: (name: string) => string | undefined): Promise<{ status: number; body: unknown }> {
  const hook = await sandbox!.verifyWebhook(rawBody, header);
  const recorded = await recordWebhookEvent(sql, { provider: 'sandbox', eventId: hook.eventId, eventType: hook.eventType, orderId: hook.orderId ?? null, rawBody });
  if (recorded.outcome) return { status: 200, body: { received: true, outcome: 'duplicate' } };
  const event = hook.event;
  if (!event || event.kind !== 'succeeded' || !event.orderId) return { status: 422, body: { error: { code: 'not_a_payment', message: 'The inline baseline handles payments only.' } } };
  const orderId = event.orderId;
  await acts.transitionOrder({ orderId, to: 'PAID', cause: 'payment:sandbox', details: { eventId: event.eventId }, payment: { paymentId: event.paymentId, amount: event.amount } });
  const user = await acts.findOrCreateUser({ orderId });
  await acts.grantEnrollments({ orderId, userId: user.userId });
  await acts.sendOrderEmail({ orderId, kind: user.created ? 'welcome' : 'purchase_confirmation' });
  await acts.transitionOrder({ orderId, to: 'FULFILLED', cause: 'fulfilled' });
  await setWebhookOutcome(sql, 'sandbox', hook.eventId, 'signalled', true);
  return { status: 200, body: { received: true, outcome: 'fulfilled' } };
}

/** Not timed: opens `count` orders (createOrder and its payment session, as checkout does) for the webhook phase. */
async function openOrders(input: { count: number; runId: string }) {
  // The cheapest single package, as the product's phases buy: the same order on both sides.
  const [pkg] = (await listPackages(sql, {})).filter((p) => !p.isBundle).sort((a, b) => a.price.amount - b.price.amount || a.slug.localeCompare(b.slug));
  if (!pkg) throw new Error('the catalog has no single package');
  const opened: Array<{ orderId: string; sessionId: string; total: { amount: number; currency: string } }> = [];
  for (let i = 0; i < input.count; i++) {
    const orderId = crypto.randomUUID();
    const email = `inline-${input.runId}-${i}@example.com`;
    const order = await acts.createOrder({ orderId, email, name: 'Bench Buyer', locale: 'pl', provider: 'sandbox', packageIds: [pkg.id], fingerprint: orderId });
    const session = await acts.createPaymentSession({ orderId, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    opened.push({ orderId, sessionId: session.sessionId, total: order.total });
  }
  return opened;
}

async function route(req: IncomingMessage, rawBody: string): Promise<{ status: number; body: unknown }> {
  if (req.method === 'POST' && req.url === '/api/v1/webhooks/sandbox') {
    return webhook(rawBody, (name) => {
      const value = req.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    });
  }
  if (req.method === 'POST' && req.url === '/bench/orders') return { status: 201, body: await openOrders(JSON.parse(rawBody) as Parameters<typeof openOrders>[0]) };
  return { status: 404, body: { error: { code: 'not_found', message: 'No such route.' } } };
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    route(req, Buffer.concat(chunks).toString('utf8')).then(
      ({ status, body }) => answer(res, status, body),
      (err: unknown) => {
        // A baseline, not the product: the bench counts any non-200 as a failed request and shows its text.
        log.warn({ err }, 'inline webhook failed');
        answer(res, 500, { error: { code: 'inline_failed', message: err instanceof Error ? err.message : String(err) } });
      },
    );
  });
});
server.listen(config.port, config.host, () => log.info({ port: config.port }, 'inline baseline ready'));
process.once('SIGTERM', () => {
  server.close();
  void Promise.allSettled([mailer.close(), sql.end({ timeout: 5 })]).then(() => process.exit(0));
});
