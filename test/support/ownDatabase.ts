// A migrated database of a test file's own on the shared PostgreSQL, for files whose rows others must not see or touch.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createSql } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';

/** Creates `<prefix>_<random>` beside the shared database, migrates it, and resolves with its URL. */
export async function ownDatabase(prefix: string): Promise<string> {
  const url = new URL(inject('databaseUrl'));
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = createSql(url.toString(), { max: 1 });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  url.pathname = `/${name}`;
  const own = createSql(url.toString(), { max: 1 });
  await migrate(own);
  await own.end();
  return url.toString();
}
