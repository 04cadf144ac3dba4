// The fingerprint of what the workflow bundle runs: every source file it reaches from src/workflows/index.ts, as code.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/**
 * Each reachable file is compiled to JavaScript first, so comments, formatting and types (type-only imports included)
 * do not count: only what could change the commands a workflow issues. The SDK's workflow package version counts too,
 * since it can change them as well.
 */
export function workflowSourcesHash(root: string): { hash: string; sdk: string; sources: Record<string, string> } {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    const rel = relative(root, file).split('\\').join('/');
    if (seen.has(rel)) return;
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, removeComments: true },
    });
    seen.set(rel, outputText);
    for (const [, spec] of outputText.matchAll(/(?:from|import)\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      visit(join(dirname(file), spec!.replace(/\.js$/, '.ts')));
    }
  };
  visit(join(root, 'src/workflows/index.ts'));
  const files = [...seen.keys()].sort();
  const sdk = `@temporalio/workflow@${(JSON.parse(readFileSync(join(root, 'node_modules/@temporalio/workflow/package.json'), 'utf8')) as { version: string }).version}`;
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const sources = Object.fromEntries(files.map((f) => [f, sha(seen.get(f)!)]));
  return { hash: sha(`${sdk}\0${files.map((f) => `${f}\0${sources[f]}`).join('\0')}`), sdk, sources };
}
