// The worker bundles src/workflows for Temporal's deterministic sandbox; Node built-ins must not get into that bundle.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { bundleWorkflowCode, DefaultLogger, type LogEntry } from '@temporalio/worker';
import { mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { bundleOrderWorkflows, orderWorkflowBundle, WORKFLOWS_PATH } from '../../src/wiring.js';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** A WARN-level logger that keeps what the bundler reports, so assertions can read it and the test output stays quiet. */
function capturingLogger(): { logger: DefaultLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return { logger: new DefaultLogger('WARN', (entry) => entries.push(entry)), entries };
}

describe('the real workflow bundle', () => {
  it('bundles src/workflows with orderWorkflow in it and nothing to warn about', async () => {
    expect(WORKFLOWS_PATH).toBe(join(ROOT, 'src/workflows/index.ts'));
    const { logger, entries } = capturingLogger();
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger });
    expect(typeof bundle.code).toBe('string');
    expect(bundle.code.length).toBeGreaterThan(0);
    expect(bundle.code).toContain('orderWorkflow');
    expect(entries.map((e) => `${e.level} ${e.message}`)).toEqual([]);
  });
});

describe('the modules every run shares', () => {
  it('are evaluated once by the preload of the bundle: the workflows with what they import, and the tracing interceptors', async () => {
    const bundle = await bundleOrderWorkflows();
    // The SDK's entry calls preloadModules once per workflow thread, before any run; a module it requires is shared.
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(bundle.code)?.[1] ?? '';
    expect(preload).toContain('./src/workflows/index.ts');
    expect(preload).toContain('./src/workflows/tracing.ts');
  });
});

describe('a prebuilt bundle (WORKFLOW_BUNDLE_PATH)', () => {
  it('is what the worker runs, without bundling at start; without one the worker bundles', async () => {
    const config = loadConfig({ WORKFLOW_BUNDLE_PATH: '/srv/checkout/workflow-bundle.js' });
    expect(await orderWorkflowBundle(config)).toEqual({ codePath: '/srv/checkout/workflow-bundle.js' });
    const bundled = await orderWorkflowBundle(loadConfig({}));
    expect('code' in bundled && bundled.code).toContain('orderWorkflow');
  });
});

describe('a workflow that imports a Node built-in', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'workflow-bundle-'));
    // Outside the project, @temporalio/workflow only resolves through a node_modules next to the workflow.
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(
      join(dir, 'clean.ts'),
      `import { sleep } from '@temporalio/workflow';\nexport async function cleanWorkflow(): Promise<string> {\n  await sleep(1);\n  return 'ok';\n}\n`,
    );
    await writeFile(
      join(dir, 'node-prefixed.ts'),
      `import { readFileSync } from 'node:fs';\nexport async function readingWorkflow(): Promise<string> {\n  return readFileSync('/etc/hostname', 'utf8');\n}\n`,
    );
    await writeFile(
      join(dir, 'bare.ts'),
      `import fs from 'fs';\nexport async function readingWorkflow(): Promise<string> {\n  return fs.readFileSync('/etc/hostname', 'utf8');\n}\n`,
    );
  });

  afterAll(async () => {
    if (!dir) return;
    // Remove the link itself first so nothing can follow it into the project's node_modules.
    await unlink(join(dir, 'node_modules')).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('control: the same temporary directory bundles a clean workflow', async () => {
    const { logger, entries } = capturingLogger();
    const bundle = await bundleWorkflowCode({ workflowsPath: join(dir, 'clean.ts'), logger });
    expect(bundle.code).toContain('cleanWorkflow');
    expect(entries).toEqual([]);
  });

  it("refuses import from 'node:fs': webpack cannot load the node: scheme", async () => {
    const { logger, entries } = capturingLogger();
    await expect(bundleWorkflowCode({ workflowsPath: join(dir, 'node-prefixed.ts'), logger })).rejects.toThrow(/Webpack finished with errors/);
    const errors = entries.filter((e) => e.level === 'ERROR').map((e) => e.message).join('\n');
    expect(errors).toContain('UnhandledSchemeError');
    expect(errors).toContain('Reading from "node:fs" is not handled');
  });

  it("refuses import from 'fs' as a disallowed module", async () => {
    const { logger } = capturingLogger();
    await expect(bundleWorkflowCode({ workflowsPath: join(dir, 'bare.ts'), logger })).rejects.toThrow(/importing the following disallowed modules:\s*- 'fs'/);
  });
});
