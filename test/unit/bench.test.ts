// The bench's parts: open-loop timing, the load thread, percentile maths, CPU per order, compose's shares and node commands, the report.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:fs';
import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderChart } from '../../bench/chart.js';
import { cpuMs, cpuPerOrder } from '../../bench/cpu.js';
import { composeShares, CPU_CGROUP_ROOT, cpuGroupOf, holdShares } from '../../bench/cpuShares.js';
import { runInLoadThread } from '../../bench/loadThread.js';
import { planFor, runOpenLoop, sendOffsetsMs, type Clock } from '../../bench/openLoop.js';
import { fill } from '../../bench/phases.js';
import { BenchReport, checkTargets } from '../../bench/report.js';
import { percentile, ratio, summarise, summariseLoad } from '../../bench/stats.js';
import { composeNodeCommand } from '../../scripts/chaos/composeCommand.js';
import { supervise } from '../../scripts/chaos/supervisor.js';
import { SANDBOX_SIGNATURE_HEADER, verifySandboxSignature } from '../../src/payments/sandbox.js';

/** A clock the test moves by hand: `until` resolves when the test advances past the time asked for. */
function manualClock() {
  let now = 0;
  const waiting: Array<{ at: number; resolve: () => void }> = [];
  const clock: Clock = {
    now: () => now,
    until: (at) => (at <= now ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ at, resolve }))),
  };
  const advance = async (to: number) => {
    now = to;
    for (const w of waiting.filter((w) => w.at <= to)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.resolve();
    }
    // Let the loop run up to its next wait.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { clock, advance };
}

describe('open-loop scheduler', () => {
  it('spaces sends evenly at the rate and bounds their count by duration and cap', () => {
    expect(sendOffsetsMs(planFor(25, 200, 1000))).toEqual([0, 40, 80, 120, 160]);
    expect(planFor(100, 3000, 1000).count).toBe(300);
    expect(planFor(100, 60_000, 250).count).toBe(250);
    expect(() => planFor(0, 1000, 10)).toThrow();
  });

  it('sends on schedule while earlier requests are unanswered, and times each from its scheduled send', async () => {
    const { clock, advance } = manualClock();
    const answers: Array<(v: number) => void> = [];
    const sentAt: number[] = [];
    const running = runOpenLoop(
      { ratePerSecond: 10, count: 3 },
      60_000,
      (i) => {
        sentAt.push(clock.now());
        return new Promise<number>((resolve) => (answers[i] = resolve));
      },
      clock,
    );
    await advance(0);
    await advance(100);
    await advance(200);
    // All three went out although none was answered: a slow system cannot slow the arrivals down.
    expect(sentAt).toEqual([0, 100, 200]);
    await advance(1000);
    answers.forEach((answer, i) => answer(i));
    const result = await running;
    expect(result.samples.map((s) => s.latencyMs)).toEqual([1000, 900, 800]);
    expect(result.samples.map((s) => s.value)).toEqual([0, 1, 2]);
  });

  it('counts a late send against the system and a failure as an error sample', async () => {
    const { clock, advance } = manualClock();
    const running = runOpenLoop(
      { ratePerSecond: 2, count: 2 },
      60_000,
      async (i) => {
        if (i === 1) throw new Error('HTTP 503');
        return i;
      },
      clock,
    );
    await advance(0);
    // The generator wakes 300 ms late for the second send (scheduled at 500).
    await advance(800);
    const result = await running;
    expect(result.samples[1]).toMatchObject({ sendDelayMs: 300, latencyMs: 300, error: 'HTTP 503' });
  });
});

