// A run that the release before the lean order shape started, finished by today's workflow code on a new worker.
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { startTracing, tracingWorkerOptions } from '../../src/observability/tracing.js';
import { orderWorkflowId } from '../../src/workflows/definitions.js';
import { LEAN_RUN_PATCH } from '../../src/workflows/orderRun.js';
import { apiOn, checkout, packageId, recordHistory, sandboxAction, startHarness, uniqueEmail, waitForStatus, workerOn, type Harness } from '../support/harness.js';

const { EventType } = temporal.api.enums.v1;
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** main just before the lean order shape (patch `order-local-steps`) merged: the code production ran until then. */
const BEFORE_LEAN = 'a11a4b0';

/** Its sources, from this clone's history (every full clone has it; a shallow one does not, and skips this file). */
function sourcesOf(commit: string): string | undefined {
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: REPO_ROOT, stdio: 'ignore' });
  } catch {
    return undefined;
  }
  // Outside node_modules, which the bundler's TypeScript loader skips; the packages resolve through the link.
  const dir = mkdtempSync(join(tmpdir(), `release-${commit}-`));
  execFileSync('sh', ['-c', `git archive ${commit} src | tar -x -C '${dir}'`], { cwd: REPO_ROOT });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

const oldSources = sourcesOf(BEFORE_LEAN);
let h: Harness;
const cleanup: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  await h?.close();
  if (oldSources) rmSync(oldSources, { recursive: true, force: true });
});

/** The patch markers a history carries, by event id. */
function patchMarkers(events: temporal.api.history.v1.IHistoryEvent[]) {
  return events
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map((e) => ({ eventId: Number(e.eventId), patch: Buffer.from(e.markerRecordedEventAttributes!.details!['patch-data']!.payloads![0]!.data!).toString() }));
}

describe('a run started before the lean order shape', () => {
  it.skipIf(!oldSources)('opens checkout the old way, is paid after the upgrade, fulfils the lean way, and replays', async () => {
    // The old release's workflow code, bundled as its workers bundled it (the SDK's own tracing interceptors then).
    const old = await bundleWorkflowCode({
      workflowsPath: join(oldSources!, 'src/workflows/index.ts'),
      failureConverterPath: join(oldSources!, 'src/codec/failureConverter.cjs'),
      workflowInterceptorModules: [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
      logger: new DefaultLogger('WARN'),
    });
    const config: Config = { ...h.config, temporal: { ...h.config.temporal, taskQueue: `crossed-${randomUUID()}` } };
    const { api, close } = await apiOn(h, config);
    cleanup.push(close);
    // Today's activities run under both: they keep every name an old run calls.
    const before = await workerOn(h, config, old.code);
    cleanup.push(before.stop);
    const email = uniqueEmail('crossed');
    const res = await checkout(api, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email, locale: 'en' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { orderId, paymentUrl } = res.body as { orderId: string; paymentUrl: string };
    const workflowId = orderWorkflowId(orderId);
    const handle = h.temporal.workflow.getHandle(workflowId);
    // The upgrade: the old release's worker drains and stops while the run waits for payment; today's takes over.
    await before.stop();
    cleanup.push((await workerOn(h, config)).stop);
    await sandboxAction(paymentUrl, 'pay');
    await waitForStatus(api, orderId, 'FULFILLED', 60_000);
    await handle.result();

    const events = (await handle.fetchHistory()).events!;
    const signalled = events.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)!;
    expect(signalled).toBeDefined();
    // Before the payment, the old shape: createOrder as a scheduled activity, no lean marker.
    const createOrder = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'createOrder');
    expect(createOrder, 'createOrder scheduled as an activity by the old code').toBeDefined();
    const lean = patchMarkers(events).filter((m) => m.patch.includes(LEAN_RUN_PATCH));
    // After it, today's code took the lean path: the patch is marked once the run is past checkout, then local steps.
    expect(lean.length).toBeGreaterThan(0);
    expect(lean.every((m) => m.eventId > Number(signalled.eventId))).toBe(true);
    const localAfter = events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity' && Number(e.eventId) > Number(signalled.eventId));
    expect(localAfter.length).toBeGreaterThan(0);

    // Today's code replays the crossed history, both halves.
    const { sinks } = tracingWorkerOptions(startTracing('replay', {}));
    await Worker.runReplayHistory({ workflowBundle: { code: inject('workflowCode') }, sinks }, { events }, workflowId);
    await recordHistory(h, workflowId, 'crossed-into-lean-run');
  }, 240_000);
});
