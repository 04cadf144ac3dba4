// A database connection cut in the middle of a transaction fails that transaction, and the process lives on.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createSql } from '../../src/db/client.js';

const url = inject('databaseUrl');
const victim = createSql(url, { max: 1 });
const killer = createSql(url, { max: 1 });
afterAll(async () => {
  await victim.end({ timeout: 0 });
  await killer.end({ timeout: 0 });
});

describe('a connection that dies inside a transaction', () => {
  // Found by `npm run chaos`: PostgreSQL stopped while a worker's activity held a transaction; postgres.js wrote the
  // ROLLBACK to the closed connection from a setImmediate and threw outside any promise, so the worker crashed
  // (vitest reports that throw as an unhandled error and fails the run).
  it('rejects the transaction with a connection error, without an uncaught exception', async () => {
    const cut = victim.begin(async (tx) => {
      const [row] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      await killer`SELECT pg_terminate_backend(${row!.pid})`;
      await tx`SELECT 1`;
    });
    await expect(cut).rejects.toThrow(/CONNECTION_CLOSED|terminating connection/);
    // The ROLLBACK's write was queued with setImmediate before the rejection: one more immediate runs after it, so
    // it has run (and thrown, without the fix) by the time this test ends.
    await new Promise((resolve) => setImmediate(resolve));
  });
});
