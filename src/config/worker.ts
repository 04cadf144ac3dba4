// How much one worker holds and runs at once: its workflow cache (memory) and its task slots (concurrency).
import { z } from 'zod';
import { envBool } from './envBool.js';

const count = z.coerce.number().int().nonnegative();

export const workerEnv = {
  // Workflows kept in memory between their tasks (~0.8 MiB each with today's bundle); others are replayed on their next
  // task. 0 turns the cache off. The SDK's default follows the heap limit (~2,300 on a 4 GiB heap). docs/decisions.md.
  WORKER_MAX_CACHED_WORKFLOWS: count.default(100),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: count.min(2).default(40),
  WORKER_MAX_CONCURRENT_ACTIVITIES: count.min(1).default(100),
  WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: count.min(1).default(100),
  // How long a cached workflow's next task waits for this worker before any worker may take it (and replay it).
  WORKER_STICKY_TIMEOUT_SECONDS: z.coerce.number().positive().default(10),
  // The SDK's promise hook, which records a stack for every promise a workflow makes, for the stack-trace queries (the
  // UI's Stack Trace tab). Off, a worker spends about a quarter less CPU per checkout. The patched SDK reads this
  // variable itself when its workflow threads start (scripts/patchDependencies.js); it is declared here so a typo is
  // refused.
  WORKER_WORKFLOW_STACK_TRACES: envBool.default(false),
};

export interface WorkerConfig {
  maxCachedWorkflows: number;
  maxConcurrentWorkflowTaskExecutions: number;
  maxConcurrentActivityTaskExecutions: number;
  maxConcurrentLocalActivityExecutions: number;
  stickyQueueScheduleToStartTimeoutMs: number;
}

type WorkerEnv = z.infer<z.ZodObject<typeof workerEnv>>;

/** The SDK would quietly lower or raise these itself (with a warning in the log); a setting that cannot hold is refused. */
export function workerCrossChecks(env: Record<string, string>): string[] {
  const problems: string[] = [];
  const cache = Number(env.WORKER_MAX_CACHED_WORKFLOWS ?? workerEnv.WORKER_MAX_CACHED_WORKFLOWS.parse(undefined));
  const tasks = Number(env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS ?? workerEnv.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS.parse(undefined));
  if (cache === 1) problems.push('WORKER_MAX_CACHED_WORKFLOWS: 0 (no cache) or at least 2');
  // A workflow task runs on a cached workflow: more slots than cache entries would evict workflows mid-task.
  if (cache > 1 && tasks > cache) problems.push(`WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: at most WORKER_MAX_CACHED_WORKFLOWS (${cache}) while the cache is on`);
  return problems;
}

export function workerConfig(e: WorkerEnv): WorkerConfig {
  return {
    maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    maxConcurrentWorkflowTaskExecutions: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxConcurrentActivityTaskExecutions: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentLocalActivityExecutions: e.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
    stickyQueueScheduleToStartTimeoutMs: e.WORKER_STICKY_TIMEOUT_SECONDS * 1000,
  };
}
