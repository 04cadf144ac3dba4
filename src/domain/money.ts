// Money is an integer in minor units with an ISO 4217 currency (69 PLN = 6900, 500 JPY = 500).
export interface Money {
  amount: number;
  currency: string;
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.amount === b.amount && a.currency.toUpperCase() === b.currency.toUpperCase();
}

/** Digits after the decimal point in the currency's minor unit (PLN 2, JPY 0, BHD 3), as ICU knows them. */
export function currencyExponent(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

export function formatMoney(m: Money, locale: string): string {
  const exponent = currencyExponent(m.currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent }).format(m.amount / 10 ** exponent);
}

/** Minor units as a decimal string in major units, without floating point: 1050 PLN → "10.50", 500 JPY → "500". */
export function toMajorUnits(m: Money): string {
  const exponent = currencyExponent(m.currency);
  const sign = m.amount < 0 ? '-' : '';
  const digits = String(Math.abs(m.amount)).padStart(exponent + 1, '0');
  return exponent === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** A provider's major-unit amount ("10.5", 10.5, "500") back to minor units; refuses more digits than the currency has. */
export function fromMajorUnits(value: string | number, currency: string): Money {
  const exponent = currencyExponent(currency);
  const text = typeof value === 'number' ? value.toFixed(exponent) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`not a decimal amount: ${text}`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > exponent) throw new RangeError(`${text} has more decimals than ${currency} allows`);
  const amount = Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, '0').slice(0, exponent) || '0');
  return { amount: sign ? -amount : amount, currency: currency.toUpperCase() };
}
