// The fake PayPal's amount rules: decimal strings per currency, and the order breakdown checks PayPal applies.
export interface Amount {
  currency_code: string;
  value: string;
}

export class PaypalError extends Error {
  constructor(
    readonly status: number,
    readonly errorName: string,
    readonly issue: string,
    readonly description: string,
    readonly field?: string,
  ) {
    super(`${errorName}: ${issue}`);
  }
}

const unprocessable = (issue: string, description: string, field?: string) => new PaypalError(422, 'UNPROCESSABLE_ENTITY', issue, description, field);
export const invalid = (issue: string, description: string, field?: string) => new PaypalError(400, 'INVALID_REQUEST', issue, description, field);

// PayPal takes these in whole units only; every other supported currency takes at most two decimals.
const NO_DECIMALS = new Set(['HUF', 'JPY', 'TWD']);

/** A PayPal amount as integer hundredths (JPY too), so sums are exact; refuses what PayPal refuses. */
export function cents(a: Amount | undefined, field: string): number {
  if (!a || typeof a.value !== 'string' || typeof a.currency_code !== 'string') throw invalid('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', field);
  const m = /^(\d+)(?:\.(\d+))?$/.exec(a.value);
  if (!m) throw invalid('INVALID_PARAMETER_VALUE', 'The value of a field is invalid.', `${field}/value`);
  const fraction = m[2] ?? '';
  if (NO_DECIMALS.has(a.currency_code) && fraction !== '') throw unprocessable('DECIMAL_PRECISION', `${a.currency_code} does not support decimals.`, `${field}/value`);
  if (fraction.length > 2) throw unprocessable('DECIMAL_PRECISION', 'If the currency supports decimals, only two decimal place precision is supported.', `${field}/value`);
  return Number(m[1]) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Hundredths back to PayPal's string, in the currency's own precision. */
export function amountOf(hundredths: number, currency: string): Amount {
  const value = NO_DECIMALS.has(currency) ? String(Math.round(hundredths / 100)) : `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
  return { currency_code: currency, value };
}

interface PurchaseUnitIn {
  amount?: Amount & { breakdown?: Record<string, Amount | undefined> };
  items?: { name?: string; quantity?: string; unit_amount?: Amount }[];
}

/** The checks PayPal runs on a purchase unit: one currency, item_total = Σ unit×qty, value = the breakdown's sum. */
export function checkPurchaseUnit(unit: PurchaseUnitIn, at: string): { currency: string; total: number } {
  const value = cents(unit.amount, `${at}/amount`);
  const currency = unit.amount!.currency_code;
  const breakdown = unit.amount!.breakdown;
  const part = (name: string) => {
    const a = breakdown?.[name];
    if (!a) return 0;
    if (a.currency_code !== currency) throw unprocessable('CURRENCY_MISMATCH', 'Currency code should be the same for all amounts.', `${at}/amount/breakdown/${name}`);
    return cents(a, `${at}/amount/breakdown/${name}`);
  };
  const items = unit.items ?? [];
  if (items.length > 0 && !breakdown?.item_total) throw unprocessable('ITEM_TOTAL_REQUIRED', 'If item details are specified, amount.breakdown.item_total is required.', `${at}/amount/breakdown/item_total`);
  let sum = 0;
  items.forEach((item, i) => {
    if (!item.name) throw invalid('MISSING_REQUIRED_PARAMETER', 'A required field / parameter is missing.', `${at}/items/${i}/name`);
    if (!/^[1-9][0-9]{0,9}$/.test(item.quantity ?? '')) throw invalid('INVALID_PARAMETER_VALUE', 'The value of a field is invalid.', `${at}/items/${i}/quantity`);
    if (item.unit_amount?.currency_code !== currency) throw unprocessable('CURRENCY_MISMATCH', 'Currency code should be the same for all amounts.', `${at}/items/${i}/unit_amount`);
    sum += cents(item.unit_amount, `${at}/items/${i}/unit_amount`) * Number(item.quantity);
  });
  if (breakdown?.item_total && part('item_total') !== sum) {
    throw unprocessable('ITEM_TOTAL_MISMATCH', 'Should equal sum of (unit_amount * quantity) across all items for a given purchase_unit.', `${at}/amount/breakdown/item_total`);
  }
  if (breakdown) {
    const expected = part('item_total') + part('tax_total') + part('shipping') + part('handling') + part('insurance') - part('shipping_discount') - part('discount');
    if (expected !== value) throw unprocessable('AMOUNT_MISMATCH', 'Should equal item_total + tax_total + shipping + handling + insurance - shipping_discount - discount.', `${at}/amount/value`);
  }
  return { currency, total: value };
}

export function errorBody(e: PaypalError, debugId: string) {
  return {
    name: e.errorName,
    message: e.status === 422 ? 'The requested action could not be performed, semantically incorrect, or failed business validation.' : 'Request is not well-formed, syntactically incorrect, or violates schema.',
    debug_id: debugId,
    details: [{ ...(e.field ? { field: e.field, location: 'body' } : {}), issue: e.issue, description: e.description }],
    links: [{ href: `https://developer.paypal.com/api/rest/reference/orders/v2/errors/#${e.issue}`, rel: 'information_link', method: 'GET' }],
  };
}
