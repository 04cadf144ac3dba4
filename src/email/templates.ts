// The order emails in Polish and English: MJML for the HTML part, the same words as plain text.
import mjml2html from 'mjml';
import { escapeHtml } from '../domain/html.js';
import { formatMoney, type Money } from '../domain/money.js';
import type { EmailKind, Locale, RefundReason } from '../domain/orders.js';

export interface EmailData {
  customerName: string;
  orderNumber: string;
  items: { title: string; amount: Money }[];
  total: Money;
  shopUrl: string;
  /** Welcome and setup_link: the single-use password-setup link. */
  setupUrl?: string;
  /** refund_issued only: how much went back, why, and which packages the customer no longer has. */
  refund?: { amount: Money; full: boolean; reason: RefundReason; revokedTitles: string[] };
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

interface Copy {
  subject: (d: EmailData) => string;
  greeting: (d: EmailData) => string;
  body: (d: EmailData) => string[];
  action?: { label: string; url: (d: EmailData) => string };
}

const NUMBER_LOCALE: Record<Locale, string> = { pl: 'pl-PL', en: 'en-GB' };

const REFUND_WHY: Record<Locale, Record<RefundReason, string>> = {
  pl: {
    requested: 'Zgodnie z prośbą zwróciliśmy płatność za Twoje zamówienie.',
    fulfilment_failed: 'Nie udało nam się zrealizować Twojego zamówienia, dlatego zwróciliśmy płatność.',
    late_payment: 'Płatność dotarła po zamknięciu zamówienia, dlatego ją zwróciliśmy.',
    held_payment: 'Płatność nie zgadzała się z zamówieniem, dlatego ją zwróciliśmy.',
    provider: 'Operator płatności zgłosił zwrot płatności za Twoje zamówienie.',
    dispute: 'Płatność za Twoje zamówienie została zakwestionowana u operatora płatności.',
  },
  en: {
    requested: 'As requested, we have refunded the payment for your order.',
    fulfilment_failed: 'We could not complete your order, so we have refunded your payment.',
    late_payment: 'Your payment arrived after the order had closed, so we have refunded it.',
    held_payment: 'Your payment did not match the order, so we have refunded it.',
    provider: 'The payment provider reported a refund of your payment.',
    dispute: 'The payment for your order was disputed with the payment provider.',
  },
};

const COPY: Record<Locale, Record<EmailKind, Copy>> = {
  pl: {
    welcome: {
      subject: (d) => `Witamy! Twoje zamówienie ${d.orderNumber} jest gotowe`,
      greeting: (d) => `Cześć ${d.customerName},`,
      body: () => ['dziękujemy za zakup. Założyliśmy dla Ciebie konto i masz już dostęp do zakupionych pakietów.', 'Ustaw hasło, aby się zalogować. Link jest ważny przez 1 godzinę.'],
      action: { label: 'Ustaw hasło', url: (d) => d.setupUrl ?? d.shopUrl },
    },
    purchase_confirmation: {
      subject: (d) => `Potwierdzenie zamówienia ${d.orderNumber}`,
      greeting: (d) => `Cześć ${d.customerName},`,
      body: () => ['dziękujemy za zakup. Nowe pakiety są już dostępne na Twoim koncie.'],
      action: { label: 'Przejdź do sklepu', url: (d) => d.shopUrl },
    },
    payment_failed: {
      subject: (d) => `Płatność za zamówienie ${d.orderNumber} nie powiodła się`,
      greeting: (d) => `Cześć ${d.customerName},`,
      body: () => ['płatność za Twoje zamówienie nie została zrealizowana i nie pobraliśmy żadnych środków.', 'Możesz spróbować ponownie w każdej chwili.'],
      action: { label: 'Spróbuj ponownie', url: (d) => d.shopUrl },
    },
    checkout_expired: {
      subject: (d) => `Zamówienie ${d.orderNumber} wygasło`,
      greeting: (d) => `Cześć ${d.customerName},`,
      body: () => ['nie otrzymaliśmy płatności za Twoje zamówienie w wyznaczonym czasie, więc je zamknęliśmy. Nie pobraliśmy żadnych środków.', 'Jeśli nadal chcesz te pakiety, możesz złożyć zamówienie ponownie.'],
      action: { label: 'Kup ponownie', url: (d) => d.shopUrl },
    },
    refund_issued: {
      subject: (d) => `${d.refund?.full ? 'Zwrot' : 'Częściowy zwrot'} za zamówienie ${d.orderNumber}`,
      greeting: (d) => `Cześć ${d.customerName},`,
      body: (d) => [
        `${REFUND_WHY.pl[d.refund!.reason]} Zwróciliśmy ${formatMoney(d.refund!.amount, NUMBER_LOCALE.pl)}; środki pojawią się na Twoim koncie w ciągu kilku dni roboczych.`,
        d.refund!.revokedTitles.length > 0 ? `Dostęp do tych pakietów został wyłączony: ${d.refund!.revokedTitles.join(', ')}.` : 'Twój dostęp do pakietów się nie zmienia.',
      ],
      action: { label: 'Przejdź do sklepu', url: (d) => d.shopUrl },
    },
    setup_link: {
      subject: () => 'Ustaw hasło do swojego konta',
      greeting: (d) => `Cześć ${d.customerName},`,
      body: () => ['poprosiłeś o nowy link do ustawienia hasła. Link jest ważny przez 1 godzinę i działa tylko raz.', 'Jeśli to nie Ty, zignoruj tę wiadomość.'],
      action: { label: 'Ustaw hasło', url: (d) => d.setupUrl ?? d.shopUrl },
    },
  },
  en: {
    welcome: {
      subject: (d) => `Welcome! Your order ${d.orderNumber} is ready`,
      greeting: (d) => `Hi ${d.customerName},`,
      body: () => ['thank you for your purchase. We have created an account for you and you already have access to your packages.', 'Set a password to log in. The link is valid for 1 hour.'],
      action: { label: 'Set your password', url: (d) => d.setupUrl ?? d.shopUrl },
    },
    purchase_confirmation: {
      subject: (d) => `Order confirmation ${d.orderNumber}`,
      greeting: (d) => `Hi ${d.customerName},`,
      body: () => ['thank you for your purchase. Your new packages are now available in your account.'],
      action: { label: 'Go to the shop', url: (d) => d.shopUrl },
    },
    payment_failed: {
      subject: (d) => `Payment for order ${d.orderNumber} failed`,
      greeting: (d) => `Hi ${d.customerName},`,
      body: () => ['the payment for your order did not go through and nothing was charged.', 'You can try again at any time.'],
      action: { label: 'Try again', url: (d) => d.shopUrl },
    },
    checkout_expired: {
      subject: (d) => `Order ${d.orderNumber} has expired`,
      greeting: (d) => `Hi ${d.customerName},`,
      body: () => ['we did not receive the payment for your order in time, so we closed it. Nothing was charged.', 'If you still want these packages, you can order them again.'],
      action: { label: 'Buy again', url: (d) => d.shopUrl },
    },
    refund_issued: {
      subject: (d) => `${d.refund?.full ? 'Refund' : 'Partial refund'} for order ${d.orderNumber}`,
      greeting: (d) => `Hi ${d.customerName},`,
      body: (d) => [
        `${REFUND_WHY.en[d.refund!.reason]} We refunded ${formatMoney(d.refund!.amount, NUMBER_LOCALE.en)}; it will reach your account within a few business days.`,
        d.refund!.revokedTitles.length > 0 ? `Access to these packages has been removed: ${d.refund!.revokedTitles.join(', ')}.` : 'Your access to your packages is unchanged.',
      ],
      action: { label: 'Go to the shop', url: (d) => d.shopUrl },
    },
    setup_link: {
      subject: () => 'Set the password for your account',
      greeting: (d) => `Hi ${d.customerName},`,
      body: () => ['you asked for a new link to set your password. It is valid for 1 hour and works once.', 'If this was not you, you can ignore this email.'],
      action: { label: 'Set your password', url: (d) => d.setupUrl ?? d.shopUrl },
    },
  },
};

const LABELS: Record<Locale, { order: string; total: string }> = {
  pl: { order: 'Zamówienie', total: 'Razem' },
  en: { order: 'Order', total: 'Total' },
};

export async function renderEmail(kind: EmailKind, locale: Locale, data: EmailData): Promise<RenderedEmail> {
  const copy = COPY[locale][kind];
  const labels = LABELS[locale];
  const money = (m: Money) => formatMoney(m, NUMBER_LOCALE[locale]);
  const rows = data.items.map((i) => `<tr><td style="padding:4px 0">${escapeHtml(i.title)}</td><td style="padding:4px 0;text-align:right">${money(i.amount)}</td></tr>`);
  const itemsTable = `<mj-table>${rows.join('')}<tr style="border-top:1px solid #ddd;font-weight:bold"><td style="padding:8px 0">${labels.total}</td><td style="padding:8px 0;text-align:right">${money(data.total)}</td></tr></mj-table>`;
  const button = copy.action
    ? `<mj-button background-color="#2f54eb" href="${escapeHtml(copy.action.url(data))}">${escapeHtml(copy.action.label)}</mj-button>`
    : '';
  const source = `<mjml lang="${locale}"><mj-head><mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /><mj-text font-size="15px" line-height="22px" color="#1f1f1f" /></mj-attributes></mj-head>
<mj-body background-color="#f4f5f7"><mj-section background-color="#ffffff" padding="24px"><mj-column>
<mj-text font-size="13px" color="#8c8c8c">${labels.order} ${escapeHtml(data.orderNumber)}</mj-text>
<mj-text>${escapeHtml(copy.greeting(data))}</mj-text>
${copy.body(data).map((p) => `<mj-text>${escapeHtml(p)}</mj-text>`).join('\n')}
${itemsTable}
${button}
</mj-column></mj-section></mj-body></mjml>`;
  const { html, errors } = await mjml2html(source, { validationLevel: 'strict' });
  if (errors.length > 0) throw new Error(`MJML template ${kind}/${locale} is invalid: ${errors.map((e) => e.formattedMessage).join('; ')}`);

  const text = [
    `${labels.order} ${data.orderNumber}`,
    '',
    copy.greeting(data),
    '',
    ...copy.body(data),
    '',
    ...data.items.map((i) => `- ${i.title}: ${money(i.amount)}`),
    `${labels.total}: ${money(data.total)}`,
    '',
    ...(copy.action ? [`${copy.action.label}: ${copy.action.url(data)}`] : []),
  ].join('\n');
  return { subject: copy.subject(data), html, text };
}
