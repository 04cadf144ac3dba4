// Installs schemathesis (the OpenAPI fuzzer, from PyPI) once into a virtualenv in the per-user tool cache; answers how to run it.
import { execFile } from 'node:child_process';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadToolsConfig } from '../src/config.js';
import { isExecutable, toolsCacheDir } from '../src/stack/tools.js';

const run = promisify(execFile);
export const SCHEMATHESIS_VERSION = '4.32.5';

/**
 * The command that runs schemathesis (`python -m schemathesis.cli`), installed with pip into
 * `<cache>/schemathesis-<version>` the first time (needs python3 with venv).
 */
export async function ensureSchemathesis(log: (line: string) => void = console.log): Promise<string[]> {
  const dir = join(toolsCacheDir(loadToolsConfig()), `schemathesis-${SCHEMATHESIS_VERSION}`);
  const command = [join(dir, 'bin', 'python'), '-m', 'schemathesis.cli'];
  if (await isExecutable(command[0]!)) return command;
  log(`schemathesis: not cached, installing ${SCHEMATHESIS_VERSION} from PyPI into ${dir} (first run only)…`);
  // Built beside the final folder and renamed, so a half-finished install is never taken for a finished one.
  const staging = `${dir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await run('python3', ['-m', 'venv', staging]);
    await run(join(staging, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`], { maxBuffer: 16 * 1024 * 1024 });
    // A venv's interpreter finds its packages through pyvenv.cfg beside it, so the folder can move (its scripts could not).
    await rename(staging, dir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`schemathesis: install failed (needs python3 with venv and pip reaching PyPI): ${stderr || (err as Error).message}`, { cause: err });
  }
  return command;
}
