// The bench's one JSON document: its shape (zod), the ratios to the two baselines, and the targets checked against it.
import { z } from 'zod';

const ms = z.number().nullable();
const errorKinds = z.array(z.tuple([z.number().int(), z.string()]));
const latency = z.object({ p50Ms: ms, p99Ms: ms, meanMs: ms, maxMs: ms });
const load = latency.extend({
  ratePerSecond: z.number(),
  sent: z.number().int(),
  ok: z.number().int(),
  errors: z.number().int(),
  achievedPerSecond: z.number(),
  maxSendDelayMs: z.number(),
  errorKinds,
});
const throughput = z.object({ orders: z.number().int(), seconds: z.number(), perSecond: z.number().nullable(), unfinished: z.number().int() });
const shape = z.object({
  sampled: z.number().int(),
  eventsPerOrder: z.number().nullable(),
  workflowTasksPerOrder: z.number().nullable(),
  activitiesPerOrder: z.number().nullable(),
  /** Local activities and patch markers. */
  markersPerOrder: z.number().nullable(),
  searchAttributeUpsertsPerOrder: z.number().nullable(),
  /** Every event type's mean count per order, so a figure above the workflow's shape says which events added to it (absent in earlier reports). */
  eventTypesPerOrder: z.record(z.string(), z.number()).optional(),
});
const span = z.object({ atStart: z.number(), atEnd: z.number() });
const cpuParts = z.record(z.string(), z.number()).nullable();
const target = z.object({ name: z.string(), target: z.string(), value: z.number().nullable(), met: z.boolean().nullable() });

export const BenchReport = z.object({
  startedAt: z.string(),
  seconds: z.number(),
  profile: z.string(),
  machine: z.object({
    cpus: z.number().int(),
    totalMemGiB: z.number(),
    node: z.string(),
    loadAverage1m: z.object({ atStart: z.number(), atEnd: z.number() }),
    /** How fast the host was (bench/hostSpeed.ts): compare runs by it before comparing their figures (absent in earlier reports; 2026-12-07T19-46-54 has the compute workload alone, as a flat atStart/atEnd). */
    hostSpeed: z.object({ workloadMs: z.object({ compute: span, memory: span }), stealPercent: z.number().nullable() }),
  }),
  config: z.object({
    checkoutRates: z.array(z.number()),
    webhookRates: z.array(z.number()),
    phaseSeconds: z.number(),
    requestTimeoutMs: z.number(),
    drainMs: z.number(),
    fillMs: z.number(),
    saturationOrders: z.number().int(),
    waitingOrders: z.array(z.number().int()),
    workerEnv: z.record(z.string(), z.string()),
    /** Each part's cpu_shares, from docker-compose.yml (`--compose-shares`); null: every process shared the CPU alike. */
    cpuShares: z.record(z.string(), z.number().int().positive()).nullable(),
    /** The node flags docker-compose.yml's command gives the API and the worker; each baseline runs with its part's. */
    nodeFlags: z.object({ api: z.array(z.string()), worker: z.array(z.string()) }),
    deliveryLagSource: z.string(),
  }),
  notes: z.array(z.string()),
  checkout: z.array(load),
  webhooks: z.array(
    z.object({
      ratePerSecond: z.number(),
      product: z.object({ ack: load, deliveryLag: latency, fulfilled: throughput }),
      inline: z.object({ ack: load }),
      /** inline ÷ product: above 1, the product acknowledges faster than doing the work in the request. */
      ackP50Speedup: z.number().nullable(),
      ackP99Speedup: z.number().nullable(),
    }),
  ),
  fulfilment: z.object({ product: throughput, noop: throughput, ratioToNoop: z.number().nullable() }),
  /**
   * CPU ms per order by process (and their total): over all checkout phases, and over the top webhook rate's phase
   * until its orders were fulfilled (the product) or over the no-op payments until those completed.
   */
  cpuPerOrderMs: z.object({ checkout: cpuParts, fulfilment: z.object({ product: cpuParts, noop: cpuParts }) }),
  history: z.object({ product: shape, noop: shape }),
  memory: z.array(
    z.object({
      waitingOrders: z.number().int(),
      runningWorkflows: z.number().int().nullable(),
      workerRssMiB: z.number().nullable(),
      workerPeakRssMiB: z.number().nullable(),
      /** The restarted worker's RSS before the waiting orders were opened, so the growth per order shows. */
      idleRssMiB: z.number().nullable(),
      kibPerWaitingOrder: z.number().nullable(),
      fillSeconds: z.number(),
    }),
  ),
  /** The closed-loop fills that set the stage (orders to pay, orders left waiting): any failure there, by kind. */
  fills: z.array(z.object({ purpose: z.string(), asked: z.number().int(), done: z.number().int(), errors: z.number().int(), errorKinds })),
  targets: z.array(target),
  failures: z.array(z.string()),
});
export type BenchReport = z.infer<typeof BenchReport>;
export type Target = z.infer<typeof target>;

/** `measured`: the run did measure it; a null value then means it was not reached (failures), so not met. */
const atMost = (name: string, limit: number, unit: string, value: number | null | undefined, measured = value != null): Target => ({
  name,
  target: `≤ ${limit} ${unit}`,
  value: value ?? null,
  met: measured ? value != null && value <= limit : null,
});
const atLeast = (name: string, limit: number, unit: string, value: number | null | undefined, measured = value != null): Target => ({
  name,
  target: `≥ ${limit}${unit}`,
  value: value ?? null,
  met: measured ? value != null && value >= limit : null,
});

/** Issue 14's targets, each with the measured value; met is null where this run did not measure it (e.g. no 100,000 fill). */
export function checkTargets(r: Omit<BenchReport, 'targets'>): Target[] {
  const top = [...r.webhooks].sort((a, b) => b.ratePerSecond - a.ratePerSecond)[0];
  const lags = r.webhooks.map((w) => w.product.deliveryLag.p99Ms);
  const worstLag = lags.includes(null) ? null : Math.max(...(lags as number[]));
  const checkout40 = r.checkout.filter((c) => c.ratePerSecond >= 40).sort((a, b) => a.ratePerSecond - b.ratePerSecond)[0];
  const large = r.memory.find((m) => m.waitingOrders >= 100_000);
  return [
    atMost(`webhook ack p99 at ${top?.ratePerSecond ?? '?'}/s`, 20, 'ms', top?.product.ack.p99Ms, top !== undefined),
    atLeast(`webhook ack p99, inline ÷ product at ${top?.ratePerSecond ?? '?'}/s`, 20, '×', top?.ackP99Speedup, top !== undefined),
    atMost('delivery lag p99, worst rate', 1000, 'ms', worstLag, r.webhooks.length > 0),
    atLeast('fulfilled orders/s ÷ no-op ceiling', 0.9, '×', r.fulfilment.ratioToNoop),
    atMost('history events per order', 30, 'events', r.history.product.eventsPerOrder),
    atMost(`checkout p99 at ${checkout40?.ratePerSecond ?? '≥40'}/s, no errors`, 300, 'ms', checkout40?.errors === 0 ? checkout40.p99Ms : null, checkout40 !== undefined),
    atMost('worker RSS with 100,000 waiting orders', 400, 'MiB', large?.workerRssMiB, large !== undefined),
  ];
}
