// How fast the host was during a run: two fixed workloads timed before and after, and the share of CPU time the hypervisor stole.
import { readFile } from 'node:fs/promises';

/**
 * The same code and command on this kind of machine (a VM with two cores) cost 37% more CPU per checkout in the evening
 * than in the morning, and the load average, which counts only this machine's runnable tasks, does not show why. Three
 * figures that may: two fixed single-threaded workloads timed before the stack starts and once the last phase has
 * drained (one computes in the cache, one waits on memory and the last-level cache, which the host's other tenants
 * share), and the steal time the kernel counts while the run lasts.
 */
export interface HostSpeed {
  /** Each workload's best of three, in ms, before the stack started and once the last phase had drained. */
  workloadMs: { compute: { atStart: number; atEnd: number }; memory: { atStart: number; atEnd: number } };
  /** Percent of all CPU time during the run that the hypervisor gave to others (`steal` in /proc/stat); null off Linux. */
  stealPercent: number | null;
}

/** Computing: build, serialise, parse and sort the same data every time, as the product's processes do (V8's JSON, objects, arrays). */
function compute(): number {
  let check = 0;
  for (let round = 0; round < 4; round += 1) {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `order-${(i * 7919) % 20_000}`, amount: (i * 104_729) % 100_000, tags: ['a', 'b', String(i % 13)] }));
    const parsed = JSON.parse(JSON.stringify(rows)) as typeof rows;
    parsed.sort((a, b) => a.amount - b.amount || a.name.localeCompare(b.name));
    check += parsed[0]!.amount + parsed.length;
  }
  return check;
}

/** 64 MiB, twice the 32 MiB last-level cache of this machine (which the host's other tenants share); each entry points to the next of one full cycle. */
const CHASE_ENTRIES = 1 << 24;
const CHASE_STEPS = 1_000_000;

/** Waiting on memory: one million dependent reads in an order the prefetcher cannot guess (a full-period LCG as a cycle). */
function chaseMemory(next: Int32Array): number {
  let at = 0;
  for (let i = 0; i < CHASE_STEPS; i += 1) at = next[at]!;
  return at;
}

function bestOfThree(run: () => number): number {
  let best = Infinity;
  for (let i = 0; i < 3; i += 1) {
    const start = performance.now();
    if (run() < 0) throw new Error('unreachable');
    best = Math.min(best, performance.now() - start);
  }
  return Math.round(best * 10) / 10;
}

/** Best of three timings of each workload, so a single interruption does not count: what is left is how fast a core and its memory were then. */
export function timeWorkloads(): { compute: number; memory: number } {
  const next = new Int32Array(CHASE_ENTRIES);
  // i -> 1664525 i + 1013904223 (mod 2^24) visits every entry once before it returns to 0 (Hull-Dobell).
  for (let i = 0; i < CHASE_ENTRIES; i += 1) next[i] = (Math.imul(i, 1_664_525) + 1_013_904_223) & (CHASE_ENTRIES - 1);
  return { compute: bestOfThree(compute), memory: bestOfThree(() => chaseMemory(next)) };
}

/** The aggregate `cpu` line of /proc/stat: steal (the 8th value) and the sum of all values, in clock ticks. */
export function parseCpuLine(stat: string): { steal: number; total: number } {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in /proc/stat');
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // guest and guest_nice (9th, 10th) are already counted in user and nice.
  const counted = values.slice(0, 8);
  if (counted.length < 8 || counted.some((v) => !Number.isFinite(v))) throw new Error(`unexpected /proc/stat cpu line: ${line}`);
  return { steal: counted[7]!, total: counted.reduce((a, b) => a + b, 0) };
}

async function cpuTicks(): Promise<{ steal: number; total: number } | null> {
  try {
    return parseCpuLine(await readFile('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** Starts the measurement: reads the counters and times the workloads. `finish()` does both again. */
export async function startHostSpeed(): Promise<{ finish: () => Promise<HostSpeed> }> {
  const before = await cpuTicks();
  const atStart = timeWorkloads();
  return {
    finish: async () => {
      const atEnd = timeWorkloads();
      const after = await cpuTicks();
      const total = before && after ? after.total - before.total : 0;
      const stealPercent = before && after && total > 0 ? Math.round(((after.steal - before.steal) / total) * 1000) / 10 : null;
      return {
        workloadMs: { compute: { atStart: atStart.compute, atEnd: atEnd.compute }, memory: { atStart: atStart.memory, atEnd: atEnd.memory } },
        stealPercent,
      };
    },
  };
}

/** A host that slowed down during the run, or a hypervisor that took a noticeable share of it, makes every figure indicative. */
export function hostNotes(h: HostSpeed): string[] {
  const changed = Object.entries(h.workloadMs).filter(([, t]) => Math.max(t.atStart, t.atEnd) > 1.2 * Math.min(t.atStart, t.atEnd));
  return [
    ...changed.map(([name, t]) => `The host's speed changed during the run (${name} workload ${t.atStart} ms before, ${t.atEnd} ms after): figures are indicative only.`),
    ...(h.stealPercent !== null && h.stealPercent >= 5 ? [`The hypervisor took ${h.stealPercent}% of the CPU time during the run (steal): figures are indicative only.`] : []),
  ];
}
