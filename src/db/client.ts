// One postgres.js pool per process, created here and closed by whoever created it.
import postgres from 'postgres';

export type Sql = postgres.Sql;
/** A pool or an open transaction: query helpers accept either. */
export type Db = postgres.Sql | postgres.TransactionSql;

export function createSql(url: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    transform: { undefined: null },
  });
}

/** Readiness: the database answers a query. */
export async function ping(sql: Sql): Promise<void> {
  await sql`SELECT 1`;
}
