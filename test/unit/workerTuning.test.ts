// What bounds a worker's memory and concurrency, and its SMTP pool: defaults, env overrides, refusals, and what reaches the SDK.
import type { NativeConnection } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { loadConfig as loadWithSecrets } from '../../src/config.js';
import type { Sql } from '../../src/db/client.js';
import type { Mailer } from '../../src/email/transport.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { startTracing } from '../../src/observability/tracing.js';
import type { PaymentProviders } from '../../src/payments/index.js';
import { workerOptions } from '../../src/wiring.js';

const loadConfig = (env: Record<string, string>) => loadWithSecrets(env, () => ({ jwtSecret: 'j'.padEnd(43, 'x'), sandboxWebhookSecret: 's'.padEnd(43, 'y') }));

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
}

describe('worker tuning', () => {
  it('caches at most 100 workflows by default, not the SDK’s heap-sized ~2,300, and keeps its task slots', () => {
    const config = loadConfig({});
    expect(config.worker).toEqual({
      maxCachedWorkflows: 100,
      maxConcurrentWorkflowTaskExecutions: 40,
      maxConcurrentActivityTaskExecutions: 100,
      maxConcurrentLocalActivityExecutions: 100,
      stickyQueueScheduleToStartTimeoutMs: 10_000,
    });
    expect(config.smtpPool).toEqual({ maxConnections: 5, maxMessages: 100 });
  });

  it('reads every bound from the environment and hands it to the SDK', () => {
    const config = loadConfig({
      WORKER_MAX_CACHED_WORKFLOWS: '250',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20',
      WORKER_MAX_CONCURRENT_ACTIVITIES: '50',
      WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '60',
      WORKER_STICKY_TIMEOUT_SECONDS: '2.5',
      SMTP_MAX_CONNECTIONS: '3',
      SMTP_MAX_MESSAGES: '500',
    });
    expect(config.smtpPool).toEqual({ maxConnections: 3, maxMessages: 500 });
    const parts = { temporalAddress: 'x', sql: {} as Sql, payments: {} as PaymentProviders, mailer: {} as Mailer, metrics: createMetrics({ defaults: false }), tracing: startTracing('test', {}) };
    const options = workerOptions({} as NativeConnection, config, parts, {});
    expect(options).toMatchObject({
      maxCachedWorkflows: 250,
      maxConcurrentWorkflowTaskExecutions: 20,
      maxConcurrentActivityTaskExecutions: 50,
      maxConcurrentLocalActivityExecutions: 60,
      stickyQueueScheduleToStartTimeout: 2500,
    });
    // Tests shorten the sticky timeout for themselves.
    expect(workerOptions({} as NativeConnection, config, parts, { stickyQueueScheduleToStartTimeoutMs: 1000 }).stickyQueueScheduleToStartTimeout).toBe(1000);
  });

  it('refuses bounds the SDK would silently change: a cache of one, more workflow-task slots than cache entries', () => {
    expect(configError({ WORKER_MAX_CACHED_WORKFLOWS: '1' })).toMatch(/WORKER_MAX_CACHED_WORKFLOWS: 0 \(no cache\) or at least 2/);
    expect(configError({ WORKER_MAX_CACHED_WORKFLOWS: '10', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20' })).toMatch(/WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: at most WORKER_MAX_CACHED_WORKFLOWS \(10\)/);
    const all = configError({ WORKER_MAX_CACHED_WORKFLOWS: '-1', WORKER_MAX_CONCURRENT_ACTIVITIES: '0', SMTP_MAX_CONNECTIONS: '0' });
    for (const name of ['WORKER_MAX_CACHED_WORKFLOWS', 'WORKER_MAX_CONCURRENT_ACTIVITIES', 'SMTP_MAX_CONNECTIONS']) expect(all).toContain(`${name}: `);
    // With the cache off, workflow tasks are not bounded by it.
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' }).worker.maxCachedWorkflows).toBe(0);
  });
});
