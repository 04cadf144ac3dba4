// Every email kind in both languages: HTML and text snapshots (a template change shows in review), and the facts each must carry.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EMAIL_KINDS, LOCALES, type EmailKind, type Locale } from '../../src/domain/orders.js';
import type { EmailData } from '../../src/email/copy.js';
import { endMjmlThread, mjmlThreadRunning } from '../../src/email/mjml.js';
import { forgetLayouts, keptLayouts, renderEmail, type RenderedEmail } from '../../src/email/templates.js';

const SHOP = 'https://shop.example/shop';
const SETUP = 'https://shop.example/account/setup-password#token=abc123';
const ORDER_PAGE = 'https://shop.example/orders/7b0c2d7e-0000-4000-8000-000000000001';
const ACCOUNT = { accountName: 'Sklep Przykładowy sp. z o.o.', iban: 'PL61109010140000071219812874', bic: 'WBKPPLPP' };

const order: EmailData = {
  customerName: 'Ala',
  orderNumber: 'ORD-20261123-ABCD',
  items: [
    { title: 'Pakiet wdrożeniowy: chatbot RAG', amount: { amount: 14900, currency: 'PLN' } },
    { title: 'Social media autopilot', amount: { amount: 6900, currency: 'PLN' } },
  ],
  total: { amount: 21800, currency: 'PLN' },
  shopUrl: SHOP,
};

/** What each kind is rendered with in the snapshots: the fields its producer fills. */
function dataFor(kind: EmailKind): EmailData {
  switch (kind) {
    case 'welcome':
      return { ...order, setupUrl: SETUP };
    case 'refund_issued':
      return { ...order, refund: { amount: order.total, full: true, reason: 'fulfilment_failed', revokedTitles: order.items.map((i) => i.title) } };
    case 'bank_transfer_instructions':
      return { ...order, orderUrl: ORDER_PAGE, bankAccount: ACCOUNT };
    default:
      return order;
  }
}

async function render(kind: EmailKind, locale: Locale): Promise<RenderedEmail> {
  return kind === 'setup_link' ? renderEmail('setup_link', locale, { customerName: 'Ala', shopUrl: SHOP, setupUrl: SETUP }) : renderEmail(kind, locale, dataFor(kind));
}

const money = { pl: { total: /218,00\s?zł/, item: /149,00\s?zł/ }, en: { total: /PLN\s?218\.00/, item: /PLN\s?149\.00/ } };

describe('email snapshots', () => {
  for (const locale of LOCALES) {
    for (const kind of EMAIL_KINDS) {
      it(`${kind} in ${locale}`, async () => {
        const email = await render(kind, locale);
        await expect(`Subject: ${email.subject}\n\n${email.text}`).toMatchFileSnapshot(`./__snapshots__/emails/${kind}.${locale}.txt`);
        await expect(email.html).toMatchFileSnapshot(`./__snapshots__/emails/${kind}.${locale}.html`);
      });
    }
    it(`purchase_confirmation with a coupon in ${locale}`, async () => {
      const email = await renderEmail('purchase_confirmation', locale, { ...order, discount: { code: 'WIOSNA20', amount: { amount: 4360, currency: 'PLN' } }, total: { amount: 17440, currency: 'PLN' } });
      await expect(`Subject: ${email.subject}\n\n${email.text}`).toMatchFileSnapshot(`./__snapshots__/emails/purchase_confirmation-coupon.${locale}.txt`);
      await expect(email.html).toMatchFileSnapshot(`./__snapshots__/emails/purchase_confirmation-coupon.${locale}.html`);
      const discount = locale === 'pl' ? /Rabat \(kod WIOSNA20\): −43,60\s?zł/ : /Discount \(code WIOSNA20\): −PLN\s?43\.60/;
      expect(email.text).toMatch(discount);
      expect(email.text).toMatch(locale === 'pl' ? /174,40\s?zł/ : /PLN\s?174\.40/);
      expect(email.html).toContain('WIOSNA20');
    });
    it(`refund_issued (partial, access kept) in ${locale}`, async () => {
      const email = await renderEmail('refund_issued', locale, { ...order, refund: { amount: { amount: 6900, currency: 'PLN' }, full: false, reason: 'requested', revokedTitles: [] } });
      await expect(`Subject: ${email.subject}\n\n${email.text}`).toMatchFileSnapshot(`./__snapshots__/emails/refund_issued-partial.${locale}.txt`);
      await expect(email.html).toMatchFileSnapshot(`./__snapshots__/emails/refund_issued-partial.${locale}.html`);
    });
  }
});

