// Replays every release's recorded workflow histories against today's workflow code, and fails when the code changed with no release cut for it.
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { dataConverterFor } from '../../src/codec/aesGcm.js';
import { startTracing, tracingWorkerOptions } from '../../src/observability/tracing.js';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../src/wiring.js';
import { currentRelease, FIXTURE_PAYLOAD_KEY, HISTORY_FIXTURES, MANIFEST, releases, REQUIRED_HISTORIES, uncutReleaseMessage } from '../support/histories.js';

/** Every recorded history, wherever it lies under the fixtures folder: none is ever skipped. */
async function fixtures() {
  const files = (await readdir(HISTORY_FIXTURES, { recursive: true })).filter((f) => f.endsWith('.json') && !f.endsWith(MANIFEST)).sort();
  return Promise.all(
    files.map(async (file) => {
      const { workflowId, history } = JSON.parse(await readFile(`${HISTORY_FIXTURES}${file}`, 'utf8')) as { workflowId: string; history: unknown };
      return { file, workflowId, history: temporal.api.history.v1.History.fromObject(history as object) };
    }),
  );
}

describe('recorded workflow histories', () => {
  it('lie in release folders, each with its manifest', async () => {
    const loose = (await fixtures()).map((f) => f.file).filter((f) => !f.includes('/'));
    // Histories recorded on a branch before releases existed: kept, moved unchanged (docs/decisions.md, "Workflow versioning").
    expect(loose, `move these unchanged into a folder: git mv test/fixtures/histories/<name>.json test/fixtures/histories/<release>/`).toEqual([]);
    const folders = (await readdir(HISTORY_FIXTURES, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(releases().map((r) => r.release).sort()).toEqual(folders);
  });

  it('include a release recorded from today’s workflow code', () => {
    expect(currentRelease()?.release, uncutReleaseMessage()).toBeDefined();
  });

  it('of the current release cover every required scenario', async () => {
    const release = currentRelease();
    if (!release) return; // reported by the test above
    const names = (await fixtures()).filter((f) => f.file.startsWith(`${release.release}/`)).map((f) => f.file.slice(release.release.length + 1, -'.json'.length));
    expect(names).toEqual(expect.arrayContaining(REQUIRED_HISTORIES));
  });

  it('replay without a determinism error, every release', async () => {
    const all = await fixtures();
    // The worker's own bundle and data converter: tracing interceptors, failure converter, and a payload codec that
    // decrypts the encrypted fixtures and lets the histories recorded before encryption through.
    const workflowBundle = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: new DefaultLogger('WARN') });
    const dataConverter = dataConverterFor([FIXTURE_PAYLOAD_KEY]);
    const { sinks } = tracingWorkerOptions(startTracing('replay', {}));
    const failures: string[] = [];
    let replayed = 0;
    // The file name travels in the id so a failure names the fixture; workflow ids repeat across releases.
    const byId = new Map(all.map(({ file, workflowId }) => [`${file}|${workflowId}`, file]));
    for await (const result of Worker.runReplayHistories({ workflowBundle, dataConverter, sinks }, all.map(({ file, workflowId, history }) => ({ workflowId: `${file}|${workflowId}`, history })))) {
      replayed++;
      if (result.error) failures.push(`${byId.get(result.workflowId)}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(all.length);
  }, 180_000);
});
