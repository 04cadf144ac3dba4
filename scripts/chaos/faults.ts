// The faults of one run, at planned times within the traffic window: worker kills, and one outage of each dependency.
import type { Random } from './plan.js';
import type { ChaosStack } from './stack.js';

export interface FaultPlan {
  workerKills: number;
  temporalDownMs: number | null;
  postgresDownMs: number | null;
  smtpDownMs: number | null;
}

export interface FaultRecord {
  kind: 'worker_kill' | 'temporal_restart' | 'postgres_outage' | 'smtp_outage';
  target?: string;
  /** Seconds since the traffic started. */
  at: number;
  /** Until the dependency was back (the worker kills end at once; the supervisor restarts the process). */
  until: number;
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The outages are spread over the window (Temporal at a fifth, PostgreSQL near the middle, SMTP at three quarters) so
 * each one meets orders in every stage; the worker kills are evenly spaced with jitter, and go on during the outages.
 */
export async function runFaults(stack: ChaosStack, plan: FaultPlan, windowMs: number, random: Random, note: (line: string) => void): Promise<FaultRecord[]> {
  const t0 = Date.now();
  const seconds = () => Math.round((Date.now() - t0) / 100) / 10;
  const records: FaultRecord[] = [];
  const outage = async (kind: FaultRecord['kind'], fraction: number, downMs: number | null, act: (ms: number) => Promise<void>) => {
    if (downMs === null) return;
    await sleep(windowMs * fraction);
    const record: FaultRecord = { kind, at: seconds(), until: 0 };
    records.push(record);
    note(`${kind}: down for ${downMs / 1000} s`);
    try {
      await act(downMs);
    } catch (err) {
      record.error = (err as Error).message;
      note(`${kind} failed: ${record.error}`);
    }
    record.until = seconds();
    note(`${kind}: back after ${Math.round(record.until - record.at)} s`);
  };
  const kills = async () => {
    const gap = windowMs / (plan.workerKills + 1);
    for (let i = 1; i <= plan.workerKills; i++) {
      await sleep(Math.max(0, t0 + gap * i + (random() - 0.5) * gap * 0.5 - Date.now()));
      const worker = stack.workers[Math.floor(random() * stack.workers.length)]!;
      worker.kill();
      records.push({ kind: 'worker_kill', target: worker.name, at: seconds(), until: seconds() });
    }
  };
  await Promise.all([
    kills(),
    outage('temporal_restart', 0.2, plan.temporalDownMs, (ms) => stack.restartTemporal(ms)),
    outage('postgres_outage', 0.45, plan.postgresDownMs, (ms) => stack.stopPostgres(ms)),
    outage('smtp_outage', 0.75, plan.smtpDownMs, (ms) => stack.stopSmtp(ms)),
  ]);
  return records.sort((a, b) => a.at - b.at);
}
