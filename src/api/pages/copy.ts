// What the buyer's pages say (order, bank transfer, password setup) in each language an order can have, and which one a request gets.
import { DEFAULT_LOCALE, LOCALES, type Locale, type OrderStatus } from '../../domain/orders.js';

export interface PageCopy {
  order: {
    title: string;
    loading: string;
    notFound: string;
    status: string;
    discount: string;
    total: string;
    backToShop: string;
    cancel: string;
    /** What the badge says; the status code stays in its `data-status`. */
    statuses: Record<OrderStatus, string>;
    notes: Partial<Record<OrderStatus, string>>;
  };
  transfer: {
    title: string;
    heading: string;
    waiting: string;
    notWaiting: string;
    holder: string;
    amount: string;
    reference: string;
    follow: string;
  };
  setup: {
    title: string;
    password: string;
    submit: string;
    askForLink: string;
    email: string;
    sendLink: string;
    needsLink: string;
    done: string;
    docs: string;
    linkSent: string;
    /** By the API's error code; an error not listed shows the API's own (English) message. */
    errors: Record<string, string>;
  };
}

export const PAGE_COPY: Record<Locale, PageCopy> = {
  pl: {
    order: {
      title: 'Twoje zamówienie',
      loading: 'Wczytywanie…',
      notFound: 'Nie znaleźliśmy tego zamówienia.',
      status: 'Status',
      discount: 'Rabat',
      total: 'Razem',
      backToShop: 'Wróć do sklepu',
      cancel: 'Anuluj zamówienie',
      statuses: {
        PENDING: 'czeka na płatność',
        PROCESSING: 'płatność w drodze',
        PAID: 'opłacone',
        FULFILLED: 'zrealizowane',
        HELD: 'w wyjaśnianiu',
        FAILED: 'nieopłacone',
        EXPIRED: 'wygasło',
        CANCELLED: 'anulowane',
        REFUNDED: 'zwrócone',
        PARTIALLY_REFUNDED: 'częściowo zwrócone',
      },
      notes: {
        FAILED: 'Płatność się nie powiodła; nic nie zostało pobrane.',
        EXPIRED: 'To zamówienie nie zostało opłacone na czas.',
        CANCELLED: 'To zamówienie zostało anulowane; nic nie zostało pobrane.',
        HELD: 'Nasz zespół sprawdza Twoją płatność.',
        PROCESSING: 'Twoja płatność jest w drodze; potwierdzimy zamówienie, gdy tylko dotrze.',
        REFUNDED: 'Pieniądze za to zamówienie zostały zwrócone.',
      },
    },
    transfer: {
      title: 'Przelew za zamówienie',
      heading: 'Zapłać przelewem',
      waiting: 'Przelej dokładnie tę kwotę na poniższy rachunek, z numerem zamówienia w tytule. Potwierdzimy zamówienie, gdy tylko pieniądze dotrą; te dane są też w e-mailu.',
      notWaiting: 'To zamówienie nie czeka na przelew. Status:',
      holder: 'Odbiorca',
      amount: 'Kwota',
      reference: 'Tytuł przelewu',
      follow: 'Śledź swoje zamówienie',
    },
    setup: {
      title: 'Ustaw hasło',
      password: 'Nowe hasło (co najmniej 10 znaków)',
      submit: 'Ustaw hasło',
      askForLink: 'Poproś o nowy link; będzie ważny przez godzinę.',
      email: 'Twój adres e-mail',
      sendLink: 'Wyślij mi nowy link',
      needsLink: 'Ta strona potrzebuje linku z Twojego e-maila.',
      done: 'Hasło ustawione dla',
      docs: 'Zaloguj się przez POST /api/v1/auth/login, np. na stronie dokumentacji API',
      linkSent: 'Jeśli mamy konto z tym adresem, wysłaliśmy na niego nowy link.',
      errors: {
        token_invalid: 'Ten link jest nieprawidłowy.',
        token_used: 'Ten link został już użyty; poproś o nowy.',
        token_expired: 'Ten link wygasł; poproś o nowy.',
        invalid_request: 'Ten link jest nieprawidłowy.',
        weak_password: 'To hasło jest za słabe: potrzeba co najmniej 10 znaków, w tym 4 różnych, bez części adresu e-mail przed @.',
        rate_limited: 'Za dużo prób; spróbuj ponownie za chwilę.',
      },
    },
  },
  en: {
    order: {
      title: 'Your order',
      loading: 'Loading…',
      notFound: 'Order not found.',
      status: 'Status',
      discount: 'Discount',
      total: 'Total',
      backToShop: 'Back to the shop',
      cancel: 'Cancel this order',
      statuses: {
        PENDING: 'waiting for payment',
        PROCESSING: 'payment on its way',
        PAID: 'paid',
        FULFILLED: 'fulfilled',
        HELD: 'being checked',
        FAILED: 'not paid',
        EXPIRED: 'expired',
        CANCELLED: 'cancelled',
        REFUNDED: 'refunded',
        PARTIALLY_REFUNDED: 'partly refunded',
      },
      notes: {
        FAILED: 'The payment did not go through; nothing was charged.',
        EXPIRED: 'This order was not paid in time.',
        CANCELLED: 'This order was cancelled; nothing was charged.',
        HELD: 'Your payment is being checked by our team.',
        PROCESSING: 'Your payment is on its way; we confirm the order as soon as it settles.',
        REFUNDED: 'This order was refunded.',
      },
    },
    transfer: {
      title: 'Bank transfer for order',
      heading: 'Pay by bank transfer',
      waiting: 'Transfer the exact amount to this account, with the order number as the title. We confirm the order as soon as the money arrives; the details are in your email too.',
      notWaiting: 'This order is not waiting for a transfer. Status:',
      holder: 'Account holder',
      amount: 'Amount',
      reference: 'Title',
      follow: 'Follow your order',
    },
    setup: {
      title: 'Set your password',
      password: 'New password (at least 10 characters)',
      submit: 'Set password',
      askForLink: 'Ask for a new link; it is valid for one hour.',
      email: 'Your email',
      sendLink: 'Send me a new link',
      needsLink: 'This page needs the link from your email.',
      done: 'Your password is set for',
      docs: 'Log in with POST /api/v1/auth/login, for example on the API docs page',
      linkSent: 'If we have an account with this email, we have sent it a new link.',
      errors: {},
    },
  },
};

const isLocale = (value: string | undefined): value is Locale => (LOCALES as readonly string[]).includes(value ?? '');

/**
 * The language a page without an order of its own speaks: `?lang=` (our links carry it), else the browser's most
 * preferred language we have (Accept-Language, by q-value), else the shop's default.
 */
export function requestLocale(lang: string | undefined, acceptLanguage: string | undefined): Locale {
  if (isLocale(lang)) return lang;
  const preferred = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
      return { language: tag.split('-')[0]!.toLowerCase(), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((entry) => entry.q > 0 && isLocale(entry.language))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  return (preferred[0]?.language as Locale | undefined) ?? DEFAULT_LOCALE;
}
