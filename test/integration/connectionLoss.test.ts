// A database connection cut in the middle of a transaction fails that transaction only: the process lives and the pool recovers.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createSql } from '../../src/db/client.js';
import { eventually } from '../support/harness.js';

const url = inject('databaseUrl');
const victim = createSql(url, { max: 1 });
const killer = createSql(url, { max: 1 });
afterAll(async () => {
  await victim.end({ timeout: 0 });
  await killer.end({ timeout: 0 });
});

describe('a connection that dies inside a transaction', () => {
  // Found by `npm run chaos`: PostgreSQL stopped while a worker's activity held a transaction; postgres.js wrote the
  // ROLLBACK to the closed connection from a setImmediate and threw outside any promise, so the worker crashed; and the
  // connection it left behind never sent another byte (every later query on it failed with CONNECT_TIMEOUT).
  it('rejects the transaction, without an uncaught exception, and the pool reconnects', async () => {
    const cut = victim.begin(async (tx) => {
      const [row] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      await killer`SELECT pg_terminate_backend(${row!.pid})`;
      await tx`SELECT 1`;
    });
    await expect(cut).rejects.toThrow(/CONNECTION_CLOSED|terminating connection/);
    // The pool's one connection reconnects: a query may fail while it does, then one must succeed.
    const answer = () => victim<{ ok: number }[]>`SELECT 1 AS ok`.then(([row]) => row?.ok ?? 0, (err: Error) => err.message);
    expect(await eventually(answer, (v) => v === 1, 'a query on the reconnected pool', 10_000)).toBe(1);
  });
});
