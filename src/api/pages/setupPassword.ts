// The page the welcome and setup-link emails open: set a password, or ask for a fresh link when this one no longer works.
import { newRouter } from '../router.js';
import { scriptNonce } from '../headers.js';
import { page } from './html.js';

const BODY = `<h1>Set your password</h1>
<form id="setup" class="card">
  <p><label>New password (at least 10 characters)<br><input id="password" type="password" autocomplete="new-password" required style="width:100%;padding:6px"></label></p>
  <button class="pay" type="submit">Set password</button>
  <p id="result"></p>
</form>
<form id="relink" class="card" hidden>
  <p>Ask for a new link; it is valid for one hour.</p>
  <p><label>Your email<br><input id="email" type="email" autocomplete="email" required style="width:100%;padding:6px"></label></p>
  <button type="submit">Send me a new link</button>
  <p id="relinked"></p>
</form>
<script>
// The link carries the token in the fragment, which never reaches a server; drop it from the address bar and history too.
const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
if (location.hash) history.replaceState(null, '', location.pathname);
const result = document.getElementById('result');
const relink = document.getElementById('relink');
function offerNewLink(message) {
  result.style.color = '#c00';
  result.textContent = message;
  relink.hidden = false;
}
if (!token) offerNewLink('This page needs the link from your email.');
document.getElementById('setup').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/api/v1/auth/password/setup', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password: document.getElementById('password').value }) });
  const body = await res.json();
  if (!res.ok) {
    if (['token_invalid', 'token_used', 'token_expired', 'invalid_request'].includes(body.error.code)) offerNewLink(body.error.message);
    else { result.style.color = '#c00'; result.textContent = body.error.message; }
    return;
  }
  result.style.color = '#237804';
  result.textContent = 'Your password is set for ' + body.email + '. Log in with POST /api/v1/auth/login, for example on the ';
  const docs = document.createElement('a'); docs.href = '/docs'; docs.textContent = 'API docs page'; result.append(docs, '.');
  document.querySelector('#setup button').disabled = true;
});
relink.addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/api/v1/auth/password/setup-link', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: document.getElementById('email').value }) });
  const body = await res.json();
  const out = document.getElementById('relinked');
  out.style.color = res.ok ? '#237804' : '#c00';
  out.textContent = res.ok ? body.message : body.error.message;
});
</script>`;

export const setupPasswordPage = (nonce: string) => page('Set your password', BODY, nonce);

export function setupPasswordRoutes() {
  return newRouter().get('/account/setup-password', (c) => c.html(setupPasswordPage(scriptNonce(c))));
}
