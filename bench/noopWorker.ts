// The no-op baseline's worker process: the real order workflow bundle on its own task queue, with activities that do nothing.
import { NativeConnection, Worker } from '@temporalio/worker';
import { dataConverterFor } from '../src/codec/aesGcm.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { startTracing, tracingWorkerOptions } from '../src/observability/tracing.js';
import { installTemporalRuntime, workerCapacity } from '../src/wiring.js';
import { noopActivities } from './noopActivities.js';

const config = loadConfig();
const log = createLogger(config.logLevel, 'noop-worker');
installTemporalRuntime('WARN');
if (!config.workflowBundlePath || !config.temporal.address) throw new Error('the no-op worker needs WORKFLOW_BUNDLE_PATH and TEMPORAL_ADDRESS');
const tracing = tracingWorkerOptions(startTracing('bench-noop-worker', config.tracing));
const connection = await NativeConnection.connect({ address: config.temporal.address, ...config.temporal.security });
const worker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  // The product worker's prebuilt bundle: the same workflow code, interceptors and failure converter.
  workflowBundle: { codePath: config.workflowBundlePath },
  dataConverter: dataConverterFor(config.codec.keys),
  sinks: tracing.sinks,
  interceptors: tracing.interceptors,
  activities: noopActivities(),
  // The product worker's cache and slots (WORKER_* env): a bigger cache would spare the baseline the replays the
  // product pays for evicted orders, and the ratio would compare settings instead of activities.
  ...workerCapacity(config),
});
const running = worker.run();
process.once('SIGTERM', () => worker.shutdown());
log.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
await running;
await connection.close();
