// How long each activity may run and how soon a dead worker is noticed: sized to the work the activity does.
import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { ACTIVITY_SUMMARIES } from './summaries.js';

type Sizing = Pick<ActivityOptions, 'startToCloseTimeout' | 'heartbeatTimeout'>;

/** A few queries, at most a transaction: a database that stopped answering is left after this, and the call retried. */
const DATABASE: Sizing = { startToCloseTimeout: '10s' };
/**
 * Provider requests (at most four, each cut at PROVIDER_REQUEST_TIMEOUT_MS, 10 s) around a query or two. Activities
 * heartbeat every second while they run (activities/index.ts), so a killed worker's call is retried elsewhere once
 * 8 s pass without one, not after the minute. 8 s, not less: the SDK sends one heartbeat per 80 % of the timeout.
 */
const PROVIDER: Sizing = { startToCloseTimeout: '1m', heartbeatTimeout: '8s' };
/** MJML rendering and one SMTP send, bounded by the mailer's connect, greeting and socket timeouts (email/transport.ts). */
const MAIL: Sizing = { startToCloseTimeout: '1m', heartbeatTimeout: '8s' };

/** Every activity named here: a new one does not compile until someone sizes it. */
export const ACTIVITY_SIZES: Record<keyof Activities, Sizing> = {
  createOrder: DATABASE,
  releaseCouponRedemption: DATABASE,
  transitionOrder: DATABASE,
  loadOrderState: DATABASE,
  recordOrderEvent: DATABASE,
  recordLatePayment: DATABASE,
  findStalePendingOrders: DATABASE,
  lastOrderEmail: DATABASE,
  findOrCreateUser: DATABASE,
  grantEnrollments: DATABASE,
  deliverOrder: DATABASE,
  revokeEnrollments: DATABASE,
  reserveRefund: DATABASE,
  settleRefund: DATABASE,
  recordRefundOutcome: DATABASE,
  retryRefund: DATABASE,
  reverseDispute: DATABASE,
  recordEmailFailure: DATABASE,
  redactExpiredData: DATABASE,
  createPaymentSession: PROVIDER,
  capturePayment: PROVIDER,
  expirePaymentSession: PROVIDER,
  lookUpPayment: PROVIDER,
  refundAtProvider: PROVIDER,
  sendOrderEmail: MAIL,
  sendSetupLink: MAIL,
};

type Acts = ReturnType<typeof proxyActivities<Activities>>;
export type SharedOptions = Omit<ActivityOptions, keyof Sizing>;

/** One set of activities sharing retries (and a budget), each with its own timeouts from ACTIVITY_SIZES. */
export function sizedActivities(options: SharedOptions): Acts {
  const bySizing = new Map<Sizing, Acts>();
  const proxyFor = (sizing: Sizing) => {
    let acts = bySizing.get(sizing);
    if (!acts) bySizing.set(sizing, (acts = proxyActivities<Activities>({ ...options, ...sizing })));
    return acts;
  };
  return new Proxy({} as Acts, {
    // Only activity names lead anywhere (a symbol or `then` asks whether this is something else).
    get: (_, name) => (typeof name === 'string' && name in ACTIVITY_SIZES ? summarised(proxyFor(ACTIVITY_SIZES[name as keyof Activities]), name as keyof Activities) : undefined),
  });
}

export type SharedLocalOptions = Omit<LocalActivityOptions, 'startToCloseTimeout'>;

/**
 * The same, run as local activities: for short database steps, which then cost a marker in the history instead of
 * three events and a workflow task of their own. A local activity cannot heartbeat, so only the start-to-close timeout
 * of its sizing applies (it runs in this worker, which the workflow task already depends on).
 */
export function sizedLocalActivities(options: SharedLocalOptions): Acts {
  const bySizing = new Map<Sizing, Acts>();
  const proxyFor = (sizing: Sizing) => {
    let acts = bySizing.get(sizing);
    if (!acts) bySizing.set(sizing, (acts = proxyLocalActivities<Activities>({ ...options, startToCloseTimeout: sizing.startToCloseTimeout })));
    return acts;
  };
  return new Proxy({} as Acts, {
    get: (_, name) => (typeof name === 'string' && name in ACTIVITY_SIZES ? summarised(proxyFor(ACTIVITY_SIZES[name as keyof Activities]), name as keyof Activities) : undefined),
  });
}

/** Every call carries its line for the UI's timeline (ACTIVITY_SUMMARIES); the summary is metadata, not part of what replay compares. */
function summarised<K extends keyof Activities>(acts: Acts, name: K): Acts[K] {
  const fn = acts[name] as unknown as { executeWithOptions(options: ActivityOptions | LocalActivityOptions, args: unknown[]): Promise<unknown> };
  const call = (...args: unknown[]) => fn.executeWithOptions({ summary: ACTIVITY_SUMMARIES[name]((args[0] ?? {}) as Record<string, unknown>) }, args);
  return Object.assign(call, { executeWithOptions: fn.executeWithOptions }) as unknown as Acts[K];
}
