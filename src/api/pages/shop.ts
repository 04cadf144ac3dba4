// A bare storefront for trying the product by hand: pick a package and a way to pay (the sandbox by default), type an email.
// It uses only the public API (catalog and checkout), as a real frontend would.
import type { ApiDeps } from '../deps.js';
import { scriptNonce } from '../headers.js';
import { MONEY_SCRIPT, page } from './html.js';
import { newRouter } from '../router.js';

const SHOP = `<h1>Shop</h1><p class="muted">A demo storefront on the public API: it offers the payment methods the server has enabled.</p>
<form id="buy" class="card">
  <p><label>Package<br><select id="package" required style="width:100%;padding:6px"></select></label></p>
  <p><label>Email<br><input id="email" type="email" required style="width:100%;padding:6px"></label></p>
  <p><label>Name<br><input id="name" required style="width:100%;padding:6px"></label></p>
  <p><label>Pay with <select id="provider" style="padding:6px"></select></label></p>
  <p><label>Language <select id="locale"><option value="pl">polski</option><option value="en">English</option></select></label></p>
  <button class="pay" type="submit">Buy</button> <span id="error" style="color:#c00"></span>
</form>
<script>
${MONEY_SCRIPT}
const wanted = new URLSearchParams(location.search).get('package');
fetch('/api/v1/packages').then((r) => r.json()).then(({ packages }) => {
  const select = document.getElementById('package');
  for (const p of packages) {
    const o = new Option(p.title + ' — ' + fmt(p.price) + (p.isBundle ? ' (bundle)' : ''), p.id);
    o.selected = p.slug === wanted;
    select.add(o);
  }
});
fetch('/api/v1/payment-methods').then((r) => r.json()).then(({ methods }) => {
  const select = document.getElementById('provider');
  const names = { sandbox: 'Sandbox (demo card)', bank_transfer: 'Bank transfer', stripe: 'Stripe', payu: 'PayU', paypal: 'PayPal', postfinance: 'PostFinance' };
  for (const m of methods) select.add(new Option(names[m.provider] || m.provider, m.provider, false, m.provider === 'sandbox'));
});
// One key per purchase attempt: a double submit reuses it, a new purchase (also after going back) gets a new one.
let key = crypto.randomUUID();
window.addEventListener('pageshow', () => { key = crypto.randomUUID(); });
document.getElementById('buy').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/api/v1/checkout', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ packageIds: [document.getElementById('package').value], email: document.getElementById('email').value,
      name: document.getElementById('name').value, provider: document.getElementById('provider').value || 'sandbox', locale: document.getElementById('locale').value }),
  });
  const body = await res.json();
  const detail = Array.isArray(body.error?.details) && body.error.details[0]?.message ? ': ' + body.error.details[0].message : '';
  if (res.ok) location.href = body.paymentUrl; else document.getElementById('error').textContent = body.error.message + detail;
});
</script>`;

export function shopRoutes(_deps: ApiDeps) {
  const router = newRouter();
  router.get('/shop', (c) => c.html(page('Shop', SHOP, scriptNonce(c))));
  return router;
}
