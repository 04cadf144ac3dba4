// Finds (or builds once into a per-user cache) the Temporal CLI and stripe-mock binaries.
import { spawn } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { ToolsConfig } from '../config.js';

export interface Tool {
  name: 'temporal' | 'stripe-mock';
  version: string;
  goPackage: string;
  envOverride: keyof Pick<ToolsConfig, 'temporalCliPath' | 'stripeMockPath'>;
  /** Only the Temporal CLI may come from PATH: any stripe-mock found there may be a different version. */
  fromPath: boolean;
}

// v1.5.1 is the newest CLI release whose go.mod has no replace directive, so `go install` accepts it.
export const TEMPORAL_CLI: Tool = { name: 'temporal', version: '1.5.1', goPackage: 'github.com/temporalio/cli/cmd/temporal', envOverride: 'temporalCliPath', fromPath: true };
export const STRIPE_MOCK: Tool = { name: 'stripe-mock', version: '0.197.0', goPackage: 'github.com/stripe/stripe-mock', envOverride: 'stripeMockPath', fromPath: false };

export function toolsCacheDir(cfg: ToolsConfig): string {
  return cfg.cacheDir ?? join(cfg.xdgCacheHome ?? join(homedir(), '.cache'), 'durable-checkout', 'tools');
}

export async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

export async function findOnPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(delimiter).filter(Boolean)) {
    if (await isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Resolution order: explicit env path, PATH (Temporal only), the versioned cache, then `go install` into the cache. */
export async function resolveTool(tool: Tool, cfg: ToolsConfig, log: (line: string) => void = console.log): Promise<string> {
  const explicit = cfg[tool.envOverride];
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new Error(`${tool.name}: ${explicit} (from env) is not an executable file`);
  }
  if (tool.fromPath) {
    const onPath = await findOnPath(tool.name, cfg.searchPath);
    if (onPath) return onPath;
  }
  const dir = join(toolsCacheDir(cfg), `${tool.name}-${tool.version}`);
  const cached = join(dir, tool.name);
  if (await isExecutable(cached)) return cached;
  await goInstall(tool, dir, log);
  return cached;
}

async function goInstall(tool: Tool, dir: string, log: (line: string) => void): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Build into a private folder and rename, so two concurrent first runs never see a half-written binary.
  const staging = await mkdtemp(join(dir, '.build-'));
  const started = Date.now();
  log(`${tool.name}: not cached, building ${tool.goPackage}@v${tool.version} with Go (first run only, a few minutes)…`);
  let compiled = 0;
  let tail: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const child = spawn('go', ['install', '-v', `${tool.goPackage}@v${tool.version}`], {
      env: { ...process.env, GOBIN: staging, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    child.on('error', (err) => reject(new Error(`${tool.name}: cannot run Go (${err.message}); install Go 1.25+ or set the binary's path in env`)));
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        tail = [...tail.slice(-30), line];
        if (!line.startsWith('go: ') && ++compiled % 50 === 0) {
          log(`${tool.name}: ${compiled} packages compiled, ${Math.round((Date.now() - started) / 1000)} s`);
        }
      }
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${tool.name}: go install failed (exit ${code}):\n${tail.join('\n')}`))));
  });
  await rename(join(staging, tool.name), join(dir, tool.name));
  await rm(staging, { recursive: true, force: true });
  log(`${tool.name}: built in ${Math.round((Date.now() - started) / 1000)} s → ${join(dir, tool.name)}`);
}
