// Lays out every email as MJML (responsive HTML) and as plain text with the same facts, in the buyer's language.
import { escapeHtml } from '../domain/html.js';
import { formatMoney, type Money } from '../domain/money.js';
import { NUMBER_LOCALE, type EmailKind, type Locale } from '../domain/orders.js';
import { LABELS, type AccountEmailData, type Copy, type EmailData, type Labels } from './copy.js';
import { COPY } from './messages.js';
import { compileMjml } from './mjml.js';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const MUTED = '#8c8c8c';
const ACCENT = '#2f54eb';
const link = (slot: Slot, url: string, label = url) => `<a href="${slot(url)}" target="_blank" rel="noopener" style="color:${ACCENT}">${slot(label)}</a>`;
const hostOf = (url: string) => new URL(url).host;

/** Puts a value into the layout as a slot: escaped, and filled in after MJML has run (see `htmlFor`). */
type Slot = (text: string) => string;

interface Parts {
  slot: Slot;
  copy: Copy;
  labels: Labels;
  data: EmailData;
  money: (m: Money) => string;
  paragraphs: string[];
  actionUrl: string;
}

function summaryRows({ slot, labels, data, money }: Parts): string {
  const cell = 'padding:6px 0;border-bottom:1px solid #f0f0f0';
  const rows = data.items.map((i) => `<tr><td style="${cell}">${slot(i.title)}</td><td style="${cell};text-align:right;white-space:nowrap">${slot(money(i.amount))}</td></tr>`);
  if (data.discount) {
    rows.push(`<tr><td style="${cell}">${slot(labels.discount(data.discount.code))}</td><td style="${cell};text-align:right;white-space:nowrap">−${slot(money(data.discount.amount))}</td></tr>`);
  }
  rows.push(`<tr style="font-weight:bold"><td style="padding:10px 0 4px">${labels.total}</td><td style="padding:10px 0 4px;text-align:right;white-space:nowrap">${slot(money(data.total))}</td></tr>`);
  if (data.refund) {
    rows.push(`<tr style="color:#237804"><td style="padding:4px 0">${labels.refunded}</td><td style="padding:4px 0;text-align:right;white-space:nowrap">−${slot(money(data.refund.amount))}</td></tr>`);
  }
  return rows.join('');
}

function accessBlock({ slot, labels, data }: Parts): string {
  if (!data.refund) return '';
  const titles = data.refund.revokedTitles;
  if (titles.length === 0) return `<mj-text>${escapeHtml(labels.accessKept)}</mj-text>`;
  return `<mj-text>${escapeHtml(labels.accessRemoved)}<ul style="margin:8px 0 0;padding-left:20px">${titles.map((t) => `<li>${slot(t)}</li>`).join('')}</ul></mj-text>`;
}

function mjmlSource(locale: Locale, subject: string, p: Parts): string {
  const { slot, copy, labels, data } = p;
  const note = copy.action.note ? `<mj-text font-size="13px" color="#595959">${escapeHtml(copy.action.note)}</mj-text>` : '';
  const summary = copy.order
    ? `<mj-section background-color="#ffffff" padding="0 24px 16px"><mj-column>
<mj-divider border-width="1px" border-color="#e8e8e8" padding="0 0 16px" />
<mj-text font-weight="bold">${labels.summary}</mj-text>
<mj-table font-size="15px" line-height="22px" padding="0">${summaryRows(p)}</mj-table>
</mj-column></mj-section>`
    : '';
  return `<mjml lang="${locale}"><mj-head>
<mj-title>${slot(subject)}</mj-title>
<mj-preview>${slot(copy.preview(data))}</mj-preview>
<mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /><mj-text font-size="15px" line-height="22px" color="#1f1f1f" padding="0 0 12px" /></mj-attributes>
</mj-head>
<mj-body background-color="#f4f5f7">
<mj-section padding="24px 24px 12px"><mj-column><mj-text font-size="14px" font-weight="bold" padding="0">${link(slot, data.shopUrl, hostOf(data.shopUrl))}</mj-text></mj-column></mj-section>
<mj-section background-color="#ffffff" padding="24px 24px 8px"><mj-column>
${copy.order ? `<mj-text font-size="13px" color="${MUTED}">${labels.order} ${slot(data.orderNumber)}</mj-text>` : ''}
<mj-text font-size="22px" line-height="28px" font-weight="bold">${slot(copy.headline(data))}</mj-text>
<mj-text>${slot(labels.greeting(data.customerName))}</mj-text>
${p.paragraphs.map((t) => `<mj-text>${slot(t)}</mj-text>`).join('\n')}
${accessBlock(p)}
<mj-button background-color="${ACCENT}" font-size="15px" border-radius="6px" align="left" padding="8px 0 16px" href="${slot(p.actionUrl)}">${escapeHtml(copy.action.label)}</mj-button>
${note}
<mj-text font-size="12px" line-height="18px" color="${MUTED}">${escapeHtml(labels.buttonFallback)}<br />${link(slot, p.actionUrl)}</mj-text>
</mj-column></mj-section>
${summary}
<mj-section padding="16px 24px"><mj-column><mj-text font-size="12px" line-height="18px" color="${MUTED}">${escapeHtml(copy.order ? labels.footerOrder : labels.footerAccount)}<br />${link(slot, data.shopUrl)}</mj-text></mj-column></mj-section>
</mj-body></mjml>`;
}

