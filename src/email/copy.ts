// What an email is written from (its data, its copy's shape) and the labels every email shares, in Polish and English.
import type { Locale, RefundReason } from '../domain/orders.js';
import type { Money } from '../domain/money.js';

/** The facts an email is written from. */
export interface EmailData {
  customerName: string;
  orderNumber: string;
  items: { title: string; amount: Money }[];
  total: Money;
  /** A coupon took this much off the items' sum (the items show catalog prices, the total what was paid). */
  discount?: { code: string; amount: Money };
  shopUrl: string;
  /** The buyer's order page (bank transfer: where the transfer details stay visible). */
  orderUrl?: string;
  /** Welcome and setup_link: the single-use password-setup link. */
  setupUrl?: string;
  /** refund_issued only: how much went back, why, and which packages the customer no longer has. */
  refund?: { amount: Money; full: boolean; reason: RefundReason; revokedTitles: string[] };
  /** bank_transfer_instructions only: where to send the money; the order number is the transfer title. */
  bankAccount?: { accountName: string; iban: string; bic?: string };
}

/** setup_link belongs to the account, not to an order: it needs no order fields. */
export type AccountEmailData = Pick<EmailData, 'customerName' | 'shopUrl'> & { setupUrl: string };

/** What each email says; `money` formats an amount in the email's language. */
export interface Copy {
  subject: (d: EmailData) => string;
  /** The line an inbox shows next to the subject. */
  preview: (d: EmailData) => string;
  headline: (d: EmailData) => string;
  body: (d: EmailData, money: (m: EmailData['total']) => string) => string[];
  action: { label: string; url: (d: EmailData) => string; note?: string };
  /** Order emails show what was bought; the account's setup_link has no order. */
  order: boolean;
}

export interface Labels {
  greeting: (name: string) => string;
  order: string;
  summary: string;
  total: string;
  discount: (code: string) => string;
  refunded: string;
  accessRemoved: string;
  accessKept: string;
  buttonFallback: string;
  footerOrder: string;
  footerAccount: string;
}

export const LABELS: Record<Locale, Labels> = {
  pl: {
    greeting: (name) => `Cześć ${name},`,
    order: 'Zamówienie',
    summary: 'Podsumowanie zamówienia',
    total: 'Razem',
    discount: (code) => `Rabat (kod ${code})`,
    refunded: 'Zwrócono',
    accessRemoved: 'Dostęp do tych pakietów został wyłączony:',
    accessKept: 'Twój dostęp do pakietów się nie zmienia.',
    buttonFallback: 'Jeśli przycisk nie działa, skopiuj ten link do przeglądarki:',
    footerOrder: 'Ta wiadomość dotyczy zamówienia złożonego w naszym sklepie na ten adres e-mail.',
    footerAccount: 'Ta wiadomość dotyczy konta w naszym sklepie założonego na ten adres e-mail.',
  },
  en: {
    greeting: (name) => `Hi ${name},`,
    order: 'Order',
    summary: 'Order summary',
    total: 'Total',
    discount: (code) => `Discount (code ${code})`,
    refunded: 'Refunded',
    accessRemoved: 'Access to these packages has been removed:',
    accessKept: 'Your access to your packages is unchanged.',
    buttonFallback: 'If the button does not work, copy this link into your browser:',
    footerOrder: 'You are receiving this email because an order was placed in our shop with this address.',
    footerAccount: 'You are receiving this email because of an account in our shop with this address.',
  },
};
