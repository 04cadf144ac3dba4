// The words of every email in Polish and English; templates.ts lays them out as HTML and plain text.
import { formatIban } from '../domain/iban.js';
import type { EmailKind, Locale, RefundReason } from '../domain/orders.js';
import type { Copy, EmailData } from './copy.js';

const REFUND_WHY: Record<Locale, Record<RefundReason, string>> = {
  pl: {
    requested: 'zgodnie z Twoją prośbą zwróciliśmy pieniądze za zamówienie.',
    fulfilment_failed: 'nie udało nam się zrealizować Twojego zamówienia, dlatego zwróciliśmy płatność.',
    late_payment: 'płatność dotarła po zamknięciu zamówienia, dlatego ją zwróciliśmy.',
    held_payment: 'płatność nie zgadzała się z kwotą zamówienia, dlatego ją zwróciliśmy.',
    provider: 'operator płatności zgłosił zwrot płatności za Twoje zamówienie.',
    dispute: 'płatność za Twoje zamówienie została zakwestionowana u operatora płatności i wróciła na Twój rachunek.',
  },
  en: {
    requested: 'As you asked, we have issued a refund for your order.',
    fulfilment_failed: 'We could not complete your order, so we have refunded your payment.',
    late_payment: 'Your payment arrived after the order had closed, so we have refunded it.',
    held_payment: 'Your payment did not match the order amount, so we have refunded it.',
    provider: 'The payment provider reported a refund of the payment for your order.',
    dispute: 'The payment for your order was disputed with the payment provider and has gone back to your account.',
  },
};

const SETUP_NOTE: Record<Locale, string> = {
  pl: 'Link jest ważny przez 1 godzinę i działa tylko raz. Gdy wygaśnie, poprosisz o nowy na stronie ustawiania hasła.',
  en: 'The link is valid for 1 hour and works once. When it expires, you can ask for a new one on the password page.',
};

const bankAccount = (d: EmailData) => {
  if (!d.bankAccount) throw new Error(`bank_transfer_instructions email for ${d.orderNumber} needs the account`);
  return d.bankAccount;
};

/** The transfer's details, one per line, so they can be copied into a banking app. */
function transferLines(d: EmailData, money: (m: EmailData['total']) => string, l: { to: string; account: string; bic: string; amount: string; title: string }): string[] {
  const a = bankAccount(d);
  return [`${l.to}: ${a.accountName}`, `${l.account}: ${formatIban(a.iban)}`, ...(a.bic ? [`${l.bic}: ${a.bic}`] : []), `${l.amount}: ${money(d.total)}`, `${l.title}: ${d.orderNumber}`];
}

const refund = (d: EmailData) => {
  if (!d.refund) throw new Error(`refund_issued email for ${d.orderNumber} needs its refund details`);
  return d.refund;
};

