// Every email kind renders in both languages: valid MJML to HTML, the same facts in the text part.
import { describe, expect, it } from 'vitest';
import { EMAIL_KINDS, LOCALES } from '../../src/domain/orders.js';
import { renderEmail, type EmailData } from '../../src/email/templates.js';

const data: EmailData = {
  customerName: 'Ala <script>',
  orderNumber: 'ORD-20261123-ABCD',
  items: [{ title: 'Pakiet wdrożeniowy: chatbot RAG', amount: { amount: 14900, currency: 'PLN' } }],
  total: { amount: 14900, currency: 'PLN' },
  shopUrl: 'https://shop.example',
  setupUrl: 'https://shop.example/account/setup-password?token=abc123',
  refund: { amount: { amount: 14900, currency: 'PLN' }, full: true, reason: 'requested', revokedTitles: ['Pakiet wdrożeniowy: chatbot RAG'] },
};

describe('renderEmail', () => {
  for (const locale of LOCALES) {
    for (const kind of EMAIL_KINDS) {
      it(`renders ${kind} in ${locale}`, async () => {
        const email = await renderEmail(kind, locale, data);
        if (kind !== 'setup_link') expect(email.subject).toContain('ORD-20261123-ABCD');
        expect(email.html).toMatch(/^<!doctype html>/i);
        expect(email.html).toContain(`<html lang="${locale}"`);
        for (const part of [email.html, email.text]) {
          expect(part).toContain('ORD-20261123-ABCD');
          expect(part).toContain('Pakiet wdrożeniowy: chatbot RAG');
          expect(part).toMatch(locale === 'pl' ? /149,00\s?zł/ : /PLN\s?149\.00/);
        }
        expect(email.html).not.toContain('<script>');
        expect(email.html).toContain('Ala &#60;script&#62;');
        const link = kind === 'welcome' || kind === 'setup_link' ? data.setupUrl! : data.shopUrl;
        expect(email.text).toContain(link);
        expect(email.html).toContain(`href="${link}"`);
      });
    }
  }

  it('speaks the buyer’s language', async () => {
    expect((await renderEmail('welcome', 'pl', data)).text).toContain('Ustaw hasło');
    expect((await renderEmail('welcome', 'en', data)).text).toContain('Set your password');
  });
});
