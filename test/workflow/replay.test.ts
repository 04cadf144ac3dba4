// Replays every recorded workflow history against today's workflow code: a change that breaks determinism fails here.
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { dataConverterFor } from '../../src/codec/aesGcm.js';
import { startTracing, tracingWorkerOptions } from '../../src/observability/tracing.js';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../src/wiring.js';
import { FIXTURE_PAYLOAD_KEY, HISTORY_FIXTURES, REQUIRED_HISTORIES } from '../support/histories.js';

async function fixtures() {
  const files = (await readdir(HISTORY_FIXTURES)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(await readFile(`${HISTORY_FIXTURES}${file}`, 'utf8')) as { workflowId: string; history: unknown };
      return { name: file.replace(/\.json$/, ''), workflowId, history: temporal.api.history.v1.History.fromObject(history as object) };
    }),
  );
}

describe('recorded workflow histories', () => {
  it('include every scenario', async () => {
    const names = (await fixtures()).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(REQUIRED_HISTORIES));
  });

  it('replay without a determinism error', async () => {
    const all = await fixtures();
    // The worker's own bundle and data converter: tracing interceptors, failure converter, and a payload codec that
    // decrypts the encrypted fixtures and lets the histories recorded before encryption through.
    const workflowBundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: new DefaultLogger('WARN') });
    const dataConverter = dataConverterFor([FIXTURE_PAYLOAD_KEY]);
    const { sinks } = tracingWorkerOptions(startTracing('replay', {}));
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter, sinks }, all.map(({ workflowId, history }) => ({ workflowId, history })))) {
      replayed++;
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(all.length);
  }, 120_000);
});
