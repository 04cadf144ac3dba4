// Runs each part of the bench's deployment in a CPU cgroup with the cpu_shares docker-compose.yml gives its service.
import { constants } from 'node:fs';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { parse } from 'yaml';

/**
 * The compose service each part stands for. The inline baseline is an API and the no-op worker a worker; the load
 * generator stands for the buyers' and the provider's machines, so it gets Docker's default weight.
 */
export const PART_SERVICE = {
  api: 'api',
  worker: 'worker',
  temporal: 'temporal',
  postgres: 'postgres',
  smtpSink: 'mailpit',
  inline: 'api',
  noopWorker: 'worker',
  loadGenerator: null,
} as const;
export type Part = keyof typeof PART_SERVICE;
export type Shares = Record<Part, number>;

/** Docker's weight for a container without cpu_shares. */
export const DOCKER_DEFAULT_SHARES = 1024;
/** Where cgroup v1 mounts its cpu controller; the bench needs it writable (root). */
export const CPU_CGROUP_ROOT = '/sys/fs/cgroup/cpu';

/** Each part's weight as docker-compose.yml sets it for its service (Docker's default where it sets none). */
export async function composeShares(file: URL = new URL('../docker-compose.yml', import.meta.url)): Promise<Shares> {
  const compose = parse(await readFile(file, 'utf8')) as { services: Record<string, { cpu_shares?: number } | undefined> };
  const shares = {} as Shares;
  for (const [part, service] of Object.entries(PART_SERVICE) as Array<[Part, string | null]>) {
    if (service !== null && !(service in compose.services)) throw new Error(`docker-compose.yml has no service ${service} (for the bench's ${part})`);
    shares[part] = (service === null ? undefined : compose.services[service]?.cpu_shares) ?? DOCKER_DEFAULT_SHARES;
  }
  return shares;
}

export interface SharesHold {
  /** The cgroup each part runs in. */
  groups: Record<Part, string>;
  /** Moves this process back to the root group and removes the groups (a part still running keeps its group). */
  stop(): Promise<void>;
}

/**
 * Why cgroups and not nice values: with the kernel's autogroups (on by default), each session is a scheduling group of
 * its own, weighed against the others before the nice values inside it count. The Temporal dev server (started in a
 * session of its own) and every PostgreSQL backend (each calls setsid) were such groups, so lowering their nice value
 * changed nothing against the API, and each busy backend weighed as much as the bench's whole session. A cgroup per
 * part is what Docker makes of compose's cpu_shares: one weight per service, however many processes it runs.
 *
 * `pids()` names each part's processes; a part's children go with it (PostgreSQL's backends, forked by the postmaster,
 * start in its group). Checked again every `everyMs`, so a restarted worker is moved within one period.
 */
export async function holdShares(pids: () => Promise<Partial<Record<Part, Array<number | undefined>>>>, shares: Shares, everyMs = 1000, root = CPU_CGROUP_ROOT): Promise<SharesHold> {
  const parent = `${root}/checkout-bench-${process.pid}`;
  const groups = {} as Record<Part, string>;
  try {
    // Checked first: on a cgroup v2 machine mkdir would make v2 groups there, which have no cpu.shares.
    await access(`${root}/cpu.shares`, constants.R_OK);
    await access(`${root}/cgroup.procs`, constants.W_OK);
    for (const part of Object.keys(shares) as Part[]) {
      groups[part] = `${parent}/${part}`;
      await mkdir(groups[part], { recursive: true });
      await writeFile(`${groups[part]}/cpu.shares`, String(shares[part]));
    }
  } catch (err) {
    throw new Error(`--compose-shares needs cgroup v1's cpu controller at ${root}, writable (root): ${(err as Error).message}`);
  }
  const apply = async () => {
    for (const [part, list] of Object.entries(await pids()) as Array<[Part, Array<number | undefined>]>) {
      for (const pid of list) if (pid !== undefined) await move(pid, groups[part], WITH_CHILDREN.has(part));
    }
  };
  await apply();
  let pass: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pass = pass.then(apply).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return {
    groups,
    async stop() {
      clearInterval(timer);
      await pass;
      await writeFile(`${root}/cgroup.procs`, String(process.pid)).catch(() => undefined);
      // A group with a process still in it (one that outlived the stack) stays; the next run makes its own.
      for (const group of Object.values(groups)) await rmdir(group).catch(() => undefined);
      await rmdir(parent).catch(() => undefined);
    },
  };
}

/** PostgreSQL's part is its postmaster with the backends it forks; every other part's pid is one process. */
const WITH_CHILDREN: ReadonlySet<Part> = new Set(['postgres']);

/** The process's cpu cgroup, as /proc/<pid>/cgroup names it (`4:cpu:/path`, or `cpu,cpuacct` where they share a mount). */
export const cpuGroupOf = (text: string) => /^\d+:(?:[^:]*,)?cpu(?:,[^:]*)?:(.*)$/m.exec(text)?.[1];

/** Moves a process (all its threads), and with `children` those it forked, into `group`; one that has exited is skipped. */
async function move(pid: number, group: string, children: boolean): Promise<void> {
  let forked: string[] = [];
  try {
    if (!group.endsWith(cpuGroupOf(await readFile(`/proc/${pid}/cgroup`, 'utf8')) ?? '\0')) await writeFile(`${group}/cgroup.procs`, String(pid));
    if (children) forked = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).split(' ').filter(Boolean);
  } catch {
    return;
  }
  for (const child of forked) await move(Number(child), group, false);
}
