// The ordered stop of a process: asked again while under way (a worker failing as the server that died takes it down),
// it still runs every step and exits once, with 1.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A process whose first stop step asks for the stop again after ASK_AGAIN_MS, then a second step logs that it ran. */
const PROCESS = `
import { createLogger } from './src/log.ts';
import { onShutdown } from './src/shutdown.ts';
const log = createLogger('info', 'shutdown-test');
const forGood = onShutdown(log, [
  ['first', async () => {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.ASK_AGAIN_MS)));
    await forGood('asked again');
  }],
  ['second', () => log.info('second step ran')],
]);
void forGood('a part died');
`;

async function stopAskedAgainAfter(ms: number): Promise<{ code: number; messages: string[] }> {
  const outcome = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROCESS], { cwd: ROOT, env: { ...process.env, ASK_AGAIN_MS: String(ms) }, timeout: 30_000 }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
  // Sorted: which lines appear is the point here, not their order (one run under the full suite read them reordered).
  const messages = outcome.stdout.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
  return { code: outcome.code, messages: messages.toSorted() };
}

describe('onShutdown', () => {
  it('runs every step and exits 1 when asked again soon after the stop began', async () => {
    expect(await stopAskedAgainAfter(0)).toEqual({ code: 1, messages: ['second step ran', 'shutting down', 'stopped'] });
  });

  // Past the window in which a repeated signal is the same Ctrl-C: a second signal then means "now", a second failure does not.
  it('runs every step and exits 1 when asked again long after the stop began', async () => {
    expect(await stopAskedAgainAfter(2000)).toEqual({ code: 1, messages: ['second step ran', 'shutting down', 'stopped'] });
  });
});
