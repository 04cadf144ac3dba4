// The bank transfer "payment page": the account, the exact amount and the order number as the title, for as long as the order waits.
import { getOrder } from '../../db/orders.js';
import { escapeHtml } from '../../domain/html.js';
import { formatIban } from '../../domain/iban.js';
import { formatMoney } from '../../domain/money.js';
import type { ApiDeps } from '../deps.js';
import { newRouter } from '../router.js';
import { page } from './html.js';

type Account = NonNullable<ApiDeps['bankAccount']>;

function transferPage(account: Account, order: { orderId: string; orderNumber: string; status: string; total: { amount: number; currency: string } }): string {
  const row = (label: string, value: string) => `<tr><th>${escapeHtml(label)}</th><td><code>${escapeHtml(value)}</code></td></tr>`;
  const waiting = order.status === 'PROCESSING';
  return page(
    `Bank transfer for ${order.orderNumber}`,
    `<h1>Pay by bank transfer</h1>
<div class="card">
<p>${waiting ? 'Transfer the exact amount to this account, with the order number as the title. We confirm the order as soon as the money arrives; the details are in your email too.' : `This order is <span class="badge">${escapeHtml(order.status)}</span>; it is not waiting for a transfer.`}</p>
<table>
${row('Account holder', account.accountName)}
${row('IBAN', formatIban(account.iban))}
${account.bic ? row('BIC/SWIFT', account.bic) : ''}
${row('Amount', formatMoney(order.total, 'pl-PL'))}
${row('Title', order.orderNumber)}
</table>
<p><a href="/orders/${escapeHtml(order.orderId)}">Follow your order</a></p>
</div>`,
  );
}

export function bankTransferPageRoutes(deps: ApiDeps, account: Account) {
  return newRouter().get('/pay/bank-transfer/:orderId', async (c) => {
    const order = await getOrder(deps.sql, c.req.param('orderId'));
    if (!order || order.provider !== 'bank_transfer') return c.html(page('Not found', '<h1>No such order</h1>'), 404);
    return c.html(transferPage(account, order));
  });
}
