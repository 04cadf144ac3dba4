// Money is an integer in minor units with an ISO 4217 currency (69 PLN = 6900).
export interface Money {
  amount: number;
  currency: string;
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.amount === b.amount && a.currency.toUpperCase() === b.currency.toUpperCase();
}

export function formatMoney(m: Money, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency }).format(m.amount / 100);
}
