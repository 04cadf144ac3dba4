// The demo shop in a real browser (playwright-core driving the system's Chromium): a coupon typed on the page changes
// the server's quote, and the buyer pays the discounted total and sees the discount on the order page.
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startHarness, uniqueEmail, waitForStatus, type Harness } from '../support/harness.js';

/** Chromium from CHROMIUM_PATH or PATH (`apt-get install -y chromium`); without one this file says so and skips. */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}

const executablePath = findChromium();
if (!executablePath) console.warn('shopCoupon.test.ts: no Chromium found (set CHROMIUM_PATH or install chromium); the browser test is skipped');

describe.skipIf(!executablePath)('shop page with a coupon', () => {
  let h: Harness;
  let browser: Browser;
  beforeAll(async () => {
    h = await startHarness();
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('shows the quote change as the buyer types a coupon, then charges the discounted total', async () => {
    const code = `SHOP-${crypto.randomUUID().slice(0, 8)}`;
    expect((await admin(h, 'POST', '/coupons', { code, kind: 'percent', percent: 25 })).status).toBe(201);
    const page = await browser.newPage();
    await page.goto(`${h.baseUrl}/shop?package=chatbot-rag`);
    const total = page.locator('#total');
    await expect.poll(() => total.textContent()).toMatch(/149,00/);

    await page.fill('#coupon', 'NOT-A-COUPON');
    await expect.poll(() => page.locator('#coupon-status').textContent()).toBe('no such coupon');
    await expect.poll(() => total.textContent()).toMatch(/149,00/);

    await page.fill('#coupon', code.toLowerCase());
    await expect.poll(() => page.locator('#coupon-status').textContent()).toBe('applied');
    await expect.poll(() => total.textContent()).toMatch(/111,75/);
    expect(await page.locator('#discount-row').textContent()).toMatch(/37,25/);

    const email = uniqueEmail('shop');
    await page.fill('#email', email);
    await page.fill('#name', 'Shop Buyer');
    await Promise.all([page.waitForURL(/\/sandbox\/pay\//), page.click('button[type=submit]')]);
    expect(await page.locator('button.pay').textContent()).toMatch(/111,75/);
    await Promise.all([page.waitForURL(/\/orders\//), page.click('button.pay')]);
    const orderId = new URL(page.url()).pathname.split('/').at(-1)!;
    await waitForStatus(h, orderId, 'FULFILLED');
    await expect.poll(() => page.locator('#discount').textContent(), { timeout: 10_000 }).toMatch(new RegExp(`${code}.*37,25`));
    // The shop's default language is Polish, and the order page speaks the order's language.
    expect(await page.locator('html').getAttribute('lang')).toBe('pl');
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toBe('zrealizowane');
    expect(await page.locator('#status').getAttribute('data-status')).toBe('FULFILLED');
    expect(await page.locator('#discount').textContent()).toMatch(/^Rabat/);
    const [order] = await h.sql<{ paid_amount: number }[]>`SELECT paid_amount FROM orders WHERE id = ${orderId}`;
    expect(order!.paid_amount).toBe(11175);
  });
});
