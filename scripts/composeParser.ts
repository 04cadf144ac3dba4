// Finds Debian's docker-compose (a real Compose file parser; no Docker engine needed), installing it with apt-get when root.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { loadToolsConfig } from '../src/config.js';
import { findOnPath, isExecutable } from '../src/stack/tools.js';

const run = promisify(execFile);
const PACKAGE = 'docker-compose';
const INSTALL_HINT = `${PACKAGE} (the Compose file parser) is not on PATH. Install it: on Debian/Ubuntu \`sudo apt-get install -y --no-install-recommends ${PACKAGE}\` (bookworm ships 1.29.2), or put any \`${PACKAGE}\` on PATH.`;

const which = (name: string) => findOnPath(name, loadToolsConfig().searchPath);

async function aptGet(aptGetPath: string, args: string[]): Promise<void> {
  try {
    await run(aptGetPath, args, { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`apt-get ${args.join(' ')} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}

export async function ensureComposeParser(log: (line: string) => void): Promise<string> {
  const found = await which(PACKAGE);
  if (found) return found;
  const aptGetPath = await which('apt-get');
  if (process.getuid?.() !== 0 || !aptGetPath || !(await isExecutable('/usr/bin/dpkg'))) throw new Error(INSTALL_HINT);

  const install = ['install', '-y', '--no-install-recommends', PACKAGE];
  log(`${PACKAGE} not found on PATH; installing it: apt-get ${install.join(' ')}`);
  try {
    await aptGet(aptGetPath, install);
  } catch (err) {
    // A fresh image has no package lists yet; anything else is a real failure.
    if (!/Unable to locate package|has no installation candidate/.test((err as Error).message)) throw err;
    log('apt has no package lists yet; running apt-get update, then installing again');
    await aptGet(aptGetPath, ['update']);
    await aptGet(aptGetPath, install);
  }
  const installed = await which(PACKAGE);
  if (!installed) throw new Error(`apt-get installed ${PACKAGE}, but it is still not on PATH. ${INSTALL_HINT}`);
  log(`installed ${installed}`);
  return installed;
}
