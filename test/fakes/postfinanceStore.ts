// The fake PostFinance's state: transactions and refunds, validated as the API would, rendered as it answers.
import { fromMajorUnits, toMajorUnits } from '../../src/domain/money.js';
import { apiError, type FakeAnswer } from './postfinanceAuth.js';

export const FAKE_TRANSACTION_STATES = ['CREATE', 'PENDING', 'CONFIRMED', 'PROCESSING', 'FAILED', 'AUTHORIZED', 'VOIDED', 'COMPLETED', 'FULFILL', 'DECLINE'] as const;
export type FakeTransactionState = (typeof FAKE_TRANSACTION_STATES)[number];
export type FakeRefundState = 'PENDING' | 'SUCCESSFUL' | 'FAILED';
const LINE_TYPES = ['PRODUCT', 'DISCOUNT', 'SHIPPING', 'FEE', 'TIP'];
const REFUND_TYPES = ['MERCHANT_INITIATED_ONLINE', 'MERCHANT_INITIATED_OFFLINE', 'CUSTOMER_INITIATED_AUTOMATIC', 'CUSTOMER_INITIATED_MANUAL'];

interface Tx {
  id: number;
  state: FakeTransactionState;
  currency: string;
  /** Minor units; rendered as decimal numbers in major units like the API. */
  authorized: number;
  completed?: number;
  refunded: number;
  request: Record<string, unknown>;
  lineItems: Record<string, unknown>[];
  createdOn: string;
  version: number;
}

interface Rf {
  id: number;
  externalId: string;
  type: string;
  transactionId: number;
  amount: number;
  state: FakeRefundState;
  createdOn: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const major = (amount: number, currency: string) => Number(toMajorUnits({ amount, currency }));

/** A decimal number in major units with no more digits than the currency has, as minor units; undefined otherwise. */
function minorUnits(value: unknown, currency: string): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  try {
    return fromMajorUnits(String(value), currency).amount;
  } catch {
    return undefined;
  }
}