describe('email facts', () => {
  for (const locale of LOCALES) {
    for (const kind of EMAIL_KINDS.filter((k) => k !== 'setup_link')) {
      it(`${kind} in ${locale} names the order, its items and total, in HTML and text`, async () => {
        const email = await render(kind, locale);
        expect(email.subject).toContain(order.orderNumber);
        expect(email.html).toMatch(/^<!doctype html>/i);
        expect(email.html).toContain(`<html lang="${locale}"`);
        for (const part of [email.html, email.text]) {
          expect(part).toContain(order.orderNumber);
          for (const item of order.items) expect(part).toContain(item.title);
          expect(part).toMatch(money[locale].item);
          expect(part).toMatch(money[locale].total);
        }
      });
    }

    it(`links each ${locale} email's button to its page, in both parts`, async () => {
      const expected: Record<EmailKind, string> = {
        welcome: SETUP,
        setup_link: SETUP,
        purchase_confirmation: SHOP,
        payment_failed: SHOP,
        checkout_expired: SHOP,
        refund_issued: SHOP,
        bank_transfer_instructions: ORDER_PAGE,
        payment_expired: SHOP,
      };
      for (const kind of EMAIL_KINDS) {
        const email = await render(kind, locale);
        expect(email.html).toContain(`href="${expected[kind]}"`);
        expect(email.text).toMatch(new RegExp(`^[^\\n:]+: ${expected[kind].replace(/[?.]/g, '\\$&')}$`, 'm'));
      }
    });

    it(`says in ${locale} how much a refund gave back and which access went`, async () => {
      const full = await render('refund_issued', locale);
      expect(full.subject).toMatch(locale === 'pl' ? /^Zwrot za/ : /^Refund for/);
      for (const part of [full.html, full.text]) expect(part).toMatch(locale === 'pl' ? /Kwota zwrotu: 218,00\s?zł\./ : /Amount refunded: PLN\s?218\.00\./);
      expect(full.text).toContain(`- ${order.items[1]!.title}`);
      const partial = await renderEmail('refund_issued', locale, { ...order, refund: { amount: { amount: 6900, currency: 'PLN' }, full: false, reason: 'requested', revokedTitles: [] } });
      expect(partial.subject).toMatch(locale === 'pl' ? /^Częściowy zwrot/ : /^Partial refund/);
      expect(partial.text).toMatch(locale === 'pl' ? /69,00\s?zł z 218,00\s?zł/ : /PLN\s?69\.00 of PLN\s?218\.00/);
      expect(partial.text).toContain(locale === 'pl' ? 'Twój dostęp do pakietów się nie zmienia.' : 'Your access to your packages is unchanged.');
    });

    it(`gives the ${locale} bank transfer's account, exact amount and the order number as its title`, async () => {
      const email = await render('bank_transfer_instructions', locale);
      for (const part of [email.html, email.text]) {
        expect(part).toContain('PL61 1090 1014 0000 0712 1981 2874');
        expect(part).toContain('WBKPPLPP');
        expect(part).toContain('Sklep Przykładowy sp. z o.o.');
        expect(part).toMatch(locale === 'pl' ? /Kwota: 218,00\s?zł/ : /Amount: PLN\s?218\.00/);
        expect(part).toContain(locale === 'pl' ? 'Tytuł przelewu: ORD-20261123-ABCD' : 'Reference: ORD-20261123-ABCD');
      }
      await expect(renderEmail('bank_transfer_instructions', locale, order)).rejects.toThrow(/needs the account/);
    });

    it(`sends the ${locale} setup link without any order in it`, async () => {
      const email = await render('setup_link', locale);
      expect(email.text).not.toContain('ORD-');
      expect(email.html).not.toContain('ORD-');
      expect(email.text).toContain(locale === 'pl' ? 'ważny przez 1 godzinę' : 'valid for 1 hour');
    });
  }

  it('escapes what the buyer typed', async () => {
    const email = await renderEmail('welcome', 'en', { ...order, customerName: 'Ala <script>', setupUrl: SETUP });
    expect(email.html).not.toContain('<script>');
    expect(email.html).toContain('Ala &#60;script&#62;');
  });

  it('refuses a refund email without its refund, and an order email without its order', async () => {
    await expect(renderEmail('refund_issued', 'en', order)).rejects.toThrow(/needs its refund details/);
    await expect(renderEmail('welcome', 'en', { customerName: 'Ala', shopUrl: SHOP, setupUrl: SETUP } as unknown as EmailData)).rejects.toThrow(/needs the order/);
  });
});

