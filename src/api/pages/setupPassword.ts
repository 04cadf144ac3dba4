// The page the welcome and setup-link emails open: set a password, or ask for a fresh link when this one no longer works.
import { escapeHtml } from '../../domain/html.js';
import type { Locale } from '../../domain/orders.js';
import { newRouter } from '../router.js';
import { scriptNonce } from '../headers.js';
import { PAGE_COPY, requestLocale } from './copy.js';
import { page } from './html.js';

function body(locale: Locale): string {
  const copy = PAGE_COPY[locale].setup;
  const text = (s: string) => escapeHtml(s);
  return `<h1>${text(copy.title)}</h1>
<form id="setup" class="card">
  <p><label>${text(copy.password)}<br><input id="password" type="password" autocomplete="new-password" required style="width:100%;padding:6px"></label></p>
  <button class="pay" type="submit">${text(copy.submit)}</button>
  <p id="result"></p>
</form>
<form id="relink" class="card" hidden>
  <p>${text(copy.askForLink)}</p>
  <p><label>${text(copy.email)}<br><input id="email" type="email" autocomplete="email" required style="width:100%;padding:6px"></label></p>
  <button type="submit">${text(copy.sendLink)}</button>
  <p id="relinked"></p>
</form>
<script>
const copy = ${JSON.stringify(copy).replaceAll('<', '\\u003c')};
// The API's messages are English: a page in another language says what it knows in its own words.
const says = (error) => copy.errors[error.code] || error.message;
// The link carries the token in the fragment, which never reaches a server; drop it from the address bar and history too.
const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
if (location.hash) history.replaceState(null, '', location.href.split('#')[0]);
const result = document.getElementById('result');
const relink = document.getElementById('relink');
function offerNewLink(message) {
  result.style.color = '#c00';
  result.textContent = message;
  relink.hidden = false;
}
if (!token) offerNewLink(copy.needsLink);
document.getElementById('setup').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/api/v1/auth/password/setup', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password: document.getElementById('password').value }) });
  const body = await res.json();
  if (!res.ok) {
    if (['token_invalid', 'token_used', 'token_expired', 'invalid_request'].includes(body.error.code)) offerNewLink(says(body.error));
    else { result.style.color = '#c00'; result.textContent = says(body.error); }
    return;
  }
  result.style.color = '#237804';
  result.textContent = copy.done + ' ' + body.email + '. ';
  const docs = document.createElement('a'); docs.href = '/docs'; docs.textContent = copy.docs; result.append(docs, '.');
  document.querySelector('#setup button').disabled = true;
});
relink.addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/api/v1/auth/password/setup-link', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: document.getElementById('email').value }) });
  const body = await res.json();
  const out = document.getElementById('relinked');
  out.style.color = res.ok ? '#237804' : '#c00';
  out.textContent = res.ok ? copy.linkSent : says(body.error);
});
</script>`;
}

/** The page in `locale`: the emailed link names it (`?lang=`), else the browser's preference decides. */
const setupPasswordPage = (nonce: string, locale: Locale) => page(PAGE_COPY[locale].setup.title, body(locale), nonce, locale);

export function setupPasswordRoutes() {
  return newRouter().get('/account/setup-password', (c) => c.html(setupPasswordPage(scriptNonce(c), requestLocale(c.req.query('lang'), c.req.header('accept-language')))));
}