describe('load thread', () => {
  it('sends signed webhooks on schedule while the bench\'s own thread is stalled', async () => {
    const secret = 'whsec_bench_thread';
    const received: Array<{ signed: boolean; orderId: string }> = [];
    let stalled = false;
    // Answers on this (the bench's) thread; the first request stalls it for 600 ms, as a long collection would.
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const event = JSON.parse(body) as { data: { orderId: string } };
        const header = req.headers[SANDBOX_SIGNATURE_HEADER.toLowerCase()];
        let signed = true;
        try {
          verifySandboxSignature(body, typeof header === 'string' ? header : undefined, secret);
        } catch {
          signed = false;
        }
        received.push({ signed, orderId: event.data.orderId });
        if (!stalled) {
          stalled = true;
          const until = performance.now() + 600;
          while (performance.now() < until) {
            // Busy: nothing on this thread runs meanwhile.
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true,"outcome":"queued"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const orders = Array.from({ length: 10 }, (_, i) => ({ orderId: `order-${i}`, sessionId: `sess-${i}`, total: { amount: 100, currency: 'PLN' } }));
      const result = await runInLoadThread({ kind: 'webhook', url: `http://127.0.0.1:${port}/hook`, secret, orders, tag: 't' }, { ratePerSecond: 20, count: 10 }, 10_000);
      expect(result.samples.map((s) => s.value?.orderId)).toEqual(orders.map((o) => o.orderId));
      expect(received.map((r) => r.signed)).toEqual(orders.map(() => true));
      // Sends 2-10 fell due while this thread was stalled; the thread sent them on time all the same, so the stall
      // shows up as the system's latency (answers waited for the server), never as the generator's send delay.
      expect(Math.max(...result.samples.map((s) => s.sendDelayMs))).toBeLessThan(250);
      expect(Math.max(...result.samples.map((s) => s.latencyMs))).toBeGreaterThan(400);
    } finally {
      server.close();
    }
  });
});

describe('percentiles', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('takes the nearest rank, never interpolating', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 99)).toBe(20);
    expect(percentile([], 50)).toBeNull();
  });

  it('treats failures as slower than any answer: a p99 that failures reach is null, not a fast number', () => {
    const twoFailed = [...hundred.slice(0, 98), Infinity, Infinity];
    expect(summarise(twoFailed)).toEqual({ p50Ms: 50, p99Ms: null, meanMs: 49.5, maxMs: 98 });
    // A quick 503 is still a failure: it must not pull the percentiles down.
    const samples = twoFailed.map((ms, index) => ({ index, latencyMs: Number.isFinite(ms) ? ms : 1, sendDelayMs: 0, answeredAt: 0, ...(Number.isFinite(ms) ? { value: 1 } : { error: 'HTTP 503' }) }));
    const load = summariseLoad({ plan: { ratePerSecond: 50, count: 100 }, samples, elapsedMs: 2000 });
    expect(load).toMatchObject({ sent: 100, ok: 98, errors: 2, achievedPerSecond: 49, p99Ms: null, errorKinds: [[2, 'HTTP 503']] });
  });

  it('gives ratios only between two measured figures', () => {
    expect(ratio(900, 45)).toBe(20);
    expect(ratio(null, 45)).toBeNull();
    expect(ratio(10, 0)).toBeNull();
  });
});

describe('stage-setting fill', () => {
  it('says what failed, by kind, and keeps what succeeded', async () => {
    const filled = await fill(7, 3, Date.now() + 10_000, async (i) => {
      if (i % 3 === 1) throw new Error('HTTP 500 (expected 201 with an orderId): {"error":"internal"}');
      if (i === 5) throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      return `order-${i}`;
    });
    expect(filled.values.sort()).toEqual(['order-0', 'order-2', 'order-3', 'order-6']);
    expect(filled.summary).toEqual({
      asked: 7,
      done: 4,
      errors: 3,
      errorKinds: [
        [2, 'HTTP 500 (expected 201 with an orderId): {"error":"internal"}'],
        [1, 'TimeoutError: The operation was aborted due to timeout'],
      ],
    });
  });
});

