// The page providers send the buyer back to: it follows the order (over the public API) until it settles, in the order's language.
import { getOrder } from '../../db/orders.js';
import { escapeHtml } from '../../domain/html.js';
import type { Locale } from '../../domain/orders.js';
import type { ApiDeps } from '../deps.js';
import { newRouter } from '../router.js';
import { scriptNonce } from '../headers.js';
import { PAGE_COPY, requestLocale } from './copy.js';
import { moneyScript, page } from './html.js';

function orderPage(orderId: string, locale: Locale, nonce: string): string {
  const copy = PAGE_COPY[locale].order;
  return page(
    copy.title,
    `<h1>${escapeHtml(copy.title)}</h1><div class="card" id="order"><p class="muted">${escapeHtml(copy.loading)}</p></div>
<script>
const id = ${JSON.stringify(escapeHtml(orderId))};
// JSON inside a script: "<" escaped so no text of ours can close the script element.
const copy = ${JSON.stringify(copy).replaceAll('<', '\\u003c')};
const settled = ['FULFILLED', 'FAILED', 'EXPIRED', 'CANCELLED', 'REFUNDED', 'PARTIALLY_REFUNDED', 'HELD'];
async function poll() {
  const res = await fetch('/api/v1/orders/' + id + '/status');
  const box = document.getElementById('order');
  if (!res.ok) { box.textContent = copy.notFound; return; }
  const o = await res.json();
  ${moneyScript(locale)}
  box.innerHTML = '';
  const h = document.createElement('h2'); h.textContent = o.orderNumber; box.append(h);
  const st = document.createElement('p'); st.textContent = copy.status + ': ';
  const badge = document.createElement('span'); badge.className = 'badge'; badge.id = 'status'; badge.dataset.status = o.status;
  badge.textContent = copy.statuses[o.status] || o.status; st.append(badge); box.append(st);
  for (const i of o.items) { const p = document.createElement('p'); p.textContent = i.title + ' — ' + fmt(i.price); box.append(p); }
  if (o.discount.amount > 0) { const d = document.createElement('p'); d.id = 'discount'; d.textContent = copy.discount + ' (' + o.couponCode + '): −' + fmt(o.discount); box.append(d); }
  const t = document.createElement('p'); t.id = 'total'; t.textContent = copy.total + ': ' + fmt(o.total); box.append(t);
  if (copy.notes[o.status]) { const n = document.createElement('p'); n.textContent = copy.notes[o.status] + ' '; const a = document.createElement('a'); a.href = '/'; a.textContent = copy.backToShop; n.append(a); box.append(n); }
  if (o.status === 'PENDING') {
    const b = document.createElement('button'); b.id = 'cancel'; b.textContent = copy.cancel;
    b.onclick = async () => { b.disabled = true; const r = await fetch('/api/v1/orders/' + id + '/cancel', { method: 'POST' }); if (!r.ok) { const e = await r.json(); alert(e.error.message); } poll(); };
    box.append(b);
  }
  if (!settled.includes(o.status)) setTimeout(poll, 2000);
}
poll();
</script>`,
    nonce,
    locale,
  );
}

export function orderPageRoutes({ sql }: Pick<ApiDeps, 'sql'>) {
  return newRouter().get('/orders/:orderId', async (c) => {
    const orderId = c.req.param('orderId');
    // The order's own language; an id that names no order gets the browser's (the page then says it was not found).
    const order = await getOrder(sql, orderId);
    const locale = order?.locale ?? requestLocale(c.req.query('lang'), c.req.header('accept-language'));
    return c.html(orderPage(orderId, locale, scriptNonce(c)));
  });
}
