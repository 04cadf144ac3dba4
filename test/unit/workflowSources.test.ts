// The workflow code's fingerprint (the release guard): code the bundle runs counts; comments, types and unreached files do not.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { workflowSourcesHash } from '../support/workflowSources.js';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function project(files: Record<string, string>, sdk = '1.24.0'): string {
  root = mkdtempSync(join(tmpdir(), 'wf-sources-'));
  const all = { ...files, 'node_modules/@temporalio/workflow/package.json': JSON.stringify({ version: sdk }) };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const base = {
  'src/workflows/index.ts': "export { order } from './order.js';\n",
  'src/workflows/order.ts': "import type { Shape } from '../activities/index.js';\nimport { price } from '../domain/money.js';\nexport const order = (s: Shape) => price(s);\n",
  'src/domain/money.ts': 'export const price = (x: unknown) => x;\n',
  'src/activities/index.ts': 'export interface Shape { a: number }\n',
};

describe('workflowSourcesHash', () => {
  it('follows value imports from the bundle entry, not type-only ones', () => {
    expect(Object.keys(workflowSourcesHash(project(base)).sources)).toEqual(['src/domain/money.ts', 'src/workflows/index.ts', 'src/workflows/order.ts']);
  });

  it('ignores comments, formatting of types and files the bundle does not reach', () => {
    const before = workflowSourcesHash(project(base)).hash;
    rmSync(root, { recursive: true });
    const after = workflowSourcesHash(
      project({
        ...base,
        'src/workflows/order.ts': `// A new comment.\n${base['src/workflows/order.ts'].replace('(s: Shape)', '(s:   Shape /* why */)')}`,
        'src/activities/index.ts': 'export interface Shape { a: number; b: string }\n',
      }),
    ).hash;
    expect(after).toBe(before);
  });

  it('changes with the code a workflow runs, in any reached file, and with the SDK', () => {
    const before = workflowSourcesHash(project(base)).hash;
    rmSync(root, { recursive: true });
    expect(workflowSourcesHash(project({ ...base, 'src/domain/money.ts': 'export const price = (x: unknown) => [x];\n' })).hash).not.toBe(before);
    rmSync(root, { recursive: true });
    expect(workflowSourcesHash(project(base, '1.25.0')).hash).not.toBe(before);
  });
});
