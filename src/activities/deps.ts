// What activities are built from (handed in by the worker or by tests), the provider lookup and the metric counting they share.
import { Context } from '@temporalio/activity';
import type { Sql } from '../db/client.js';
import type { TransitionResult } from '../db/orders.js';
import { DomainError } from '../domain/errors.js';
import type { Mailer } from '../email/transport.js';
import type { Metrics } from '../observability/metrics.js';
import { enabledProvider, type PaymentProviders } from '../payments/index.js';
import type { PaymentProvider } from '../payments/provider.js';

export interface ActivityDeps {
  sql: Sql;
  payments: PaymentProviders;
  mailer: Mailer;
  /** This process's metrics: orders, refunds and emails are counted where they happen. */
  metrics: Metrics;
  publicUrl: string;
  shopUrl: string;
  /** Derives the password-setup token of an order email (HMAC), so a retried email carries the same link. */
  tokenSecret: string;
  /** Keys the customer key a resumed run shows as its CustomerEmail search attribute (src/auth/customerKeys.ts). */
  customerKeySecret: string;
  /** Present when bank transfer is enabled: the account its instructions email gives. */
  bankAccount?: { accountName: string; iban: string; bic?: string };
}

/** The order's provider, or a business error: an order for a provider this worker lacks cannot be helped by retrying. */
export function providerFor(payments: PaymentProviders, name: string): PaymentProvider {
  const p = enabledProvider(payments, name);
  if (!p) throw new DomainError('provider_unavailable', `Payment provider ${name} is not configured.`, 'unprocessable');
  return p;
}

/**
 * Names this activity call across its retries: Temporal keeps the run and activity id for every attempt, so a retry
 * after a lost answer finds what the first attempt wrote, while another step of the workflow (another activity id)
 * recording an equal entry is a new one.
 */
export function activityCallKey(): string {
  const { workflowExecution, activityId } = Context.current().info;
  // A standalone activity (no workflow) is named by its own id, which its retries keep too.
  return workflowExecution ? `${workflowExecution.workflowId}/${workflowExecution.runId}/${activityId}` : `activity/${activityId}`;
}

/** Counts an order entering a status (and checkout → fulfilled time) only when this call changed it: retries count once. */
export function countTransition(metrics: Metrics, result: TransitionResult, now = new Date()): void {
  if (!result.changed) return;
  metrics.orderStatus.inc({ status: result.status });
  if (result.status === 'FULFILLED') metrics.checkoutToFulfilled.observe(Math.max(0, (now.getTime() - result.createdAt.getTime()) / 1000));
}
