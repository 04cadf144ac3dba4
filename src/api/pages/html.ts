// A minimal, dependency-free page shell for the few HTML pages (sandbox checkout, order page, dev mailbox).
import { escapeHtml } from '../../domain/html.js';
import { NUMBER_LOCALE, type Locale } from '../../domain/orders.js';

/** Browser-side money formatting by the currency's own exponent (JPY has none, BHD three), as the server does. */
export const moneyScript = (locale: Locale) =>
  `const fmt = (m) => { const f = new Intl.NumberFormat(${JSON.stringify(NUMBER_LOCALE[locale])}, { style: 'currency', currency: m.currency }); return f.format(m.amount / 10 ** f.resolvedOptions().maximumFractionDigits); };`;

/**
 * The page around `body`. Its inline scripts run only with this request's CSP nonce (headers.ts), so a page with a
 * script must pass `scriptNonce(c)`; the body is our own template (anything a user typed is escaped), so every
 * `<script>` in it is ours.
 */
export function page(title: string, body: string, nonce = '', lang: Locale = 'en'): string {
  if (nonce) body = body.replaceAll('<script>', `<script nonce="${escapeHtml(nonce)}">`);
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;max-width:760px;margin:40px auto;padding:0 16px;color:#1f1f1f}
.card{border:1px solid #ddd;border-radius:8px;padding:24px;margin:16px 0}
button{font-size:16px;padding:10px 20px;border-radius:6px;border:0;cursor:pointer;margin-right:8px}
.pay{background:#2f54eb;color:#fff}.decline{background:#eee}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px;border-bottom:1px solid #eee}
.muted{color:#8c8c8c;font-size:14px}.badge{display:inline-block;padding:2px 8px;border-radius:4px;background:#f0f0f0}
</style></head><body>${body}</body></html>`;
}
