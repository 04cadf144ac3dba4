// The dev mailbox viewer: captured emails newest first, each with its HTML rendered and its text part.
import type { DevMailbox } from '../../email/devMailbox.js';
import { escapeHtml } from '../../domain/html.js';
import { errorJson } from '../errors.js';
import { page } from './html.js';
import { newRouter } from '../router.js';

export function mailboxRoutes(mailbox: DevMailbox) {
  const router = newRouter();
  router.get('/dev/mailbox', (c) => {
    const rows = mailbox
      .list()
      .map((m) => `<tr><td class="muted">${escapeHtml(m.receivedAt.slice(11, 19))}</td><td>${escapeHtml(m.to.join(', '))}</td><td><a href="/dev/mailbox/${m.id}">${escapeHtml(m.subject)}</a></td></tr>`)
      .join('');
    return c.html(
      page(
        'Dev mailbox',
        `<h1>Dev mailbox</h1><p class="muted">Every email the shop sent over SMTP to port ${mailbox.port}, newest first. JSON: <a href="/dev/mailbox/messages">/dev/mailbox/messages</a></p>
         <table><tr><th>Time</th><th>To</th><th>Subject</th></tr>${rows || '<tr><td colspan="3" class="muted">No messages yet.</td></tr>'}</table>`,
      ),
    );
  });
  // Turns a recipient into a bouncing one (SMTP 550) and back, to see how orders handle undeliverable email.
  router.post('/dev/mailbox/rejections', async (c) => {
    const body = (await c.req.json().catch(() => null)) as { address?: unknown; rejected?: unknown } | null;
    if (typeof body?.address !== 'string' || typeof body.rejected !== 'boolean') {
      return errorJson(c, 400, 'invalid_request', 'Send {"address": string, "rejected": boolean}.');
    }
    mailbox.setRejected(body.address, body.rejected);
    return c.json({ address: body.address.toLowerCase(), rejected: body.rejected });
  });
  router.get('/dev/mailbox/messages', (c) => c.json({ messages: mailbox.list({ to: c.req.query('to') }) }));
  router.get('/dev/mailbox/messages/:id', (c) => {
    const m = mailbox.get(c.req.param('id'));
    return m ? c.json(m) : errorJson(c, 404, 'message_not_found', 'No such message.');
  });
  router.get('/dev/mailbox/:id', (c) => {
    const m = mailbox.get(c.req.param('id'));
    if (!m) return c.html(page('Not found', '<h1>No such message</h1>'), 404);
    const links = [...new Set(m.text.match(/https?:\/\/[^\s<>"]+/g) ?? [])];
    return c.html(
      page(
        m.subject,
        `<style>body{max-width:1280px}.parts{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:16px;align-items:start}.parts .card{margin:0}</style>
         <p><a href="/dev/mailbox">← Mailbox</a></p><h1>${escapeHtml(m.subject)}</h1>
         <p class="muted">From ${escapeHtml(m.from)} to ${escapeHtml(m.to.join(', '))} at ${escapeHtml(m.receivedAt)}</p>
         ${links.length > 0 ? `<p>Links: ${links.map((l) => `<a href="${escapeHtml(l)}" target="_blank" rel="noopener">${escapeHtml(l)}</a>`).join(' · ')}</p>` : ''}
         <div class="parts">
           <section><h2>HTML part</h2><div class="card" style="padding:0"><iframe title="HTML part" sandbox="allow-popups allow-popups-to-escape-sandbox" style="width:100%;height:900px;border:0" srcdoc="${escapeHtml(m.html)}"></iframe></div></section>
           <section><h2>Text part</h2><pre class="card" style="white-space:pre-wrap;font-size:14px">${escapeHtml(m.text)}</pre></section>
         </div>`,
      ),
    );
  });
  return router;
}
