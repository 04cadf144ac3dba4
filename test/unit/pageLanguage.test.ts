// Which language a buyer's page speaks when no order names it: the link's `lang`, then the browser's preference, then the shop's.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { requestLocale } from '../../src/api/pages/copy.js';
import { fakeApiDeps, fakeSql } from '../support/fakeDeps.js';

describe('requestLocale', () => {
  it('takes the link\'s language over the browser\'s', () => {
    expect(requestLocale('pl', 'en-GB,en;q=0.9')).toBe('pl');
    expect(requestLocale('en', 'pl')).toBe('en');
  });

  it('otherwise takes the most preferred language it has, by q-value, then by order', () => {
    expect(requestLocale('xx', 'en-US,en;q=0.9')).toBe('en');
    expect(requestLocale(undefined, 'de-DE, pl;q=0.5, en;q=0.4')).toBe('pl');
    expect(requestLocale(undefined, 'en;q=0.3, PL-pl;q=0.7')).toBe('pl');
    expect(requestLocale(undefined, 'en, pl')).toBe('en');
    // q=0 means "not this one".
    expect(requestLocale(undefined, 'pl;q=0, en;q=0.1')).toBe('en');
  });

  it('falls back to the shop\'s own language', () => {
    expect(requestLocale(undefined, undefined)).toBe('pl');
    expect(requestLocale(undefined, 'fr-FR, de;q=0.5')).toBe('pl');
    expect(requestLocale(undefined, ';;, q=abc')).toBe('pl');
  });
});

describe('the password page', () => {
  it('speaks the language its link names, or the browser\'s', async () => {
    const app = createApp(fakeApiDeps({ sql: fakeSql([], []) }));
    const pl = await (await app.request('/account/setup-password?lang=pl', { headers: { 'accept-language': 'en' } })).text();
    expect(pl).toContain('<html lang="pl">');
    expect(pl).toContain('<h1>Ustaw hasło</h1>');
    expect(pl).toContain('Wyślij mi nowy link');
    const en = await (await app.request('/account/setup-password', { headers: { 'accept-language': 'en-GB' } })).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain('<h1>Set your password</h1>');
  });
});
