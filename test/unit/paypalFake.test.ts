// The fake PayPal keeps PayPal's rules, so adapter tests against it mean something: auth, amounts, error bodies, buyer page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPaypalMoney } from '../../src/payments/paypalApi.js';
import { startPaypalFake, type PaypalFake } from '../fakes/paypal.js';

let fake: PaypalFake;
let token: string;
beforeAll(async () => {
  fake = await startPaypalFake();
  const res = await fetch(`${fake.url}/v1/oauth2/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  token = ((await res.json()) as { access_token: string }).access_token;
});
afterAll(() => fake.close());

const unit = (value: string, itemTotal: string, items: { value: string; quantity: string }[]) => ({
  amount: { currency_code: 'PLN', value, breakdown: { item_total: { currency_code: 'PLN', value: itemTotal } } },
  items: items.map((i, n) => ({ name: `item ${n}`, quantity: i.quantity, unit_amount: { currency_code: 'PLN', value: i.value } })),
});
const create = (body: unknown, auth = `Bearer ${token}`) =>
  fetch(`${fake.url}/v2/checkout/orders`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('fake PayPal', () => {
  it('refuses wrong client credentials with invalid_client and API calls without a bearer token', async () => {
    const res = await fetch(`${fake.url}/v1/oauth2/token`, { method: 'POST', headers: { authorization: 'Basic bm9wZTpub3Bl' }, body: 'grant_type=client_credentials' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    expect((await create({ intent: 'CAPTURE' }, 'Bearer nope')).status).toBe(401);
  });

  it('checks item_total and value, answering 422 with PayPal error bodies', async () => {
    const ok = await create({ intent: 'CAPTURE', purchase_units: [unit('30.00', '30.00', [{ value: '10.00', quantity: '3' }])] });
    expect(ok.status).toBe(201);
    const items = await create({ intent: 'CAPTURE', purchase_units: [unit('30.00', '30.00', [{ value: '10.00', quantity: '2' }])] });
    expect(items.status).toBe(422);
    expect(await items.json()).toMatchObject({ name: 'UNPROCESSABLE_ENTITY', debug_id: expect.any(String), details: [{ issue: 'ITEM_TOTAL_MISMATCH', description: expect.any(String) }] });
    const value = await create({ intent: 'CAPTURE', purchase_units: [unit('31.00', '30.00', [{ value: '10.00', quantity: '3' }])] });
    expect(await value.json()).toMatchObject({ details: [{ issue: 'AMOUNT_MISMATCH' }] });
    const decimals = await create({ intent: 'CAPTURE', purchase_units: [unit('30.001', '30.00', [{ value: '10.00', quantity: '3' }])] });
    expect(await decimals.json()).toMatchObject({ details: [{ issue: 'DECIMAL_PRECISION' }] });
    const intent = await create({ intent: 'SELL', purchase_units: [unit('30.00', '30.00', [{ value: '10.00', quantity: '3' }])] });
    expect(intent.status).toBe(400);
  });

  it('serves a buyer page whose approval sends the buyer to return_url with token and PayerID', async () => {
    const res = await create({
      intent: 'CAPTURE',
      purchase_units: [unit('10.00', '10.00', [{ value: '10.00', quantity: '1' }])],
      payment_source: { paypal: { experience_context: { return_url: 'https://shop.example/return', cancel_url: 'https://shop.example/cancel' } } },
    });
    const order = (await res.json()) as { id: string; status: string; links: { rel: string; href: string }[] };
    expect(order.status).toBe('PAYER_ACTION_REQUIRED');
    const page = order.links.find((l) => l.rel === 'payer-action')!.href;
    expect(await (await fetch(page)).text()).toContain('10.00 PLN');
    const approved = await fetch(`${fake.url}/checkoutnow/approve?token=${order.id}`, { method: 'POST', redirect: 'manual' });
    expect(approved.headers.get('location')).toBe(`https://shop.example/return?token=${order.id}&PayerID=FAKEPAYER123`);
    expect(fake.ledger.order(order.id).status).toBe('APPROVED');
  });
});

describe('toPaypalMoney', () => {
  it('sends TWD in whole units and refuses a fraction PayPal cannot take', () => {
    expect(toPaypalMoney({ amount: 12300, currency: 'TWD' })).toEqual({ currency_code: 'TWD', value: '123' });
    expect(() => toPaypalMoney({ amount: 12350, currency: 'TWD' })).toThrow(/whole units/);
    expect(toPaypalMoney({ amount: 1050, currency: 'PLN' })).toEqual({ currency_code: 'PLN', value: '10.50' });
  });
});