export function createStore(spaceId: number, currencies: readonly string[]) {
  const transactions = new Map<number, Tx>();
  const refunds = new Map<number, Rf>();
  const refundByExternalId = new Map<string, number>();
  let nextId = 4100;
  let nextRefundState: FakeRefundState = 'SUCCESSFUL';

  function renderTransaction(t: Tx) {
    const r = t.request;
    return {
      id: t.id,
      version: t.version,
      linkedSpaceId: spaceId,
      state: t.state,
      currency: t.currency,
      lineItems: t.lineItems,
      merchantReference: r.merchantReference,
      metaData: r.metaData ?? {},
      customerEmailAddress: r.customerEmailAddress,
      language: r.language,
      successUrl: r.successUrl,
      failedUrl: r.failedUrl,
      autoConfirmationEnabled: r.autoConfirmationEnabled ?? true,
      authorizationAmount: major(t.authorized, t.currency),
      ...(t.completed !== undefined ? { completedAmount: major(t.completed, t.currency) } : {}),
      refundedAmount: major(t.refunded, t.currency),
      ...(t.state === 'FAILED' || t.state === 'DECLINE' ? { failureReason: { name: { 'en-US': 'Declined' }, description: { 'en-US': 'The payment was declined.' } } } : {}),
      createdOn: t.createdOn,
    };
  }

  function renderRefund(f: Rf) {
    const currency = transactions.get(f.transactionId)!.currency;
    return {
      id: f.id,
      externalId: f.externalId,
      type: f.type,
      state: f.state,
      amount: major(f.amount, currency),
      // Collapsed like every linked entity the request does not expand.
      transaction: { id: f.transactionId },
      linkedSpaceId: spaceId,
      createdOn: f.createdOn,
      ...(f.state === 'FAILED' ? { failureReason: { name: { 'en-US': 'Refund failed' }, description: { 'en-US': 'The processor refused the refund.' } } } : {}),
    };
  }

  function lineProblems(items: unknown, currency: string): { errors: Record<string, string>; lines: Record<string, unknown>[]; sum: number } {
    const errors: Record<string, string> = {};
    const lines: Record<string, unknown>[] = [];
    let sum = 0;
    if (!Array.isArray(items) || items.length === 0) return { errors: { lineItems: 'At least one line item is required.' }, lines, sum };
    const seen = new Set<unknown>();
    items.forEach((item: unknown, i) => {
      const at = `lineItems[${i}]`;
      if (!isObject(item)) return void (errors[at] = 'Must be an object.');
      if (!isText(item.uniqueId, 200) || seen.has(item.uniqueId)) errors[`${at}.uniqueId`] = 'Required and unique within the transaction.';
      seen.add(item.uniqueId);
      if (!isText(item.name, 150)) errors[`${at}.name`] = 'Required, at most 150 characters.';
      if (typeof item.quantity !== 'number' || item.quantity <= 0) errors[`${at}.quantity`] = 'Must be a positive number.';
      if (typeof item.type !== 'string' || !LINE_TYPES.includes(item.type)) errors[`${at}.type`] = `One of ${LINE_TYPES.join(', ')}.`;
      const amount = minorUnits(item.amountIncludingTax, currency);
      if (amount === undefined) errors[`${at}.amountIncludingTax`] = `A decimal amount with at most the digits ${currency} has.`;
      // A reduction is a DISCOUNT line below zero; every other kind of line adds to the total.
      else if (item.type === 'DISCOUNT' ? amount > 0 : amount < 0) errors[`${at}.amountIncludingTax`] = item.type === 'DISCOUNT' ? 'A discount must be negative.' : 'Must not be negative.';
      sum += amount ?? 0;
      lines.push({ ...item, taxes: [] });
    });
    if (Object.keys(errors).length === 0 && sum <= 0) errors.lineItems = 'The line items must sum to a positive amount.';
    return { errors, lines, sum };
  }

  function createTransaction(body: unknown): FakeAnswer {
    if (!isObject(body)) return apiError(400, 'INVALID_BODY', 'The body must be a TransactionCreate object.');
    const currency = typeof body.currency === 'string' ? body.currency : '';
    if (!currencies.includes(currency)) return apiError(400, 'INVALID_CURRENCY', `The space does not accept the currency "${currency}".`, { currency: `One of ${currencies.join(', ')}.` });
    const { errors, lines, sum } = lineProblems(body.lineItems, currency);
    if (body.merchantReference !== undefined && !isText(body.merchantReference, 100)) errors.merchantReference = 'At most 100 characters.';
    if (body.metaData !== undefined && (!isObject(body.metaData) || Object.values(body.metaData).some((v) => typeof v !== 'string'))) errors.metaData = 'A map of strings.';
    for (const url of ['successUrl', 'failedUrl'] as const) if (body[url] !== undefined && !URL.canParse(String(body[url]))) errors[url] = 'Must be an absolute URL.';
    if (body.customerEmailAddress !== undefined && !/^[^@\s]+@[^@\s]+$/.test(String(body.customerEmailAddress))) errors.customerEmailAddress = 'Not an email address.';
    if (body.language !== undefined && !/^[a-z]{2}-[A-Z]{2}$/.test(String(body.language))) errors.language = 'An IETF tag such as en-US.';
    if (Object.keys(errors).length > 0) return apiError(400, 'VALIDATION_FAILED', 'The transaction is invalid.', errors);
    const t: Tx = { id: nextId++, state: 'PENDING', currency, authorized: sum, refunded: 0, request: body, lineItems: lines, createdOn: new Date().toISOString(), version: 1 };
    transactions.set(t.id, t);
    return { status: 200, body: renderTransaction(t) };
  }

  /** Refunds in flight or done hold their amount; a failed one gives it back. */
  const refundable = (t: Tx) => (t.completed ?? 0) - [...refunds.values()].filter((f) => f.transactionId === t.id && f.state !== 'FAILED').reduce((s, f) => s + f.amount, 0);

  function createRefund(body: unknown): FakeAnswer {
    if (!isObject(body) || !isText(body.externalId, 100)) return apiError(400, 'VALIDATION_FAILED', 'externalId is required.', { externalId: 'Required, at most 100 characters.' });
    // Documented: a repeated externalId does not act again and returns the original result.
    const replay = refundByExternalId.get(body.externalId);
    if (replay !== undefined) return { status: 200, body: renderRefund(refunds.get(replay)!) };
    if (typeof body.type !== 'string' || !REFUND_TYPES.includes(body.type)) return apiError(400, 'VALIDATION_FAILED', 'type is invalid.', { type: `One of ${REFUND_TYPES.join(', ')}.` });
    const t = typeof body.transaction === 'number' ? transactions.get(body.transaction) : undefined;
    if (!t) return apiError(404, 'NOT_FOUND', `Transaction ${String(body.transaction)} does not exist in space ${spaceId}.`);
    if (t.state !== 'FULFILL' && t.state !== 'COMPLETED') return apiError(409, 'INVALID_STATE', `Transaction ${t.id} is ${t.state}; only completed transactions can be refunded.`);
    const amount = minorUnits(body.amount, t.currency);
    if (amount === undefined || amount <= 0) return apiError(400, 'VALIDATION_FAILED', 'amount is invalid.', { amount: 'A positive decimal amount.' });
    if (amount > refundable(t)) return apiError(400, 'AMOUNT_EXCEEDS_REFUNDABLE', `The refund amount exceeds what is left to refund on transaction ${t.id}.`);
    const f: Rf = { id: nextId++, externalId: body.externalId, type: body.type, transactionId: t.id, amount, state: nextRefundState, createdOn: new Date().toISOString() };
    nextRefundState = 'SUCCESSFUL';
    refunds.set(f.id, f);
    refundByExternalId.set(f.externalId, f.id);
    if (f.state === 'SUCCESSFUL') t.refunded += amount;
    return { status: 200, body: renderRefund(f) };
  }

  /** GET /payment/transactions/search: `field:value` / `field:"value"` clauses (AND), order id:ASC|DESC, limit, offset. */
  function search(params: URLSearchParams): FakeAnswer {
    const query = params.get('query') ?? '';
    if (/\bOR\b|[()]/.test(query)) return apiError(400, 'UNSUPPORTED_QUERY', 'The fake understands field:value clauses joined by AND only.');
    const clauses = [...query.matchAll(/(\w+):(?:"([^"]*)"|(\S+))/g)].map((m) => [m[1]!, m[2] ?? m[3]!] as const);
    const all = [...transactions.values()].map(renderTransaction).filter((t) => clauses.every(([field, value]) => String((t as Record<string, unknown>)[field]) === value));
    if (params.get('order') === 'id:DESC') all.reverse();
    const offset = Number(params.get('offset') ?? 0);
    const limit = Number(params.get('limit') ?? 100);
    return { status: 200, body: { data: all.slice(offset, offset + limit), offset, limit, hasMore: all.length > offset + limit } };
  }

  return { transactions, refunds, renderTransaction, renderRefund, createTransaction, createRefund, search,
    setNextRefundState: (s: FakeRefundState) => void (nextRefundState = s),
    /** `completedAmount` (minor units) models a partial completion; by default the whole authorization completes. */
    setState(id: number, state: FakeTransactionState, completedAmount?: number) {
      const t = transactions.get(id);
      if (!t) throw new Error(`fake PostFinance: no transaction ${id}`);
      if (!FAKE_TRANSACTION_STATES.includes(state)) throw new Error(`fake PostFinance: no state ${state}`);
      t.state = state;
      t.version++;
      if (state === 'COMPLETED' || state === 'FULFILL') t.completed = completedAmount ?? t.authorized;
    },
    settleRefund(id: number, state: 'SUCCESSFUL' | 'FAILED') {
      const f = refunds.get(id);
      if (!f || f.state !== 'PENDING') throw new Error(`fake PostFinance: refund ${id} is not pending`);
      f.state = state;
      if (state === 'SUCCESSFUL') transactions.get(f.transactionId)!.refunded += f.amount;
    },
  };
}

export type FakeStore = ReturnType<typeof createStore>;