export const COPY: Record<Locale, Record<EmailKind, Copy>> = {
  pl: {
    welcome: {
      subject: (d) => `Witamy! Twoje zamówienie ${d.orderNumber} jest gotowe`,
      preview: () => 'Masz już dostęp do zakupionych pakietów. Ustaw hasło, aby się zalogować.',
      headline: () => 'Dziękujemy za zakup!',
      body: () => ['założyliśmy dla Ciebie konto i masz już dostęp do zakupionych pakietów.', 'Ustaw hasło, aby logować się do swojego konta.'],
      action: { label: 'Ustaw hasło', url: (d) => d.setupUrl ?? d.shopUrl, note: SETUP_NOTE.pl },
      order: true,
    },
    purchase_confirmation: {
      subject: (d) => `Potwierdzenie zamówienia ${d.orderNumber}`,
      preview: (d) => `Otrzymaliśmy płatność za zamówienie ${d.orderNumber}. Pakiety są już na Twoim koncie.`,
      headline: () => 'Dziękujemy za zakup!',
      body: () => ['otrzymaliśmy Twoją płatność. Nowe pakiety są już dostępne na Twoim koncie.'],
      action: { label: 'Przejdź do sklepu', url: (d) => d.shopUrl },
      order: true,
    },
    payment_failed: {
      subject: (d) => `Płatność za zamówienie ${d.orderNumber} nie powiodła się`,
      preview: () => 'Nie pobraliśmy żadnych środków. Możesz spróbować ponownie.',
      headline: () => 'Płatność nie powiodła się',
      body: () => ['płatność za Twoje zamówienie nie została zrealizowana i nie pobraliśmy żadnych środków.', 'Możesz złożyć zamówienie ponownie w każdej chwili.'],
      action: { label: 'Spróbuj ponownie', url: (d) => d.shopUrl },
      order: true,
    },
    checkout_expired: {
      subject: (d) => `Zamówienie ${d.orderNumber} wygasło`,
      preview: () => 'Nie otrzymaliśmy płatności na czas. Nie pobraliśmy żadnych środków.',
      headline: () => 'Zamówienie wygasło',
      body: () => ['nie otrzymaliśmy płatności za Twoje zamówienie w wyznaczonym czasie, więc je zamknęliśmy. Nie pobraliśmy żadnych środków.', 'Jeśli nadal chcesz te pakiety, możesz kupić je ponownie.'],
      action: { label: 'Kup ponownie', url: (d) => d.shopUrl },
      order: true,
    },
    refund_issued: {
      subject: (d) => `${refund(d).full ? 'Zwrot' : 'Częściowy zwrot'} za zamówienie ${d.orderNumber}`,
      preview: (d) => (refund(d).full ? 'Zwróciliśmy płatność za Twoje zamówienie.' : 'Zwróciliśmy część płatności za Twoje zamówienie.'),
      headline: (d) => (refund(d).full ? 'Zwróciliśmy płatność' : 'Zwróciliśmy część płatności'),
      body: (d, money) => [
        REFUND_WHY.pl[refund(d).reason],
        `Kwota zwrotu: ${money(refund(d).amount)}${refund(d).full ? '' : ` z ${money(d.total)}`}. Środki wrócą na Twój rachunek w ciągu kilku dni roboczych, zależnie od banku.`,
      ],
      action: { label: 'Przejdź do sklepu', url: (d) => d.shopUrl },
      order: true,
    },
    setup_link: {
      subject: () => 'Ustaw hasło do swojego konta',
      preview: () => 'Twój link do ustawienia hasła, ważny przez 1 godzinę.',
      headline: () => 'Ustaw hasło',
      body: () => ['otrzymaliśmy prośbę o link do ustawienia hasła do Twojego konta.', 'Jeśli to nie Ty, zignoruj tę wiadomość: nic się nie zmieni.'],
      action: { label: 'Ustaw hasło', url: (d) => d.setupUrl ?? d.shopUrl, note: SETUP_NOTE.pl },
      order: false,
    },
    bank_transfer_instructions: {
      subject: (d) => `Dane do przelewu za zamówienie ${d.orderNumber}`,
      preview: (d) => `Przelej dokładną kwotę z numerem ${d.orderNumber} w tytule.`,
      headline: () => 'Czekamy na Twój przelew',
      body: (d, money) => [
        'dziękujemy za zamówienie. Przelej dokładną kwotę na poniższe konto, wpisując numer zamówienia w tytule przelewu:',
        ...transferLines(d, money, { to: 'Odbiorca', account: 'Numer konta', bic: 'BIC/SWIFT', amount: 'Kwota', title: 'Tytuł przelewu' }),
        'Gdy pieniądze dotrą na nasze konto, dostaniesz dostęp do pakietów i kolejną wiadomość.',
      ],
      action: { label: 'Zobacz zamówienie', url: (d) => d.orderUrl ?? d.shopUrl },
      order: true,
    },
    payment_expired: {
      subject: (d) => `Zamówienie ${d.orderNumber} wygasło: płatność nie dotarła`,
      preview: () => 'Płatność nie dotarła w wyznaczonym czasie, więc zamknęliśmy zamówienie.',
      headline: () => 'Płatność nie dotarła na czas',
      body: () => [
        'płatność za Twoje zamówienie nie została rozliczona w wyznaczonym czasie, więc zamknęliśmy zamówienie.',
        'Jeśli pieniądze zostały już wysłane i dotrą później, zwrócimy je. Możesz też złożyć zamówienie ponownie.',
      ],
      action: { label: 'Kup ponownie', url: (d) => d.shopUrl },
      order: true,
    },
  },
  en: {
    welcome: {
      subject: (d) => `Welcome! Your order ${d.orderNumber} is ready`,
      preview: () => 'You already have access to your packages. Set a password to log in.',
      headline: () => 'Thank you for your purchase!',
      body: () => ['We have created an account for you and you already have access to your packages.', 'Set a password to log in to your account.'],
      action: { label: 'Set your password', url: (d) => d.setupUrl ?? d.shopUrl, note: SETUP_NOTE.en },
      order: true,
    },
    purchase_confirmation: {
      subject: (d) => `Order confirmation ${d.orderNumber}`,
      preview: (d) => `We have received the payment for order ${d.orderNumber}. Your packages are in your account.`,
      headline: () => 'Thank you for your purchase!',
      body: () => ['We have received your payment. Your new packages are now available in your account.'],
      action: { label: 'Go to the shop', url: (d) => d.shopUrl },
      order: true,
    },
    payment_failed: {
      subject: (d) => `Payment for order ${d.orderNumber} failed`,
      preview: () => 'Nothing was charged. You can try again.',
      headline: () => 'Your payment did not go through',
      body: () => ['The payment for your order did not go through and nothing was charged.', 'You can place the order again at any time.'],
      action: { label: 'Try again', url: (d) => d.shopUrl },
      order: true,
    },
    checkout_expired: {
      subject: (d) => `Order ${d.orderNumber} has expired`,
      preview: () => 'We did not receive the payment in time. Nothing was charged.',
      headline: () => 'Your order has expired',
      body: () => ['We did not receive the payment for your order in time, so we closed it. Nothing was charged.', 'If you still want these packages, you can buy them again.'],
      action: { label: 'Buy again', url: (d) => d.shopUrl },
      order: true,
    },
    refund_issued: {
      subject: (d) => `${refund(d).full ? 'Refund' : 'Partial refund'} for order ${d.orderNumber}`,
      preview: (d) => (refund(d).full ? 'We have refunded the payment for your order.' : 'We have refunded part of the payment for your order.'),
      headline: (d) => (refund(d).full ? 'We have refunded your payment' : 'We have refunded part of your payment'),
      body: (d, money) => [
        REFUND_WHY.en[refund(d).reason],
        `Amount refunded: ${money(refund(d).amount)}${refund(d).full ? '' : ` of ${money(d.total)}`}. It will reach your account within a few business days, depending on your bank.`,
      ],
      action: { label: 'Go to the shop', url: (d) => d.shopUrl },
      order: true,
    },
    setup_link: {
      subject: () => 'Set the password for your account',
      preview: () => 'Your link to set a password, valid for 1 hour.',
      headline: () => 'Set your password',
      body: () => ['We received a request for a link to set the password of your account.', 'If this was not you, ignore this email: nothing will change.'],
      action: { label: 'Set your password', url: (d) => d.setupUrl ?? d.shopUrl, note: SETUP_NOTE.en },
      order: false,
    },
    bank_transfer_instructions: {
      subject: (d) => `Bank transfer details for order ${d.orderNumber}`,
      preview: (d) => `Transfer the exact amount with ${d.orderNumber} as the reference.`,
      headline: () => 'We are waiting for your transfer',
      body: (d, money) => [
        'Thank you for your order. Transfer the exact amount to the account below, with the order number as the payment reference:',
        ...transferLines(d, money, { to: 'Account holder', account: 'IBAN', bic: 'BIC/SWIFT', amount: 'Amount', title: 'Reference' }),
        'Once the money reaches our account, you will get access to your packages and another email.',
      ],
      action: { label: 'View your order', url: (d) => d.orderUrl ?? d.shopUrl },
      order: true,
    },
    payment_expired: {
      subject: (d) => `Order ${d.orderNumber} has expired: the payment did not arrive`,
      preview: () => 'The payment did not settle in time, so we closed the order.',
      headline: () => 'Your payment did not arrive in time',
      body: () => [
        'The payment for your order did not settle in time, so we closed the order.',
        'If you already sent the money and it arrives later, we will refund it. You can also place the order again.',
      ],
      action: { label: 'Buy again', url: (d) => d.shopUrl },
      order: true,
    },
  },
};
