// `npm start`'s embedded Temporal dies: the stack says which server died and why, stops in order and exits 1.
import { randomUUID } from 'node:crypto';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/stack/process.js';
import { startEntry, type Child } from '../support/child.js';
import { eventually } from '../support/harness.js';

let stack: Child | undefined;
let dataDir: string | undefined;
let temporalPort: number | undefined;

afterAll(async () => {
  await stack?.stop('SIGKILL');
  // A test that failed before killing it leaves the stack's dev server behind: it runs in a process group of its own.
  if (temporalPort) await devServerPid(temporalPort).then((pid) => process.kill(pid, 'SIGKILL'), () => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
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

describe('npm start with its embedded Temporal', () => {
  it('exits 1 with the reason when the Temporal dev server dies under it', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'checkout-stack-exit-'));
    const [port, temporalUiPort, metricsPort] = await Promise.all([freePort(), freePort(), freePort()]);
    temporalPort = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // The suite's PostgreSQL stands in for the embedded one; Temporal is the stack's own (no TEMPORAL_ADDRESS).
    stack = startEntry('src/stack.ts', {
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
    const running = stack;
    const ready = async () => {
      if (!running.alive()) throw new Error(`npm start exited:\n${running.output()}`);
      return fetch(`${baseUrl}/readyz`).then((r) => r.status, () => 0);
    };
    // It bundles the workflows and starts Temporal: slow on a busy machine.
    await eventually(ready, (status) => status === 200, 'the stack to be ready', 150_000);

    const pid = await devServerPid(temporalPort);
    process.kill(pid, 'SIGKILL');
    await eventually(async () => running.alive(), (alive) => !alive, 'the stack to exit', 60_000);
    expect(await running.stop()).toBe(1);
    const fatal = running.logs.find((l) => l.level === 60);
    expect(fatal?.msg).toContain(`temporal (pid ${pid}) exited unexpectedly with signal SIGKILL`);
    // It stopped in order (every step ran), not by a crash of its own.
    expect(running.logs.map((l) => l.msg)).toContain('stopped');
  }, 240_000);
});
