// Runs chosen processes of the bench's deployment at a lower CPU priority, every thread of each (compose's cpu_shares).
import { readdir } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers every thread of a process to `nice`. Linux keeps a nice value per thread and setpriority on a process id
 * changes only its main thread, so each task under /proc/<pid>/task is set; threads started later inherit it from
 * the thread that starts them. Returns how many threads it changed; a process that is gone changes none.
 */
export async function lowerThreads(pid: number, nice: number): Promise<number> {
  let tids: string[];
  try {
    tids = await readdir(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let changed = 0;
  for (const tid of tids.map(Number)) {
    try {
      if (getPriority(tid) === nice) continue;
      setPriority(tid, nice);
      changed++;
    } catch {
      // The thread ended between the listing and the call.
    }
  }
  return changed;
}

export interface PriorityHold {
  stop(): void;
}

/**
 * Keeps the processes `pids()` names at `nice`, checking every `everyMs`: a supervised process that restarts comes
 * back at the bench's priority, and this lowers it again within one period.
 */
export async function holdPriority(pids: () => Promise<Array<number | undefined>>, nice: number, everyMs = 1000): Promise<PriorityHold> {
  const apply = async () => {
    for (const pid of await pids()) if (pid !== undefined) await lowerThreads(pid, nice);
  };
  await apply();
  let pass: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pass = pass.then(apply).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