function sampleReport(over: { ackP99?: number | null; inlineP99?: number; events?: number } = {}) {
  const load = (rate: number, p99: number | null) => ({ ratePerSecond: rate, sent: rate * 2, ok: rate * 2, errors: 0, achievedPerSecond: rate, p50Ms: 5, p99Ms: p99, meanMs: 6, maxMs: p99, maxSendDelayMs: 1, errorKinds: [] });
  const throughput = (perSecond: number) => ({ orders: 200, seconds: 200 / perSecond, perSecond, unfinished: 0 });
  const shape = (events: number) => ({ sampled: 10, eventsPerOrder: events, workflowTasksPerOrder: 9, activitiesPerOrder: 7, markersPerOrder: 2, searchAttributeUpsertsPerOrder: 4 });
  const ackP99 = over.ackP99 === undefined ? 12 : over.ackP99;
  const inlineP99 = over.inlineP99 ?? 2400;
  const draft = {
    startedAt: '2026-12-03T15:00:00.000Z',
    seconds: 120,
    profile: 'quick',
    machine: { cpus: 2, totalMemGiB: 24, node: 'v22', loadAverage1m: { atStart: 1, atEnd: 2 }, hostSpeed: { workloadMs: { compute: { atStart: 150, atEnd: 152 }, memory: { atStart: 230, atEnd: 229 } }, stealPercent: 0.4 } },
    config: { checkoutRates: [10, 25, 40, 50], webhookRates: [25, 50, 100], phaseSeconds: 2, requestTimeoutMs: 10_000, drainMs: 60_000, fillMs: 60_000, saturationOrders: 200, waitingOrders: [200], workerEnv: {}, cpuShares: null, nodeFlags: { api: [], worker: ['--max-old-space-size=320'] }, deliveryLagSource: 'orders.paid_at' },
    notes: [],
    checkout: [load(10, 250), load(25, 280), load(40, 285), load(50, 290)],
    webhooks: [100].map((rate) => ({
      ratePerSecond: rate,
      product: { ack: load(rate, ackP99), deliveryLag: { p50Ms: 100, p99Ms: 800, meanMs: 200, maxMs: 900 }, fulfilled: throughput(19) },
      inline: { ack: load(rate, inlineP99) },
      ackP50Speedup: 1,
      ackP99Speedup: ratio(inlineP99, ackP99),
    })),
    fulfilment: { product: throughput(19), noop: throughput(20), ratioToNoop: ratio(19, 20) },
    cpuPerOrderMs: { checkout: { temporal: 12, worker: 20, total: 32 }, fulfilment: { product: { temporal: 25, worker: 50, total: 75 }, noop: null } },
    history: { product: shape(over.events ?? 28), noop: shape(over.events ?? 28) },
    memory: [{ waitingOrders: 200, runningWorkflows: 200, workerRssMiB: 300, workerPeakRssMiB: 310, idleRssMiB: 250, kibPerWaitingOrder: 256, fillSeconds: 10 }],
    fills: [],
    failures: [],
  };
  return BenchReport.parse({ ...draft, targets: checkTargets(draft) });
}

describe('CPU per order', () => {
  it('reads the CPU time of a process from /proc, and it grows with work done', async () => {
    const before = await cpuMs({ single: { self: process.pid, gone: 2 ** 22 + 1 }, trees: {} });
    const until = performance.now() + 80;
    while (performance.now() < until) Math.sqrt(Math.random());
    const after = await cpuMs({ single: { self: process.pid }, trees: { tree: process.pid } });
    // A pid that names no process is left out rather than read as zero.
    expect(Object.keys(before)).toEqual(['self']);
    expect(after.self! - before.self!).toBeGreaterThanOrEqual(50);
    expect(after.tree).toBeGreaterThanOrEqual(after.self!);
  });

  it('divides the difference by the orders, part by part, with a total', () => {
    expect(cpuPerOrder({ api: 100, worker: 1000, gone: 5 }, { api: 300, worker: 3000 }, 100)).toEqual({ api: 2, worker: 20, total: 22 });
    expect(cpuPerOrder({}, { api: 1 }, 0)).toBeNull();
  });
});

