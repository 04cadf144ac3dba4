// CPU time each part of the deployment spent, from /proc (Linux): where an order's cost goes, per process.
import { readdir, readFile } from 'node:fs/promises';

/** utime + stime (+ cutime + cstime: reaped children, i.e. PostgreSQL backends that have exited) in clock ticks. */
async function ticks(pid: number, reapedChildren: boolean): Promise<{ ticks: number; ppid: number } | null> {
  try {
    // The command name (field 2) may hold spaces and parentheses; the fields after its closing one are fixed.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(f[11]) + Number(f[12]);
    return { ticks: own + (reapedChildren ? Number(f[13]) + Number(f[14]) : 0), ppid: Number(f[1]) };
  } catch {
    return null;
  }
}

/** Linux's USER_HZ: 100 on every architecture it supports, whatever the kernel's tick rate. */
const TICK_MS = 10;

/**
 * CPU ms by part. `trees` count a process with its children, live and exited (the PostgreSQL postmaster and its
 * backends); `single` count the process alone. A part whose process is gone reads as absent.
 */
export async function cpuMs(parts: { single: Record<string, number | undefined>; trees: Record<string, number | undefined> }): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(parts.single)) {
    const t = pid === undefined ? null : await ticks(pid, false);
    if (t) out[name] = t.ticks * TICK_MS;
  }
  const treeRoots = Object.entries(parts.trees).filter((e): e is [string, number] => e[1] !== undefined);
  if (treeRoots.length === 0) return out;
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const t = await ticks(Number(entry), false);
    if (t) children.set(t.ppid, [...(children.get(t.ppid) ?? []), t.ticks]);
  }
  for (const [name, pid] of treeRoots) {
    const root = await ticks(pid, true);
    if (root) out[name] = (root.ticks + (children.get(pid) ?? []).reduce((a, b) => a + b, 0)) * TICK_MS;
  }
  return out;
}

/** CPU ms per order by part between two readings, and their sum; parts absent from either reading are left out. */
export function cpuPerOrder(before: Record<string, number>, after: Record<string, number>, orders: number): Record<string, number> | null {
  if (!(orders > 0)) return null;
  const per: Record<string, number> = {};
  for (const [name, end] of Object.entries(after)) {
    const start = before[name];
    if (start !== undefined) per[name] = Math.round(((end - start) / orders) * 10) / 10;
  }
  per.total = Math.round(Object.values(per).reduce((a, b) => a + b, 0) * 10) / 10;
  return per;
}
