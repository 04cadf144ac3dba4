// The dev mailbox a person clicks through on `npm start`: real SMTP in, newest first, HTML rendered beside the text part.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailboxRoutes } from '../../src/api/pages/mailbox.js';
import { escapeHtml } from '../../src/domain/html.js';
import { startDevMailbox, type DevMailbox } from '../../src/email/devMailbox.js';
import { renderEmail } from '../../src/email/templates.js';
import { createMailer, type Mailer } from '../../src/email/transport.js';

let mailbox: DevMailbox;
let mailer: Mailer;
let app: Hono;
beforeAll(async () => {
  mailbox = await startDevMailbox({ port: 0 });
  mailer = createMailer(`smtp://127.0.0.1:${mailbox.port}`, 'Sklep <sklep@localhost>', { maxConnections: 2, maxMessages: 100 });
  app = new Hono().route('/', mailboxRoutes(mailbox));
});
afterAll(async () => {
  mailer?.close();
  await mailbox?.close();
});

const SETUP = 'http://localhost:3000/account/setup-password#token=tok_123-abc';

describe('dev mailbox', () => {
  it('lists captured emails newest first and shows one with its HTML rendered, its text part and its links', async () => {
    const order = { customerName: 'Ala', orderNumber: 'ORD-20260101-AAAA', items: [{ title: 'Pakiet A', amount: { amount: 6900, currency: 'PLN' } }], total: { amount: 6900, currency: 'PLN' }, shopUrl: 'http://localhost:3000/shop' };
    await mailer.send('ala@example.com', await renderEmail('payment_failed', 'en', order));
    await mailer.send('ala@example.com', await renderEmail('welcome', 'en', { ...order, setupUrl: SETUP }));

    const list = await (await app.request('/dev/mailbox')).text();
    const failed = list.indexOf('Payment for order ORD-20260101-AAAA failed');
    const welcome = list.indexOf('Welcome! Your order ORD-20260101-AAAA is ready');
    expect(failed).toBeGreaterThan(0);
    expect(welcome).toBeGreaterThan(0);
    expect(welcome).toBeLessThan(failed);

    const [newest] = mailbox.list({ to: 'ala@example.com' });
    const page = await app.request(`/dev/mailbox/${newest!.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // The HTML part, whole, inside a sandboxed frame whose links may open (unsandboxed) in a new tab.
    expect(html).toContain(`srcdoc="${escapeHtml(newest!.html)}"`);
    expect(html).toMatch(/<iframe[^>]*sandbox="allow-popups allow-popups-to-escape-sandbox"/);
    expect(newest!.html).toMatch(new RegExp(`href="${SETUP.replace(/[?.]/g, '\\$&')}"[^>]*target="_blank"`));
    expect(html).toContain(escapeHtml(newest!.text));
    expect(html).toContain(`<a href="${escapeHtml(SETUP)}" target="_blank" rel="noopener">`);
  });

  it('answers 404 for a message it does not have', async () => {
    expect((await app.request('/dev/mailbox/no-such-id')).status).toBe(404);
    expect((await app.request('/dev/mailbox/messages/no-such-id')).status).toBe(404);
  });
});