/** Root on a machine with cgroup v1's cpu controller, as the bench needs for --compose-shares (CI's machine has both). */
const cgroupsWritable = await access(`${CPU_CGROUP_ROOT}/cgroup.procs`, constants.W_OK).then(() => true, () => false);

describe('compose CPU shares', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  /** A Node process that stays up, optionally with a child of its own (as the postmaster has backends), once it says so. */
  const idleNode = async (withChild = false) => {
    const script = withChild
      ? "const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); c.on('spawn', () => console.log(c.pid)); setInterval(() => {}, 1000)"
      : "console.log('up'); setInterval(() => {}, 1000)";
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(child);
    const said = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    return { pid: child.pid!, childPid: withChild ? Number(said) : undefined };
  };
  const cpuGroup = async (pid: number) => cpuGroupOf(await readFile(`/proc/${pid}/cgroup`, 'utf8'));

  it('reads each part\'s weight from docker-compose.yml, Docker\'s default where a service sets none', async () => {
    const shares = await composeShares();
    expect(shares).toMatchObject({ temporal: 128, worker: 128, noopWorker: 128, api: 1024, inline: 1024, postgres: 1024, smtpSink: 1024, loadGenerator: 1024 });
  });

  it('says what it needs where it cannot make the groups', async () => {
    await expect(holdShares(async () => ({}), await composeShares(), 50, '/dev/null')).rejects.toThrow(/--compose-shares needs cgroup v1's cpu controller at \/dev\/null/);
    // A folder without the v1 controller's files (a cgroup v2 mount looks like this to it) gets no groups made in it.
    const notV1 = await mkdtemp(join(tmpdir(), 'no-cpu-controller-'));
    try {
      await expect(holdShares(async () => ({}), await composeShares(), 50, notV1)).rejects.toThrow(/--compose-shares needs/);
      expect(await readdir(notV1)).toEqual([]);
    } finally {
      await rm(notV1, { recursive: true, force: true });
    }
  });

  it.skipIf(!cgroupsWritable)('puts each part in a cgroup with its shares, a part\'s children with it, and a restarted process again', async () => {
    const db = await idleNode(true);
    let worker = await idleNode();
    const hold = await holdShares(async () => ({ postgres: [db.pid], worker: [worker.pid] }), await composeShares(), 50);
    try {
      expect(await readFile(`${hold.groups.worker}/cpu.shares`, 'utf8')).toBe('128\n');
      expect(await readFile(`${hold.groups.postgres}/cpu.shares`, 'utf8')).toBe('1024\n');
      expect(hold.groups.worker.endsWith((await cpuGroup(worker.pid))!)).toBe(true);
      // The postmaster's backend, forked before the move, goes with it.
      expect(hold.groups.postgres.endsWith((await cpuGroup(db.childPid!))!)).toBe(true);
      worker = await idleNode();
      const deadline = Date.now() + 10_000;
      while (!hold.groups.worker.endsWith((await cpuGroup(worker.pid)) ?? '\0') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(hold.groups.worker.endsWith((await cpuGroup(worker.pid))!)).toBe(true);
    } finally {
      // The backend first: once its parent is gone nothing else would end it.
      process.kill(db.childPid!, 'SIGKILL');
      for (const child of children.splice(0)) child.kill('SIGKILL');
      const gone = Date.now() + 10_000;
      const emptied = async () => (await Promise.all([hold.groups.worker, hold.groups.postgres].map((g) => readFile(`${g}/cgroup.procs`, 'utf8')))).every((p) => p.trim() === '');
      while (!(await emptied()) && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 20));
      await hold.stop();
    }
    for (const group of Object.values(hold.groups)) await expect(access(group)).rejects.toThrow();
  });
});

