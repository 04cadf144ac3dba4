// Money crosses to providers in their own format: one conversion by currency exponent, exact in both directions.
import { describe, expect, it } from 'vitest';
import { currencyExponent, formatMoney, fromMajorUnits, toMajorUnits } from '../../src/domain/money.js';
import { formatIban, normaliseIban } from '../../src/domain/iban.js';

describe('currency exponent', () => {
  it('knows two-, zero- and three-digit currencies', () => {
    expect(currencyExponent('PLN')).toBe(2);
    expect(currencyExponent('CHF')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('BHD')).toBe(3);
  });
});

describe('toMajorUnits', () => {
  it('writes minor units as a decimal string without floating point', () => {
    expect(toMajorUnits({ amount: 14900, currency: 'PLN' })).toBe('149.00');
    expect(toMajorUnits({ amount: 5, currency: 'CHF' })).toBe('0.05');
    expect(toMajorUnits({ amount: 1050, currency: 'EUR' })).toBe('10.50');
    expect(toMajorUnits({ amount: 500, currency: 'JPY' })).toBe('500');
    expect(toMajorUnits({ amount: 1234, currency: 'BHD' })).toBe('1.234');
    expect(toMajorUnits({ amount: -250, currency: 'PLN' })).toBe('-2.50');
  });
});

describe('fromMajorUnits', () => {
  it('reads strings and numbers back to minor units', () => {
    expect(fromMajorUnits('149.00', 'PLN')).toEqual({ amount: 14900, currency: 'PLN' });
    expect(fromMajorUnits('10.5', 'eur')).toEqual({ amount: 1050, currency: 'EUR' });
    expect(fromMajorUnits(0.29, 'CHF')).toEqual({ amount: 29, currency: 'CHF' });
    expect(fromMajorUnits('500', 'JPY')).toEqual({ amount: 500, currency: 'JPY' });
    expect(fromMajorUnits(-12.3, 'PLN')).toEqual({ amount: -1230, currency: 'PLN' });
  });

  it('round-trips every amount it writes', () => {
    for (const currency of ['PLN', 'JPY', 'BHD', 'HUF']) {
      for (const amount of [0, 1, 99, 100, 12345, 9999999]) expect(fromMajorUnits(toMajorUnits({ amount, currency }), currency).amount).toBe(amount);
    }
  });

  it('refuses more decimals than the currency has, and anything not a number', () => {
    expect(() => fromMajorUnits('1.5', 'JPY')).toThrow(RangeError);
    expect(() => fromMajorUnits('1.005', 'PLN')).toThrow(RangeError);
    expect(() => fromMajorUnits('1e3', 'PLN')).toThrow(RangeError);
    expect(fromMajorUnits('1.500', 'PLN').amount).toBe(150);
  });
});

describe('formatMoney', () => {
  it('shows each currency with its own number of decimals', () => {
    expect(formatMoney({ amount: 14900, currency: 'PLN' }, 'pl-PL')).toBe('149,00\u00a0zł');
    expect(formatMoney({ amount: 500, currency: 'JPY' }, 'en-GB')).toBe('JP¥500');
    expect(formatMoney({ amount: 1990, currency: 'CHF' }, 'en-GB')).toBe('CHF\u00a019.90');
  });
});

describe('IBAN', () => {
  it('accepts a valid IBAN with spaces in any case and normalises it', () => {
    expect(normaliseIban('pl61 1090 1014 0000 0712 1981 2874')).toBe('PL61109010140000071219812874');
    expect(formatIban('PL61109010140000071219812874')).toBe('PL61 1090 1014 0000 0712 1981 2874');
  });

  it('refuses wrong check digits and wrong shapes', () => {
    expect(() => normaliseIban('PL62109010140000071219812874')).toThrow(/mod 97/);
    expect(() => normaliseIban('12345')).toThrow(/shaped/);
  });
});
