// The fixes scripts/patchDependencies.js carries, checked on the installed packages: each does what it says, and the Docker build runs it.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * In a process of its own (the hook is global to its thread): the worker's global handlers, installed as a workflow
 * thread installs them, watch promises made in a workflow-like realm whose Function constructor counts its calls. With
 * stack traces asked for, the hook records a stack for each pending promise (what the UI's Stack Trace tab shows) and
 * compiles its getters once per realm; without, no hook is installed and nothing is recorded.
 */
const HOOK_PROBE = `
const vm = require('node:vm');
const { GlobalHandlers } = require('@temporalio/worker/lib/workflow/vm-shared.js');
const handlers = new GlobalHandlers();
handlers.install();
let compiles = 0;
const context = vm.createContext({ countCompile: () => compiles++ });
vm.runInContext(\`
  const counted = new Proxy(Function, { apply: (target, self, args) => (countCompile(), Reflect.apply(target, self, args)) });
  Object.defineProperty(Function.prototype, 'constructor', { value: counted });
  globalThis.__TEMPORAL_ACTIVATOR__ = { info: { runId: 'probe' }, promiseStackStore: { promiseToStack: new Map(), childToParent: new Map() } };
\`, context);
compiles = 0;
vm.runInContext('globalThis.pending = Array.from({ length: 50 }, () => new Promise(() => {}));', context, { filename: 'probe-workflow.js' });
const stacks = [...context.__TEMPORAL_ACTIVATOR__.promiseStackStore.promiseToStack.values()];
console.log(JSON.stringify({ installed: handlers.promiseHookInstalled, compiles, recorded: stacks.length, fromProbe: stacks.filter((s) => s.formatted.includes('probe-workflow.js')).length }));
`;

describe('dependency patches', () => {
  /** The probe's findings with WORKER_WORKFLOW_STACK_TRACES set to `value`, or unset. */
  async function probeHook(value?: string) {
    const env = { ...process.env };
    delete env.WORKER_WORKFLOW_STACK_TRACES;
    if (value !== undefined) env.WORKER_WORKFLOW_STACK_TRACES = value;
    const { stdout } = await run(process.execPath, ['-e', HOOK_PROBE], { cwd: ROOT, env });
    return JSON.parse(stdout) as { installed: boolean; compiles: number; recorded: number; fromProbe: number };
  }

  it("the Temporal worker's promise hook, when asked for, records every workflow promise's stack and compiles its realm getters once", async () => {
    const probe = await probeHook('true');
    expect(probe.installed).toBe(true);
    expect(probe.recorded).toBe(50);
    expect(probe.fromProbe).toBe(50);
    // Unpatched, every promise compiled two functions (the activator and Error getters): 100 here.
    expect(probe.compiles).toBeLessThanOrEqual(2);
  });

  it("the Temporal worker's promise hook is not installed unless WORKER_WORKFLOW_STACK_TRACES asks for it", async () => {
    for (const value of [undefined, 'false', '0']) {
      expect(await probeHook(value), String(value)).toEqual({ installed: false, compiles: 0, recorded: 0, fromProbe: 0 });
    }
    expect((await probeHook('1')).installed).toBe(true);
  });

  it('are applied in every Docker stage that installs packages: the postinstall script is there before npm ci', async () => {
    const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
    const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.postinstall).toBe('node scripts/patchDependencies.js');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const installing = stages.filter((s) => /^RUN npm ci\b/m.test(s));
    expect(installing.length).toBeGreaterThan(0);
    for (const stage of installing) {
      const name = /^\S+ AS (\w+)/.exec(stage)?.[1];
      const before = stage.slice(0, stage.search(/^RUN npm ci\b/m));
      // What the stage copied from the build context before npm ci, as Docker lays it out in WORKDIR.
      const dir = await mkdtemp(join(tmpdir(), 'docker-stage-'));
      try {
        for (const m of before.matchAll(/^COPY (?!--from)(.+)$/gm)) {
          const parts = m[1]!.trim().split(/\s+/);
          const dest = parts.pop()!;
          for (const src of parts) await cp(join(ROOT, src), dest.endsWith('/') ? join(dir, dest, basename(src)) : join(dir, dest), { recursive: true });
        }
        // npm ci runs the package's own postinstall after installing; with nothing installed the script has nothing to
        // patch, so it must only be present and run.
        const result = await run('npm', ['run', 'postinstall'], { cwd: dir }).then(
          () => 'ran',
          (err: Error & { stderr?: string }) => err.stderr ?? err.message,
        );
        expect(result, `stage ${name}`).toBe('ran');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });
});