describe('compiled layouts', () => {
  // A name that looks like a slot, markup to escape, and other items: the values of one layout differ in every way.
  const other: EmailData = {
    ...order,
    customerName: '@@slot@@0@@slot@@ <b>Zoë</b> & "Ola"',
    orderNumber: 'ORD-20261205-WXYZ',
    items: [
      { title: 'Kurs <n8n> & więcej', amount: { amount: 990, currency: 'PLN' } },
      { title: '$& $1 $$', amount: { amount: 123456, currency: 'PLN' } },
    ],
    total: { amount: 124446, currency: 'PLN' },
    shopUrl: 'https://inny.example/sklep?a=1&b=2',
  };

  it('compiles a layout once and fills in every email of it, giving the HTML MJML makes of that email alone', async () => {
    for (const locale of LOCALES) {
      for (const kind of EMAIL_KINDS.filter((k) => k !== 'setup_link')) {
        forgetLayouts();
        const first = await renderEmail(kind, locale, dataFor(kind));
        expect(keptLayouts(), `${kind}/${locale}`).toBe(1);
        const filled = await renderEmail(kind, locale, { ...dataFor(kind), ...other });
        expect(keptLayouts(), `${kind}/${locale}: same layout`).toBe(1);
        forgetLayouts();
        const alone = await renderEmail(kind, locale, { ...dataFor(kind), ...other });
        expect(filled.html, `${kind}/${locale}`).toBe(alone.html);
        expect(filled.html).toContain('@@slot@@0@@slot@@ &#60;b&#62;Zoë&#60;/b&#62; &#38; &#34;Ola&#34;');
        expect(filled.html).not.toBe(first.html);
      }
    }
  });

  it('compiles a layout of its own for each shape: more items, a discount', async () => {
    forgetLayouts();
    await renderEmail('purchase_confirmation', 'pl', order);
    await renderEmail('purchase_confirmation', 'pl', { ...order, items: order.items.slice(0, 1) });
    await renderEmail('purchase_confirmation', 'pl', { ...order, discount: { code: 'WIOSNA20', amount: { amount: 4360, currency: 'PLN' } } });
    await renderEmail('purchase_confirmation', 'pl', { ...order, customerName: 'Ola' });
    expect(keptLayouts()).toBe(3);
  });
});

describe('the MJML thread', () => {
  afterAll(() => endMjmlThread(30_000));

  it('compiles away from the main thread, which never loads MJML', async () => {
    forgetLayouts();
    await render('welcome', 'en');
    expect(mjmlThreadRunning()).toBe(true);
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((path) => /[/\\]node_modules[/\\]mjml[^/\\]*[/\\]/.test(path));
    expect(loaded).toEqual([]);
  });

  it('ends when idle, and the next new layout starts it again and gets the same HTML', async () => {
    await endMjmlThread(50);
    forgetLayouts();
    const first = await render('purchase_confirmation', 'pl');
    await vi.waitFor(() => expect(mjmlThreadRunning()).toBe(false), { timeout: 5_000, interval: 20 });
    forgetLayouts();
    const again = await render('purchase_confirmation', 'pl');
    expect(again.html).toBe(first.html);
  });

  it('keeps a process alive until its email is compiled, and lets it end once idle', async () => {
    // A separate process, because only there does it show whether the thread holds its process too long or too little.
    const dir = await mkdtemp(join(tmpdir(), 'mjml-alive-'));
    const script = join(dir, 'render.mts');
    const templates = new URL('../../src/email/templates.ts', import.meta.url).href;
    // The second layout is compiled after the thread went idle once: a thread let go while idle must be held again.
    const render = (locale: string) => `console.log((await renderEmail('setup_link', '${locale}', { customerName: 'Ala', shopUrl: 'https://shop.example', setupUrl: 'https://shop.example/s' })).subject);`;
    await writeFile(script, [`const { renderEmail } = await import(${JSON.stringify(templates)});`, render('en'), 'await new Promise((r) => setTimeout(r, 50));', render('pl'), ''].join('\n'));
    try {
      const started = Date.now();
      // Killed only well past the idle timer, so a process held until that timer fires shows as the slow end below.
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], { cwd: new URL('../../', import.meta.url), timeout: 45_000 });
      expect(stdout.trim().split('\n')).toEqual(['Set the password for your account', 'Ustaw hasło do swojego konta']);
      // It ended on its own, well before the thread's 30 s idle timer would have ended the thread.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails the compile a dying thread had, and the next email starts a new one', async () => {
    await endMjmlThread(30_000);
    forgetLayouts();
    const cut = render('welcome', 'pl');
    await endMjmlThread();
    await expect(cut).rejects.toThrow(/MJML thread exited/);
    await expect(render('welcome', 'pl')).resolves.toMatchObject({ subject: expect.any(String) });
    expect(mjmlThreadRunning()).toBe(true);
  });
});
