// The rate-limit counters' sweep of ended windows under concurrent requests, on a database of its own.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSql, type Sql } from '../../src/db/client.js';
import { countHits } from '../../src/db/rateLimits.js';
import { ownDatabase } from '../support/ownDatabase.js';

let sql: Sql;
/** Ends the test's lock-holding transaction; afterAll calls it too, so a sweep stuck behind it fails the test, not the run. */
let release = (): void => {};
beforeAll(async () => {
  // Its own database, so the sweep's batch holds exactly the rows this file made.
  sql = createSql(await ownDatabase('rate_limits'), { max: 3 });
});
afterAll(async () => {
  release();
  await sql?.end({ timeout: 5 });
});

it('counts a hit while another request holds an ended window, leaving that row to a later sweep instead of waiting (two sweeps deadlocked)', async () => {
  await sql`INSERT INTO rate_limits (key, window_started_at, hits) VALUES ('held', now() - interval '1 hour', 5), ('free', now() - interval '1 hour', 5)`;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holder = sql.begin(async (tx) => {
    await tx`SELECT key FROM rate_limits WHERE key = 'held' FOR UPDATE`;
    locked();
    await released;
  });
  await isLocked;
  try {
    // Before, the sweep waited for the held row (and two such sweeps could wait for each other).
    const [counted] = await countHits(sql, ['ip:1'], 60);
    expect(counted).toMatchObject({ key: 'ip:1', hits: 1 });
    const left = await sql<{ key: string }[]>`SELECT key FROM rate_limits ORDER BY key`;
    expect(left.map((r) => r.key)).toEqual(['held', 'ip:1']);
  } finally {
    release();
    await holder;
  }
  await countHits(sql, ['ip:1'], 60);
  expect((await sql<{ key: string }[]>`SELECT key FROM rate_limits ORDER BY key`).map((r) => r.key)).toEqual(['ip:1']);
}, 20_000);
