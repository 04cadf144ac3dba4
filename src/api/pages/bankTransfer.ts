// The bank transfer "payment page": the account, the exact amount and the order number as the title, for as long as the order waits.
import { getOrder } from '../../db/orders.js';
import { escapeHtml } from '../../domain/html.js';
import { formatIban } from '../../domain/iban.js';
import { formatMoney } from '../../domain/money.js';
import { NUMBER_LOCALE, type Locale, type OrderStatus } from '../../domain/orders.js';
import type { ApiDeps } from '../deps.js';
import { newRouter } from '../router.js';
import { PAGE_COPY, requestLocale } from './copy.js';
import { page } from './html.js';

type Account = NonNullable<ApiDeps['bankAccount']>;

function transferPage(account: Account, order: { orderId: string; orderNumber: string; status: OrderStatus; locale: Locale; total: { amount: number; currency: string } }): string {
  const { locale } = order;
  const copy = PAGE_COPY[locale].transfer;
  const row = (label: string, value: string) => `<tr><th>${escapeHtml(label)}</th><td><code>${escapeHtml(value)}</code></td></tr>`;
  const waiting = order.status === 'PROCESSING';
  return page(
    `${copy.title} ${order.orderNumber}`,
    `<h1>${escapeHtml(copy.heading)}</h1>
<div class="card">
<p>${waiting ? escapeHtml(copy.waiting) : `${escapeHtml(copy.notWaiting)} <span class="badge">${escapeHtml(PAGE_COPY[locale].order.statuses[order.status])}</span>`}</p>
<table>
${row(copy.holder, account.accountName)}
${row('IBAN', formatIban(account.iban))}
${account.bic ? row('BIC/SWIFT', account.bic) : ''}
${row(copy.amount, formatMoney(order.total, NUMBER_LOCALE[locale]))}
${row(copy.reference, order.orderNumber)}
</table>
<p><a href="/orders/${escapeHtml(order.orderId)}">${escapeHtml(copy.follow)}</a></p>
</div>`,
    '',
    locale,
  );
}

export function bankTransferPageRoutes(deps: ApiDeps, account: Account) {
  return newRouter().get('/pay/bank-transfer/:orderId', async (c) => {
    const order = await getOrder(deps.sql, c.req.param('orderId'));
    if (!order || order.provider !== 'bank_transfer') {
      const locale = requestLocale(c.req.query('lang'), c.req.header('accept-language'));
      return c.html(page(PAGE_COPY[locale].order.notFound, `<h1>${escapeHtml(PAGE_COPY[locale].order.notFound)}</h1>`, '', locale), 404);
    }
    return c.html(transferPage(account, order));
  });
}