describe('compose node commands', () => {
  it('reads the API\'s and the worker\'s node flags and script from docker-compose.yml', async () => {
    expect(await composeNodeCommand('worker')).toEqual({ nodeFlags: ['--max-old-space-size=320', '--max-semi-space-size=16'], entry: 'dist/worker.js' });
    expect((await composeNodeCommand('api')).entry).toBe('dist/api/main.js');
  });

  it('refuses a command that is not node, its flags and a script, instead of guessing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'compose-command-'));
    try {
      const file = join(dir, 'compose.yml');
      await writeFile(file, 'services:\n  shell: { command: "node dist/api/main.js" }\n  wrapped: { command: ["sh", "-c", "node dist/worker.js"] }\n  tsx: { command: ["node", "--import", "tsx", "src/worker.ts"] }\n');
      for (const service of ['shell', 'wrapped', 'tsx', 'absent']) {
        await expect(composeNodeCommand(service, pathToFileURL(file))).rejects.toThrow(`docker-compose.yml's ${service} has no command of the form`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts a supervised process with its flags before the script', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'supervised-flags-'));
    const entry = join(dir, 'entry.js');
    await writeFile(entry, "console.log(JSON.stringify({ msg: 'ready', execArgv: process.execArgv })); setInterval(() => {}, 1000);\n");
    const supervised = supervise('flags', entry, {}, join(dir, 'out.log'), 'ready', ['--max-old-space-size=123', '--single-threaded-gc']);
    try {
      await vi.waitFor(() => expect(supervised.readySeconds).toHaveLength(1), { timeout: 20_000, interval: 50 });
    } finally {
      await supervised.stop();
    }
    const said = JSON.parse((await readFile(join(dir, 'out.log'), 'utf8')).split('\n')[0]!) as { execArgv: string[] };
    expect(said.execArgv).toEqual(['--max-old-space-size=123', '--single-threaded-gc']);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('bench report', () => {
  it('has every figure the issue asks for, each beside its baseline', () => {
    const report = sampleReport();
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['checkout', 'webhooks', 'fulfilment', 'history', 'memory', 'targets']));
    expect(report.webhooks[0]).toMatchObject({ product: { ack: { p99Ms: 12 }, deliveryLag: { p99Ms: 800 } }, inline: { ack: { p99Ms: 2400 } }, ackP99Speedup: 200 });
    expect(report.fulfilment.ratioToNoop).toBe(0.95);
    expect(() => BenchReport.parse({ ...report, webhooks: [{ ratePerSecond: 25 }] })).toThrow();
  });

  it('checks the targets: met, missed, or not measured by this run', () => {
    const met = Object.fromEntries(sampleReport().targets.map((t) => [t.name, t.met]));
    expect(met).toEqual({
      'webhook ack p99 at 100/s': true,
      'webhook ack p99, inline ÷ product at 100/s': true,
      'delivery lag p99, worst rate': true,
      'fulfilled orders/s ÷ no-op ceiling': true,
      'history events per order': true,
      'checkout p99 at 40/s, no errors': true,
      // Only the large run opens 100,000 waiting orders.
      'worker RSS with 100,000 waiting orders': null,
    });
    const missed = sampleReport({ ackP99: null, events: 58 }).targets;
    expect(missed.find((t) => t.name === 'webhook ack p99 at 100/s')?.met).toBe(false);
    expect(missed.find((t) => t.name === 'history events per order')).toMatchObject({ value: 58, met: false });
  });

  it('draws an SVG with a bar for each figure', () => {
    const svg = renderChart(sampleReport());
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // Checkout: 4 rates × p50/p99; webhooks: 1 rate × product/inline; fulfilment: product and no-op; plus 6 legend keys.
    expect(svg.match(/<rect x=/g)).toHaveLength(8 + 2 + 2 + 6);
    expect(svg).toContain('inline p99: 2400 ms');
  });
});
