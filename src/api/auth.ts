// Password setup from the welcome email's link: the page it opens and the endpoint that consumes the token.
import { createRoute, z } from '@hono/zod-openapi';
import { hashToken } from '../activities/email.js';
import { checkPasswordPolicy, hashPassword } from '../auth/passwords.js';
import { DomainError } from '../domain/errors.js';
import type { ApiDeps } from './deps.js';
import { errorResponse } from './errors.js';
import { page } from './html.js';
import { newRouter } from './router.js';

const setup = createRoute({
  method: 'post',
  path: '/api/v1/auth/password/setup',
  tags: ['auth'],
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ token: z.string().min(20).max(200), password: z.string().min(1).max(1024) }).strict().openapi('PasswordSetup') } },
      required: true,
    },
  },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ email: z.string() }) } }, description: 'Password set; the account can log in' },
    400: errorResponse('Unknown, used or expired token'),
    422: errorResponse('The password does not meet the policy'),
  },
});

const SETUP_PAGE = `<h1>Set your password</h1>
<form id="setup" class="card">
  <p><label>New password (at least 10 characters)<br><input id="password" type="password" autocomplete="new-password" required style="width:100%;padding:6px"></label></p>
  <button class="pay" type="submit">Set password</button>
  <p id="result"></p>
</form>
<script>
const token = new URLSearchParams(location.search).get('token') || '';
if (!token) document.getElementById('result').textContent = 'This page needs the link from your welcome email.';
document.getElementById('setup').addEventListener('submit', async (e) => {
  e.preventDefault();
  const res = await fetch('/api/v1/auth/password/setup', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, password: document.getElementById('password').value }) });
  const body = await res.json();
  const result = document.getElementById('result');
  result.style.color = res.ok ? '#237804' : '#c00';
  result.textContent = res.ok ? 'Your password is set for ' + body.email + '.' : body.error.message;
  if (res.ok) document.querySelector('#setup button').disabled = true;
});
</script>`;

export function authRoutes({ sql }: ApiDeps) {
  const router = newRouter();
  router.get('/account/setup-password', (c) => c.html(page('Set your password', SETUP_PAGE)));
  return router.openapi(setup, async (c) => {
    const { token, password } = c.req.valid('json');
    const email = await sql.begin(async (tx) => {
      const [row] = await tx<{ id: string; user_id: string; email: string; expires_at: Date; used_at: Date | null }[]>`
        SELECT t.id, t.user_id, u.email, t.expires_at, t.used_at
        FROM password_setup_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ${hashToken(token)} FOR UPDATE OF t`;
      if (!row) throw new DomainError('token_invalid', 'This link is not valid.', 'bad_request');
      if (row.used_at) throw new DomainError('token_used', 'This link was already used; ask for a new one.', 'bad_request');
      if (row.expires_at <= new Date()) throw new DomainError('token_expired', 'This link has expired; ask for a new one.', 'bad_request');
      checkPasswordPolicy(password, row.email);
      await tx`UPDATE users SET password_hash = ${await hashPassword(password)} WHERE id = ${row.user_id}`;
      await tx`UPDATE password_setup_tokens SET used_at = now() WHERE user_id = ${row.user_id} AND used_at IS NULL`;
      return row.email;
    });
    return c.json({ email }, 200);
  });
}
