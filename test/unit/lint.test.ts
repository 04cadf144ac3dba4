// The project's ESLint rules that guard workflow determinism, unhandled promises and the layering, run on probe sources.
import { describe, it, expect } from 'vitest';
import { ESLint } from 'eslint';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const WORKFLOW_PROBE = 'src/workflows/__lint_probe__.ts';
const ACTIVITY_PROBE = 'src/activities/__probe__.ts';
const API_PROBE = 'src/api/__probe__.ts';
const DB_PROBE = 'src/db/__probe__.ts';
const DOMAIN_PROBE = 'src/domain/__probe__.ts';

// The probes never exist on disk (other work may lint or type-check src/ meanwhile). typescript-eslint's project service
// only places files that exist in the tsconfig project, so the probe paths are admitted to its default project; every
// rule and file glob still comes from the project's own eslint.config.js.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: { languageOptions: { parserOptions: { projectService: { allowDefaultProject: [WORKFLOW_PROBE, ACTIVITY_PROBE, API_PROBE, DB_PROBE, DOMAIN_PROBE] } } } },
});

async function lint(code: string, path: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  const messages = result!.messages.map((m) => ({ ruleId: m.ruleId, message: m.message }));
  // A parsing error would make every expectation about rules meaningless.
  expect(messages.filter((m) => m.ruleId === null)).toEqual([]);
  return messages;
}

const NAMED_NODE_FS = `import { readFileSync } from 'node:fs';\nexport const hostname = readFileSync('/etc/hostname', 'utf8');\n`;
const DEFAULT_FS = `import fs from 'fs';\nexport const hostname = fs.readFileSync('/etc/hostname', 'utf8');\n`;
const FLOATING = `async function work(): Promise<void> {}\nexport function go(): void {\n  work();\n}\n`;
const AWAITED = `async function work(): Promise<void> {}\nexport async function go(): Promise<void> {\n  await work();\n}\n`;

describe('workflow code may not import Node built-ins', () => {
  it("flags import { readFileSync } from 'node:fs' in src/workflows", async () => {
    const messages = await lint(NAMED_NODE_FS, WORKFLOW_PROBE);
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringContaining("'node:fs' import is restricted") }]);
    expect(messages[0]!.message).toContain('no Node built-ins');
  });

  it("flags import fs from 'fs' in src/workflows", async () => {
    const messages = await lint(DEFAULT_FS, WORKFLOW_PROBE);
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringContaining("'fs' import is restricted") }]);
  });

  it('flags other built-ins and subpaths too', async () => {
    for (const specifier of ['crypto', 'node:crypto', 'fs/promises', 'node:timers/promises', 'child_process']) {
      const messages = await lint(`import * as m from '${specifier}';\nexport const keys = Object.keys(m);\n`, WORKFLOW_PROBE);
      expect(messages.map((m) => m.ruleId)).toEqual(['no-restricted-imports']);
    }
  });

  it('allows the same imports in src/activities', async () => {
    expect(await lint(NAMED_NODE_FS, ACTIVITY_PROBE)).toEqual([]);
    expect(await lint(DEFAULT_FS, ACTIVITY_PROBE)).toEqual([]);
  });

  it('allows @temporalio/workflow in src/workflows', async () => {
    expect(await lint(`import { sleep } from '@temporalio/workflow';\nexport async function wait(): Promise<void> {\n  await sleep(1);\n}\n`, WORKFLOW_PROBE)).toEqual([]);
  });
});

describe('promises must be handled', () => {
  it('flags an unawaited async call in src/activities', async () => {
    const messages = await lint(FLOATING, ACTIVITY_PROBE);
    expect(messages.map((m) => m.ruleId)).toEqual(['@typescript-eslint/no-floating-promises']);
  });

  it('accepts the awaited call', async () => {
    expect(await lint(AWAITED, ACTIVITY_PROBE)).toEqual([]);
  });
});

describe('layers import only downwards', () => {
  const importing = (specifier: string, name: string, typeOnly = false) =>
    `import ${typeOnly ? 'type ' : ''}{ ${name} } from '${specifier}';\nexport type Probe = ${typeOnly ? name : `typeof ${name}`};\n`;
  const rules = async (code: string, path: string) => (await lint(code, path)).map((m) => m.ruleId);

  it('flags the API importing activities, even for a type', async () => {
    const messages = await lint(importing('../activities/index.js', 'createActivities'), API_PROBE);
    expect(messages).toEqual([{ ruleId: 'no-restricted-imports', message: expect.stringContaining('never imports activities') }]);
    expect(await rules(importing('../activities/refunds.js', 'RefundRecord', true), API_PROBE)).toEqual(['no-restricted-imports']);
  });

  it('lets the API import db/', async () => {
    expect(await rules(importing('../db/orders.js', 'getOrder'), API_PROBE)).toEqual([]);
  });

  it('flags activity files importing each other, but not deps.ts', async () => {
    expect(await rules(importing('./orders.js', 'orderActivities'), ACTIVITY_PROBE)).toEqual(['no-restricted-imports']);
    expect(await rules(importing('./deps.js', 'providerFor'), ACTIVITY_PROBE)).toEqual([]);
  });

  it('flags activity files importing the workflows or the API above them', async () => {
    expect(await rules(importing('../workflows/definitions.js', 'customerEmailAttribute'), ACTIVITY_PROBE)).toEqual(['no-restricted-imports']);
    expect(await rules(importing('../api/errors.js', 'mapError'), ACTIVITY_PROBE)).toEqual(['no-restricted-imports']);
    expect(await rules(importing('../auth/customerKeys.js', 'customerKey'), ACTIVITY_PROBE)).toEqual([]);
  });

  it('flags db/ importing the API, activities or workflows', async () => {
    expect(await rules(importing('../workflows/definitions.js', 'orderWorkflowId'), DB_PROBE)).toEqual(['no-restricted-imports']);
    expect(await rules(importing('../api/errors.js', 'mapError'), DB_PROBE)).toEqual(['no-restricted-imports']);
    expect(await rules(importing('../domain/orders.js', 'isUuid'), DB_PROBE)).toEqual([]);
  });

  it('keeps domain/ to itself', async () => {
    expect(await rules(importing('../db/client.js', 'createSql'), DOMAIN_PROBE)).toEqual(['no-restricted-imports']);
    expect(await rules(importing('node:crypto', 'randomUUID'), DOMAIN_PROBE)).toEqual(['no-restricted-imports']);
    expect(await rules(importing('./money.js', 'formatMoney'), DOMAIN_PROBE)).toEqual([]);
  });
});
