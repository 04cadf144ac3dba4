// One postgres.js pool per process, created here and closed by whoever created it.
import postgres from 'postgres';

export type Sql = postgres.Sql;
/** A pool or an open transaction: query helpers accept either. */
export type Db = postgres.Sql | postgres.TransactionSql;

export function createSql(url: string, options: { max?: number; onQuery?: (query: string, connection: number) => void } = {}): Sql {
  const { onQuery } = options;
  return postgres(url, {
    max: options.max ?? 10,
    // Tests count the statements a request costs; nothing else listens.
    ...(onQuery ? { debug: (connection: number, query: string) => onQuery(query, connection) } : {}),
    onnotice: () => {},
    // Seconds. A database that accepts TCP but never answers (stopped, frozen, half a network away) would hold each
    // request for this long; a few seconds keeps requests failing fast with a 503 instead of hanging.
    connect_timeout: 3,
    transform: { undefined: null },
  });
}

/** Readiness: the database answers a query. */
export async function ping(sql: Sql): Promise<void> {
  await sql`SELECT 1`;
}
