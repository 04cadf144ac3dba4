// The worker's side of the wiring: the Temporal runtime, the order worker with its activities, the reconcile schedule.
import { ScheduleAlreadyRunning, type Client, ScheduleOverlapPolicy, type ScheduleOptionsAction } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel, type WorkerOptions, type WorkflowBundle, type WorkflowBundleOption } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities } from './activities/index.js';
import { dataConverterFor, FAILURE_CONVERTER_PATH } from './codec/aesGcm.js';
import type { Config } from './config.js';
import type { Sql } from './db/client.js';
import type { Mailer } from './email/transport.js';
import type { Metrics } from './observability/metrics.js';
import { tracingWorkerOptions, WORKFLOW_TRACING_MODULE, type Tracing } from './observability/tracing.js';
import type { PaymentProviders } from './payments/index.js';
import { reconcileScheduleId, retentionScheduleId, type ReconcileInput, type RetentionInput } from './workflows/definitions.js';

// Running from src/ under tsx the workflows are .ts; from the compiled dist/ they are .js.
export const WORKFLOWS_PATH = fileURLToPath(new URL(`./workflows/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/**
 * Our shutdown sequence (src/shutdown.ts) stops the worker and then everything else in order; the SDK's own
 * signal handling would stop the worker and re-raise the signal, killing the process halfway through.
 */
export function installTemporalRuntime(level: LogLevel = 'INFO', prometheusAddress?: string): void {
  Runtime.install({
    logger: new DefaultLogger(level),
    shutdownSignals: [],
    // The SDK's own worker metrics (slots, pollers, sticky cache, latencies) on a Prometheus endpoint of its own.
    ...(prometheusAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: prometheusAddress } } } } : {}),
  });
}

export interface WorkerParts {
  temporalAddress: string;
  sql: Sql;
  payments: PaymentProviders;
  mailer: Mailer;
  metrics: Metrics;
  tracing: Tracing;
}

export interface WorkerTuning {
  /** Tests bundle the workflows once and hand the bundle to every worker; a deployment may hand a prebuilt file. */
  workflowBundle?: WorkflowBundleOption;
  stickyQueueScheduleToStartTimeoutMs?: number;
}

export async function createOrderWorker(config: Config, p: WorkerParts, tuning: WorkerTuning = {}): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address: p.temporalAddress, ...config.temporal.security });
  try {
    return { worker: await Worker.create(workerOptions(connection, config, p, tuning)), connection };
  } catch (err) {
    // Start-up retries this whole call: a connection left open on each failed attempt would pile up.
    await connection.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Modules every run shares instead of evaluating its own copy (docs/decisions.md, "Workflow modules evaluated once"):
 * the workflows with all they import, and the tracing interceptors. A workflow thread evaluates them once, when it
 * starts, and freezes what they export. They hold no state of a run: module scope only defines functions, constants
 * and activity proxies, and a run's state lives in its own calls.
 */
export const PRELOADED_WORKFLOW_MODULES = [WORKFLOWS_PATH, WORKFLOW_TRACING_MODULE];

/** What goes into the workflow bundle besides the workflows: the failure converter, the tracing interceptors, the preload. */
export const WORKFLOW_BUNDLE_OPTIONS = {
  workflowsPath: WORKFLOWS_PATH,
  failureConverterPath: FAILURE_CONVERTER_PATH,
  workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
  preloadModules: PRELOADED_WORKFLOW_MODULES,
};

/** Bundled once before start-up waits for Temporal, so a retried Worker.create does not bundle again each time. */
export async function bundleOrderWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: new DefaultLogger('WARN') });
}

/**
 * The worker's workflow code: a prebuilt file when configured, or bundled now. Bundling is most of a worker's start
 * (tens of seconds on a busy machine), and a restarted worker's queue waits for it.
 */
export async function orderWorkflowBundle(config: Config): Promise<WorkflowBundleOption> {
  return config.workflowBundlePath ? { codePath: config.workflowBundlePath } : bundleOrderWorkflows();
}

/** Exported for a test that reads the tuning it passes to the SDK. */
export function workerOptions(connection: NativeConnection, config: Config, p: WorkerParts, tuning: WorkerTuning): WorkerOptions {
  const { workflowsPath, workflowInterceptorModules, preloadModules } = WORKFLOW_BUNDLE_OPTIONS;
  const tracingOptions = tracingWorkerOptions(p.tracing);
  return {
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(tuning.workflowBundle ? { workflowBundle: tuning.workflowBundle } : { workflowsPath, bundlerOptions: { preloadModules } }),
    // Payloads encrypted with PAYLOAD_KEYS; its failure converter is the one in the bundle (WORKFLOW_BUNDLE_OPTIONS).
    dataConverter: dataConverterFor(config.codec.keys),
    sinks: tracingOptions.sinks,
    // A prebuilt bundle has the workflow interceptors in it already; bundling here needs them named.
    interceptors: { ...tracingOptions.interceptors, ...(tuning.workflowBundle ? {} : { workflowModules: workflowInterceptorModules }) },
    activities: createActivities({
      sql: p.sql,
      payments: p.payments,
      mailer: p.mailer,
      metrics: p.metrics,
      publicUrl: config.publicUrl,
      shopUrl: config.shopUrl,
      tokenSecret: config.jwt.secret,
      customerKeySecret: config.customerKeySecret,
      bankAccount: config.bankTransfer,
    }),
    // Without a grace period, in-flight activities are cancelled the moment shutdown starts.
    shutdownGraceTime: config.workerShutdownGraceMs,
    ...workerCapacity(config, tuning.stickyQueueScheduleToStartTimeoutMs),
  };
}

/** The cache and slot settings from env; the bench's no-op worker takes the same, so its ceiling is comparable. */
export function workerCapacity(config: Config, stickyTimeoutMs?: number) {
  return {
    // Bounded so that many orders waiting for payment cost a fixed amount of memory (docs/decisions.md, "Worker memory").
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: config.worker.maxConcurrentLocalActivityExecutions,
    stickyQueueScheduleToStartTimeout: stickyTimeoutMs ?? config.worker.stickyQueueScheduleToStartTimeoutMs,
  };
}

/** What a reconciliation pass is given: the schedule's input, and a test's scoped pass. */
export function reconcileInput(config: Config): ReconcileInput {
  return {
    olderThanMs: config.reconcile.afterMs,
    checkoutTtlMs: config.checkoutTtlMs,
    limit: 100,
    fulfilmentRetryMs: config.fulfilmentRetryMs,
    latePaymentPolicy: config.latePaymentPolicy,
    settlementMs: config.settlementMs,
  };
}

/**
 * The reconciliation Schedule for this task queue: created on worker start, updated when the settings change.
 * Overlapping runs are skipped, so a slow provider never piles up passes.
 */
export async function ensureReconcileSchedule(client: Client, config: Config): Promise<string> {
  const scheduleId = reconcileScheduleId(config.temporal.taskQueue);
  const input = reconcileInput(config);
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: 'reconcileWorkflow',
    workflowId: scheduleId,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    workflowExecutionTimeout: '10m',
    staticSummary: 'Reconcile: ask providers about pending orders whose webhook may be lost',
  };
  await upsertSchedule(client, scheduleId, { intervals: [{ every: config.reconcile.intervalMs }] }, action);
  return scheduleId;
}

/** The retention Schedule for this task queue: redacts personal data past RETENTION_DAYS (src/db/erasure.ts). */
export async function ensureRetentionSchedule(client: Client, config: Config): Promise<string> {
  const scheduleId = retentionScheduleId(config.temporal.taskQueue);
  const input: RetentionInput = { retentionDays: config.retention.days };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: 'retentionWorkflow',
    workflowId: scheduleId,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    workflowExecutionTimeout: '10m',
    staticSummary: `Retention: redact webhook bodies and email recipients older than ${config.retention.days} days`,
  };
  await upsertSchedule(client, scheduleId, { intervals: [{ every: config.retention.intervalMs }] }, action);
  return scheduleId;
}

/** Created on worker start, updated when the settings change; overlapping runs are skipped. */
async function upsertSchedule(client: Client, scheduleId: string, spec: { intervals: { every: number }[] }, action: ScheduleOptionsAction): Promise<void> {
  try {
    await client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action }));
  }
}
