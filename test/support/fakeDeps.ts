// Hand-written stand-ins for the API's and the activities' parts, for tests that need no database, Temporal or SMTP.
import type { Client } from '@temporalio/client';
import type { ActivityDeps } from '../../src/activities/deps.js';
import { createMetrics } from '../../src/observability/metrics.js';
import type { ApiDeps } from '../../src/api/deps.js';
import type { Sql } from '../../src/db/client.js';
import type { Mailer } from '../../src/email/transport.js';
import { createLogger } from '../../src/log.js';
import type { PaymentProviders } from '../../src/payments/index.js';

export const ADMIN_TOKEN = 'admin-token-for-route-tests';
export const JWT = { secret: 'route-test-jwt-secret-0123456789abcdef0123', ttlSeconds: 900 };

/**
 * A stand-in for postgres.js's tagged template. Each query that is awaited takes the next answer in `answers`, then
 * `fallback`; fragments (never awaited) take none. An answer that is an Error is thrown, as a failed query would be.
 */
export function fakeSql(answers: (unknown[] | Error)[] = [], fallback: unknown[] | Error = []) {
  const queue = [...answers];
  const sql = (() => ({
    then(resolve: (rows: unknown) => unknown, reject: (err: unknown) => unknown) {
      const answer = queue.length > 0 ? queue.shift()! : fallback;
      return (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)).then(resolve, reject);
    },
  })) as unknown as Sql;
  return Object.assign(sql, { begin: (fn: (tx: Sql) => Promise<unknown>) => fn(sql) });
}

/** A Temporal client no test expects to be used: any call fails the test loudly. */
export const unusedTemporal = new Proxy({}, { get: (_, name) => { throw new Error(`the test did not expect temporal.${String(name)}`); } }) as Client;

export function fakeApiDeps(over: Partial<ApiDeps> = {}): ApiDeps {
  return {
    sql: fakeSql([], new Error('the test did not expect a database query')),
    temporal: unusedTemporal,
    payments: {} as PaymentProviders,
    log: createLogger('silent'),
    metrics: createMetrics({ defaults: false }),
    metricsEndpoint: {},
    codec: { keys: [], corsOrigins: ['http://temporal-ui.test'] },
    publicUrl: 'http://shop.test',
    taskQueue: 'orders-test',
    checkoutTtlMs: 60_000,
    orderIdSecret: 'route-test-order-id-secret-0123456789abcdef',
    customerKeySecret: 'route-test-customer-key-secret-0123456789ab',
    orderSettings: { fulfilmentRetryMs: 1000, latePaymentPolicy: 'refund' },
    adminToken: ADMIN_TOKEN,
    temporalUi: { url: 'http://temporal-ui.test', namespace: 'default' },
    accounts: { jwt: JWT, rateLimit: { windowSeconds: 600, perEmail: 5, perIp: 20, freeFailures: 3, maxDelaySeconds: 60 }, trustedProxyHops: 0 },
    checkoutRateLimit: { perEmail: 3, perIp: 10 },
    corsOrigins: [],
    ...over,
  };
}

export function fakeActivityDeps(over: Partial<ActivityDeps> = {}): ActivityDeps {
  return {
    sql: fakeSql(),
    payments: {} as PaymentProviders,
    mailer: { send: () => Promise.reject(new Error('the test did not expect an email')) } as unknown as Mailer,
    publicUrl: 'http://shop.test',
    shopUrl: 'http://shop.test',
    tokenSecret: 'activity-test-token-secret',
    customerKeySecret: 'activity-test-customer-key-secret-0123456789',
    metrics: createMetrics({ defaults: false }),
    ...over,
  };
}
