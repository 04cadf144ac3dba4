// Bearer-token authentication for the customer's own endpoints: a valid access token of an existing user, or 401.
import type { Context, MiddlewareHandler } from 'hono';
import { verifyAccessToken } from '../auth/accessTokens.js';
import type { Sql } from '../db/client.js';
import { activeUserById } from '../db/users.js';
import { isUuid } from '../domain/orders.js';
import { errorJson } from './errors.js';
import type { AppEnv } from './router.js';

export interface Customer {
  userId: string;
  email: string;
  name: string;
  role: string;
  hasPassword: boolean;
  createdAt: Date;
}

export type CustomerEnv = AppEnv & { Variables: { customer: Customer } };
export type OptionalCustomerEnv = AppEnv & { Variables: { customer?: Customer } };

/** The OpenAPI security scheme the customer routes name, so /docs offers "Authorize". */
export const BEARER_SCHEME = 'customerToken';

function unauthorized(c: Context, message: string, problem?: 'invalid_token') {
  // RFC 6750: say which scheme is expected, and that the token (if one came) is the problem.
  const challenge = problem ? `Bearer realm="customer", error="${problem}", error_description="${message}"` : 'Bearer realm="customer"';
  return errorJson(c, 401, 'unauthorized', message, { headers: { 'WWW-Authenticate': challenge } });
}

/** The customer an Authorization header names: absent without one, `invalid` with one that grants nothing. */
async function customerFromHeader(sql: Sql, secret: string, header: string | undefined): Promise<Customer | { invalid: string } | undefined> {
  if (!header) return undefined;
  const match = header.match(/^Bearer\s+(\S+)$/i);
  if (!match) return { invalid: 'Send the access token as "Authorization: Bearer <token>".' };
  const claims = await verifyAccessToken(match[1]!, secret);
  if ('invalid' in claims || !isUuid(claims.userId)) {
    return { invalid: 'invalid' in claims && claims.invalid === 'expired' ? 'The access token has expired; log in again.' : 'The access token is not valid.' };
  }
  const user = await activeUserById(sql, claims.userId);
  // A token outliving its account (deleted or disabled since) grants nothing.
  if (!user) return { invalid: 'The access token is not valid.' };
  return { userId: user.userId, email: user.email, name: user.name, role: user.role, hasPassword: user.passwordHash !== null, createdAt: user.createdAt };
}

/** For routes open to everyone that tell a logged-in customer more: sets `customer` for a valid token, 401 for an invalid one. */
export function optionalCustomer(sql: Sql, secret: string): MiddlewareHandler<OptionalCustomerEnv> {
  return async (c, next) => {
    const customer = await customerFromHeader(sql, secret, c.req.header('authorization'));
    if (customer && 'invalid' in customer) return unauthorized(c, customer.invalid, 'invalid_token');
    if (customer) c.set('customer', customer);
    await next();
  };
}

export function requireCustomer(sql: Sql, secret: string): MiddlewareHandler<CustomerEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header || !/^Bearer\s/i.test(header)) return unauthorized(c, 'Log in and send the access token as "Authorization: Bearer <token>".');
    const customer = await customerFromHeader(sql, secret, header);
    if (!customer || 'invalid' in customer) return unauthorized(c, customer?.invalid ?? 'The access token is not valid.', 'invalid_token');
    c.set('customer', customer);
    await next();
  };
}
