// The sandbox provider's hosted payment page: Pay or Decline, then a signed webhook to our own endpoint.
import { randomUUID } from 'node:crypto';
import { getSandboxSession, settleSandboxSession } from '../../db/sandboxSessions.js';
import { formatMoney } from '../../domain/money.js';
import { signSandboxPayload, SANDBOX_SIGNATURE_HEADER, type SandboxEvent } from '../../payments/sandbox.js';
import type { ApiDeps } from '../deps.js';
import { escapeHtml } from '../../domain/html.js';
import { page } from './html.js';
import { newRouter } from '../router.js';

const ACTIONS = {
  pay: { type: 'payment.succeeded', status: 'paid', notify: true },
  decline: { type: 'payment.failed', status: 'declined', notify: true },
  // Takes the money but never tells the shop, as when a provider's webhooks are lost: reconciliation must find it.
  'pay-silently': { type: 'payment.succeeded', status: 'paid', notify: false },
} as const;

export function sandboxRoutes({ sql, publicUrl, log }: ApiDeps, secret: string) {
  const router = newRouter();
  const load = (id: string) => getSandboxSession(sql, id);

  router.get('/sandbox/pay/:sessionId', async (c) => {
    const s = await load(c.req.param('sessionId'));
    if (!s) return c.html(page('Not found', '<h1>No such payment session</h1>'), 404);
    const open = s.status === 'open' && s.expiresAt > new Date();
    const amount = formatMoney({ amount: s.amount, currency: s.currency }, 'pl-PL');
    const actions = open
      ? `<form method="post" action="/sandbox/pay/${s.sessionId}/pay" style="display:inline"><button class="pay" type="submit">Pay ${escapeHtml(amount)}</button></form>
         <form method="post" action="/sandbox/pay/${s.sessionId}/decline" style="display:inline"><button class="decline" type="submit">Decline</button></form>
         <form method="post" action="/sandbox/pay/${s.sessionId}/pay-silently"><button type="submit" title="The payment succeeds but no webhook is sent; the reconciliation schedule finds it">Pay without notifying the shop (lost webhook)</button></form>`
      : `<p>This session is <span class="badge">${escapeHtml(s.status === 'open' ? 'expired' : s.status)}</span> and can no longer be paid.</p>`;
    return c.html(
      page(
        `Sandbox payment ${s.orderNumber}`,
        `<p class="muted">Sandbox payments: no money moves. This page stands in for a provider's hosted checkout.</p>
         <div class="card"><h1>${escapeHtml(amount)}</h1><p>Order <b>${escapeHtml(s.orderNumber)}</b></p><p>${escapeHtml(s.description)}</p>${actions}</div>`,
      ),
    );
  });

  router.post('/sandbox/pay/:sessionId/:action{pay|decline|pay-silently}', async (c) => {
    const s = await load(c.req.param('sessionId'));
    const action = ACTIONS[c.req.param('action') as keyof typeof ACTIONS];
    if (!s) return c.html(page('Not found', '<h1>No such payment session</h1>'), 404);
    if (s.status !== 'open' || s.expiresAt <= new Date()) return c.redirect(`/sandbox/pay/${s.sessionId}`, 303);

    const event: SandboxEvent = {
      // One event id per session and outcome, so a double click delivers a duplicate, not a second payment.
      id: `evt_${s.sessionId}_${action.status}`,
      type: action.type,
      created: Math.floor(Date.now() / 1000),
      data: { sessionId: s.sessionId, orderId: s.orderId, amount: s.amount, currency: s.currency, paymentId: action.status === 'paid' ? `pay_${randomUUID()}` : undefined },
    };
    const paid = async () => {
      await settleSandboxSession(sql, s.sessionId, action.status, event.data.paymentId ?? null);
      return c.redirect(action.status === 'paid' ? s.successUrl : s.cancelUrl, 303);
    };
    if (!action.notify) return paid();
    const body = JSON.stringify(event);
    const res = await fetch(`${publicUrl}/api/v1/webhooks/sandbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signSandboxPayload(body, secret) },
      body,
    }).catch((err: Error) => ({ ok: false, status: 0, statusText: err.message }));
    if (!res.ok) {
      log.warn({ sessionId: s.sessionId, status: res.status }, 'sandbox webhook delivery failed');
      return c.html(page('Delivery failed', `<h1>The shop did not accept the payment notification (${res.status}).</h1><p><a href="/sandbox/pay/${s.sessionId}">Try again</a></p>`), 502);
    }
    return paid();
  });

  return router;
}
