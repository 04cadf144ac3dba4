// A worker process killed mid-activity: the activity is retried on another worker within seconds, not its whole timeout.
import { temporal } from '@temporalio/proto';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { orderWorkflowId, reconcileScheduleId } from '../../src/workflows/definitions.js';
import { startWorkerProcess, type Child } from '../support/child.js';
import { apiOn, checkout, emailsTo, eventually, packageId, sandboxAction, startHarness, uniqueEmail, waitForStatus, workerOn, type Harness } from '../support/harness.js';
import { hostPort, tcpProxy, type TcpProxy } from '../support/tcpProxy.js';

const { EventType, TimeoutType } = temporal.api.enums.v1;

let h: Harness;
const cleanup: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
  await h?.close();
});

describe('a worker killed mid-activity', () => {
  it('has its email sent by another worker within seconds, on the activity’s second attempt', async () => {
    const taskQueue = `loss-${randomUUID()}`;
    const config: Config = { ...h.config, fulfilmentRetryMs: 300_000, temporal: { ...h.config.temporal, taskQueue } };
    // The first worker's mail server accepts the connection and then says nothing: its send is in flight when it dies.
    const smtp: TcpProxy = await tcpProxy(hostPort(inject('smtpUrl')));
    await smtp.open();
    smtp.freeze();
    cleanup.push(() => smtp.close());
    const stalledSmtp = new URL(inject('smtpUrl'));
    stalledSmtp.port = String(smtp.port);
    const first: Child = startWorkerProcess(h, taskQueue, stalledSmtp.toString());
    cleanup.push(() => first.stop('SIGKILL'), () => h.temporal.schedule.getHandle(reconcileScheduleId(taskQueue)).delete());
    await first.waitForLog('worker running', 1, 90_000);

    const { api, close } = await apiOn(h, config);
    cleanup.push(close);
    const email = uniqueEmail('loss');
    const res = await checkout(api, { packageIds: [await packageId(h.sql, 'chatbot-rag')], email, locale: 'en' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const { orderId, paymentUrl } = res.body as { orderId: string; paymentUrl: string };
    await sandboxAction(paymentUrl, 'pay');

    // Kill the worker once its email activity has started and heartbeated: it is mid-send.
    const handle = h.temporal.workflow.getHandle(orderWorkflowId(orderId));
    await eventually(
      async () => (await handle.describe()).raw.pendingActivities ?? [],
      (pending) => pending.some((a) => a.activityType?.name === 'sendOrderEmail' && a.attempt === 1 && a.lastHeartbeatTime != null),
      'the email activity running and heartbeating on the first worker',
      30_000,
    );
    expect(await first.stop('SIGKILL')).toBeNull();
    const killedAt = Date.now();
    // A second worker, in this process, on the same task queue, with a mail server that answers.
    cleanup.push((await workerOn(h, config)).stop);

    // Before heartbeats the activity waited out its 1 min start-to-close timeout; now 8 s without a heartbeat is enough.
    await waitForStatus(api, orderId, 'FULFILLED', 30_000);
    const recoveredMs = Date.now() - killedAt;
    expect(recoveredMs).toBeLessThan(30_000);

    const { events } = await handle.fetchHistory();
    const scheduled = events!.find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendOrderEmail')!;
    const started = events!.find((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED && String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled.eventId))!;
    const attrs = started.activityTaskStartedEventAttributes!;
    expect(attrs.attempt).toBe(2);
    expect(attrs.lastFailure?.timeoutFailureInfo?.timeoutType).toBe(TimeoutType.TIMEOUT_TYPE_HEARTBEAT);
    expect(attrs.identity).not.toContain(`${first.process.pid}@`);
    // The dead worker's send never reached the mail server: the buyer has one welcome email.
    const mails = await eventually(() => emailsTo(h, email), (m) => m.length > 0, 'the welcome email');
    expect(mails).toHaveLength(1);
    console.info(`worker-loss: FULFILLED ${recoveredMs} ms after the SIGKILL`);
  }, 180_000);
});
