// A bare storefront for trying the product by hand: pick a package and a way to pay (the sandbox by default), type an
// email and perhaps a coupon, see the price the server quotes. It uses only the public API (catalog, quote, checkout).
import type { ApiDeps } from '../deps.js';
import { scriptNonce } from '../headers.js';
import { DEFAULT_LOCALE } from '../../domain/orders.js';
import { moneyScript, page } from './html.js';
import { newRouter } from '../router.js';

const SHOP = `<h1>Shop</h1><p class="muted">A demo storefront on the public API: it offers the payment methods the server has enabled.</p>
<form id="buy" class="card">
  <p><label>Package<br><select id="package" required style="width:100%;padding:6px"></select></label></p>
  <p><label>Email<br><input id="email" type="email" required style="width:100%;padding:6px"></label></p>
  <p><label>Name<br><input id="name" required style="width:100%;padding:6px"></label></p>
  <p><label>Pay with <select id="provider" style="padding:6px"></select></label></p>
  <p><label>Language <select id="locale"><option value="pl">polski</option><option value="en">English</option></select></label></p>
  <p><label>Coupon code<br><input id="coupon" autocomplete="off" style="width:100%;padding:6px"></label> <span id="coupon-status" class="muted"></span></p>
  <table id="quote"></table>
  <p><strong>Total: <span id="total">…</span></strong></p>
  <button class="pay" type="submit">Buy</button> <span id="error" style="color:#c00"></span>
</form>
<script>
${moneyScript(DEFAULT_LOCALE)}
const wanted = new URLSearchParams(location.search).get('package');
const $ = (id) => document.getElementById(id);
const couponCode = () => $('coupon').value.trim() || undefined;
const cart = () => ({ packageIds: [$('package').value], email: $('email').value || undefined, provider: $('provider').value || 'sandbox', locale: $('locale').value, couponCode: couponCode() });
const REASONS = { coupon_unknown: 'no such coupon', coupon_expired: 'this coupon has expired', coupon_exhausted: 'this coupon is used up',
  coupon_not_applicable: 'this coupon does not apply to this cart', coupon_minimum_not_met: 'the cart is below the minimum purchase for this coupon' };
// The price is always the server's: every change asks for a quote, and only the latest answer is shown.
let asked = 0;
async function requote() {
  const mine = ++asked;
  if (!$('package').value) return;
  const body = cart();
  if (body.email && !$('email').checkValidity()) delete body.email;
  const res = await fetch('/api/v1/checkout/quote', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const q = await res.json();
  if (mine !== asked) return;
  const table = $('quote');
  table.innerHTML = '';
  if (!res.ok) { $('total').textContent = '…'; $('coupon-status').textContent = ''; $('error').textContent = q.error.message; return; }
  $('error').textContent = '';
  for (const l of q.lines) {
    const row = table.insertRow();
    row.insertCell().textContent = l.title;
    row.insertCell().textContent = l.discount.amount > 0 ? fmt(l.unitPrice) + ' − ' + fmt(l.discount) : fmt(l.unitPrice);
  }
  if (q.discount.amount > 0) { const row = table.insertRow(); row.id = 'discount-row'; row.insertCell().textContent = 'Discount (' + q.coupon.code + ')'; row.insertCell().textContent = '−' + fmt(q.discount); }
  $('total').textContent = fmt(q.total);
  $('coupon-status').textContent = q.coupon ? (q.coupon.applied ? 'applied' : REASONS[q.coupon.reason] || q.coupon.reason) : '';
}
let typing;
for (const id of ['package', 'provider', 'locale']) $(id).addEventListener('change', requote);
for (const id of ['coupon', 'email']) $(id).addEventListener('input', () => { clearTimeout(typing); typing = setTimeout(requote, 250); });
Promise.all([
  fetch('/api/v1/packages').then((r) => r.json()).then(({ packages }) => {
    const select = $('package');
    for (const p of packages) {
      const o = new Option(p.title + ' — ' + fmt(p.price) + (p.isBundle ? ' (bundle)' : ''), p.id);
      o.selected = p.slug === wanted;
      select.add(o);
    }
  }),
  fetch('/api/v1/payment-methods').then((r) => r.json()).then(({ methods }) => {
    const select = $('provider');
    const names = { sandbox: 'Sandbox (demo card)', bank_transfer: 'Bank transfer', stripe: 'Stripe', payu: 'PayU', paypal: 'PayPal', postfinance: 'PostFinance' };
    for (const m of methods) select.add(new Option(names[m.provider] || m.provider, m.provider, false, m.provider === 'sandbox'));
  }),
]).then(requote);
// One key per purchase attempt: a double submit reuses it, a new purchase (also after going back) gets a new one.
let key = crypto.randomUUID();
window.addEventListener('pageshow', () => { key = crypto.randomUUID(); });
document.getElementById('buy').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/api/v1/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ ...cart(), email: $('email').value, name: $('name').value }),
  });
  const body = await res.json();
  const detail = Array.isArray(body.error?.details) && body.error.details[0]?.message ? ': ' + body.error.details[0].message : '';
  if (res.ok) location.href = body.paymentUrl; else $('error').textContent = body.error.message + detail;
});
</script>`;

export function shopRoutes(_deps: ApiDeps) {
  const router = newRouter();
  router.get('/shop', (c) => c.html(page('Shop', SHOP, scriptNonce(c))));
  return router;
}