function plainText(p: Parts): string {
  const { copy, labels, data, money } = p;
  const refund = data.refund;
  const access = refund ? (refund.revokedTitles.length > 0 ? [labels.accessRemoved, ...refund.revokedTitles.map((t) => `- ${t}`), ''] : [labels.accessKept, '']) : [];
  const summary = copy.order
    ? [
        `${labels.summary}:`,
        ...data.items.map((i) => `- ${i.title}: ${money(i.amount)}`),
        ...(data.discount ? [`${labels.discount(data.discount.code)}: −${money(data.discount.amount)}`] : []),
        `${labels.total}: ${money(data.total)}`,
        ...(refund ? [`${labels.refunded}: ${money(refund.amount)}`] : []),
        '',
      ]
    : [];
  return [
    ...(copy.order ? [`${labels.order} ${data.orderNumber}`, ''] : []),
    copy.headline(data),
    '',
    labels.greeting(data.customerName),
    '',
    ...p.paragraphs.flatMap((t) => [t, '']),
    ...access,
    `${copy.action.label}: ${p.actionUrl}`,
    ...(copy.action.note ? [copy.action.note] : []),
    '',
    ...summary,
    '--',
    copy.order ? labels.footerOrder : labels.footerAccount,
    data.shopUrl,
    '',
  ].join('\n');
}

export async function renderEmail(kind: 'setup_link', locale: Locale, data: AccountEmailData): Promise<RenderedEmail>;
export async function renderEmail(kind: EmailKind, locale: Locale, data: EmailData): Promise<RenderedEmail>;
export async function renderEmail(kind: EmailKind, locale: Locale, input: EmailData | AccountEmailData): Promise<RenderedEmail> {
  const copy = COPY[locale][kind];
  if (copy.order && !('orderNumber' in input)) throw new Error(`${kind} email needs the order it is about`);
  // setup_link never reads the order fields (copy.order is false), so an account's data is enough for it.
  const data = { orderNumber: '', items: [], total: { amount: 0, currency: 'PLN' }, ...input } as EmailData;
  const money = (m: Money) => formatMoney(m, NUMBER_LOCALE[locale]);
  const values: string[] = [];
  const slot: Slot = (text) => `${SLOT}${values.push(escapeHtml(text)) - 1}${SLOT}`;
  const parts: Parts = { slot, copy, labels: LABELS[locale], data, money, paragraphs: copy.body(data, money), actionUrl: copy.action.url(data) };
  const subject = copy.subject(data);
  const html = await htmlFor(mjmlSource(locale, subject, parts), values, `${kind}/${locale}`);
  return { subject, html, text: plainText(parts) };
}

/** Marks a slot in a layout; no copy contains it, and the values it stands for are kept apart until the fill. */
const SLOT = '@@slot@@';
const SLOTS = /@@slot@@(\d+)@@slot@@/g;
const fill = (template: string, values: string[]) => template.replace(SLOTS, (_, i: string) => values[Number(i)]!);
/** Layouts are few (kind, language, how many items, discount, refund); a long-running worker keeps the most recent. */
const MAX_LAYOUTS = 256;
/** A layout's HTML with its slots, or null: MJML did not pass that layout's values through unchanged. */
const layouts = new Map<string, string | null>();

async function compile(source: string, what: string): Promise<string> {
  const { html, errors } = await compileMjml(source);
  if (errors.length > 0) throw new Error(`MJML template ${what} is invalid: ${errors.join('; ')}`);
  return html;
}

/**
 * MJML costs milliseconds of CPU per email, and every email of one layout differs only in its values: each layout
 * is compiled once, with its values as slots, and filled in for each email. The first email of a layout is also
 * compiled as itself (its source is the layout filled in); the layout is kept only if both give the same HTML, so a
 * value MJML would change can never reach a buyer changed differently.
 */
async function htmlFor(layout: string, values: string[], what: string): Promise<string> {
  const known = layouts.get(layout);
  if (known !== undefined) {
    // Most recently used last, so the oldest is the one to go.
    layouts.delete(layout);
    layouts.set(layout, known);
    return known === null ? compile(fill(layout, values), what) : fill(known, values);
  }
  const [compiled, direct] = await Promise.all([compile(layout, what), compile(fill(layout, values), what)]);
  layouts.set(layout, fill(compiled, values) === direct ? compiled : null);
  if (layouts.size > MAX_LAYOUTS) layouts.delete(layouts.keys().next().value!);
  return direct;
}

/** How many layouts are compiled and kept (tests: an email of a kept layout runs no MJML). */
export function keptLayouts(): number {
  return [...layouts.values()].filter((html) => html !== null).length;
}

/** Tests: the next email of every layout is compiled as itself again. */
export function forgetLayouts(): void {
  layouts.clear();
}
