// Cuts a release of the workflow code: a new history folder with its manifest, filled by the integration tests that record histories.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { currentRelease, currentWorkflowSources, HISTORY_FIXTURES, MANIFEST, REQUIRED_HISTORIES, type ReleaseManifest } from '../test/support/histories.js';

const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
const missingIn = (release: string) => REQUIRED_HISTORIES.filter((name) => !existsSync(`${HISTORY_FIXTURES}${release}/${name}.json`));

const existing = currentRelease();
if (existing) {
  const missing = missingIn(existing.release);
  console.log(`Release ${existing.release} was already recorded from today's workflow code; nothing to cut.`);
  if (missing.length) {
    console.log(`It lacks ${missing.join(', ')}: record each new scenario into it with RECORD_HISTORIES=1 npx vitest run <its test file>.`);
  }
  process.exit(0);
}

const sources = currentWorkflowSources();
const now = new Date();
const release = `${now.toISOString().slice(0, 10)}-${sources.hash.slice(0, 8)}`;
const dir = `${HISTORY_FIXTURES}${release}/`;
const dirty = git('status', '--porcelain', '--', 'src', 'package-lock.json') !== '';
const manifest: ReleaseManifest = {
  release,
  cutAt: now.toISOString(),
  commit: `${git('rev-parse', '--short', 'HEAD')}${dirty ? '+changes' : ''}`,
  workflowSources: sources.hash,
  sdk: sources.sdk,
  sources: sources.sources,
};
mkdirSync(dir);
writeFileSync(`${dir}${MANIFEST}`, `${JSON.stringify(manifest, null, 2)}\n`);

// Every integration and workflow test file that records a history; each refuses to overwrite one, so a release is recorded once.
const files = ['test/integration/', 'test/workflow/'].flatMap((folder) =>
  readdirSync(folder)
    .filter((f) => f.endsWith('.test.ts') && readFileSync(`${folder}${f}`, 'utf8').includes('recordHistory('))
    .map((f) => `${folder}${f}`),
);
console.log(`Cutting release ${release}: recording histories with ${files.join(' ')}`);
const run = spawnSync('npx', ['vitest', 'run', '--project', 'integration', '--project', 'workflow', ...files], { stdio: 'inherit', env: { ...process.env, RECORD_HISTORIES: '1' } });

const missing = missingIn(release);
if (run.status !== 0 || missing.length) {
  // The folder is new and uncommitted: removing it lets the next attempt start clean (committed releases are never touched).
  rmSync(dir, { recursive: true, force: true });
  console.error(run.status !== 0 ? 'The recording tests failed; no release was cut.' : `No test recorded ${missing.join(', ')}; no release was cut.`);
  process.exit(1);
}
console.log(`Release ${release} recorded (${REQUIRED_HISTORIES.length} required histories). Commit test/fixtures/histories/${release}/ and check: npx vitest run --project workflow test/workflow/replay.test.ts`);
