// `npm start`'s embedded Temporal dies: the stack says which server died and why, stops in order and exits 1.
import { randomUUID } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/stack/process.js';
import { startEntry, type Child } from '../support/child.js';
import { eventually } from '../support/harness.js';

const started: Array<{ stack: Child; dataDir: string; temporalPort: number }> = [];

afterAll(async () => {
  for (const { stack, dataDir, temporalPort } of started) {
    await stack.stop('SIGKILL');
    // A test that failed before killing it leaves the stack's dev server behind: it runs in a process group of its own.
    await devServerPid(temporalPort).then((pid) => process.kill(pid, 'SIGKILL'), () => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** The pid of the Temporal dev server listening on this port, from its command line. */
async function devServerPid(port: number): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('\0start-dev\0') && cmdline.includes(`\0--port\0${port}\0`)) return Number(entry);
  }
  throw new Error(`no Temporal dev server on port ${port}`);
}

/** `npm start` with the suite's PostgreSQL standing in for the embedded one; Temporal is the stack's own. */
async function startStack(): Promise<{ stack: Child; baseUrl: string; metricsUrl: string; temporalPort: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'checkout-stack-exit-'));
  const [port, temporalPort, temporalUiPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const baseUrl = `http://127.0.0.1:${port}`;
  const stack = startEntry('src/stack.ts', {
    PORT: String(port),
    PUBLIC_URL: baseUrl,
    DATA_DIR: dataDir,
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(temporalUiPort),
    TEMPORAL_TASK_QUEUE: `test-${randomUUID()}`,
    METRICS_PORT: String(metricsPort),
    SMTP_URL: inject('smtpUrl'),
  });
  started.push({ stack, dataDir, temporalPort });
  return { stack, baseUrl, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, temporalPort };
}

/** Kills the stack's dev server and waits for the stack to exit: 1, the server named, every step of the stop run. */
async function expectOrderedExit(stack: Child, temporalPort: number): Promise<void> {
  const pid = await devServerPid(temporalPort);
  process.kill(pid, 'SIGKILL');
  await eventually(async () => stack.alive(), (alive) => !alive, 'the stack to exit', 60_000);
  expect(await stack.stop()).toBe(1);
  const fatal = stack.logs.find((l) => l.level === 60);
  expect(fatal?.msg).toContain(`temporal (pid ${pid}) exited unexpectedly with signal SIGKILL`);
  // It stopped in order (every step ran), not by a crash of its own.
  expect(stack.logs.map((l) => l.msg)).toContain('stopped');
}

/** Polls until the answer is `wanted` (any answer when absent), failing at once with the stack's output if it exits first. */
async function untilAnswers(stack: Child, url: string, what: string, wanted?: number): Promise<void> {
  const status = async () => {
    if (!stack.alive()) throw new Error(`npm start exited:\n${stack.output()}`);
    return fetch(url).then((r) => r.status, () => 0);
  };
  // It bundles the workflows and starts Temporal: slow on a busy machine.
  await eventually(status, (s) => (wanted === undefined ? s > 0 : s === wanted), what, 150_000);
}

describe('npm start with its embedded Temporal', () => {
  it('exits 1 with the reason when the Temporal dev server dies under it', async () => {
    const { stack, baseUrl, temporalPort } = await startStack();
    await untilAnswers(stack, `${baseUrl}/readyz`, 'the stack to be ready', 200);
    await expectOrderedExit(stack, temporalPort);
  }, 240_000);

  it('stops in order too when the dev server dies while the stack is still starting', async () => {
    const { stack, baseUrl, metricsUrl, temporalPort } = await startStack();
    // The metrics listener starts after the embedded servers and before the workflows are bundled and the API listens.
    await untilAnswers(stack, metricsUrl, 'the metrics listener');
    expect(await fetch(`${baseUrl}/readyz`).then((r) => r.status, () => 0)).toBe(0);
    await expectOrderedExit(stack, temporalPort);
  }, 240_000);
});
