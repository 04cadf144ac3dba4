// Customer authentication: set a password from an emailed link, ask for a new link, log in for an access token.
import { createRoute, z } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { signAccessToken } from '../auth/accessTokens.js';
import { clientIp } from '../auth/clientIp.js';
import { customerKey } from '../auth/customerKeys.js';
import { verifyPassword } from '../auth/passwords.js';
import { hitRateLimits } from '../auth/rateLimit.js';
import { consumeSetupToken } from '../auth/setupTokens.js';
import { activeUserByEmail } from '../db/users.js';
import { DomainError } from '../domain/errors.js';
import type { setupLinkWorkflow } from '../workflows/account.js';
import { setupLinkWorkflowId } from '../workflows/definitions.js';
import type { ApiDeps } from './deps.js';
import { errorJson, errorResponse } from './errors.js';
import { newRouter } from './router.js';
import { jsonBody, jsonContent } from './schemas.js';

const Email = z.string().trim().toLowerCase().email().max(254).openapi({ example: 'ala@example.com' });
const rateLimited = {
  ...errorResponse('Too many requests for this email or from this address; `details.retryAfterSeconds` says when to retry'),
  headers: z.object({ 'Retry-After': z.string().openapi({ description: 'Seconds until a new request is counted', example: '540' }) }),
};

const setup = createRoute({
  method: 'post',
  path: '/api/v1/auth/password/setup',
  tags: ['auth'],
  summary: 'Set a password with the token from a welcome or setup-link email',
  request: { body: jsonBody(z.object({ token: z.string().min(20).max(200), password: z.string().min(1).max(1024) }).strict().openapi('PasswordSetup')) },
  responses: {
    200: jsonContent(z.object({ email: z.string() }), 'Password set; the account can log in'),
    400: errorResponse('Unknown, used or expired token'),
    422: errorResponse('The password does not meet the policy'),
  },
});

const setupLink = createRoute({
  method: 'post',
  path: '/api/v1/auth/password/setup-link',
  tags: ['auth'],
  summary: 'Email a fresh password-setup link to a customer',
  description: 'Answers 202 with the same body whether or not the email has an account, so accounts cannot be discovered here.',
  request: { body: jsonBody(z.object({ email: Email }).strict().openapi('SetupLinkRequest')) },
  responses: {
    202: jsonContent(z.object({ status: z.literal('accepted'), message: z.string() }), 'If the email has an account, a link is on its way'),
    400: errorResponse('Not an email address'),
    429: rateLimited,
    503: errorResponse('The email service cannot take the request now; try again shortly'),
  },
});

const AccessToken = z
  .object({
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().openapi({ description: 'Seconds the token is valid', example: 900 }),
    expiresAt: z.string().datetime(),
  })
  .openapi('AccessToken');

const login = createRoute({
  method: 'post',
  path: '/api/v1/auth/login',
  tags: ['auth'],
  summary: 'Log in with email and password for a short-lived access token',
  description: 'Send the token as `Authorization: Bearer <accessToken>` (on this page: Authorize).',
  request: { body: jsonBody(z.object({ email: Email, password: z.string().min(1).max(1024) }).strict().openapi('Credentials')) },
  responses: {
    200: jsonContent(AccessToken, 'Logged in'),
    400: errorResponse('Malformed request'),
    401: errorResponse('`invalid_credentials`: wrong email or password (the answer does not say which)'),
    409: errorResponse('`password_not_set`: the account has no password yet; use the link from the welcome email or ask for a new one'),
    429: rateLimited,
  },
});

function requestIp(c: Context, trustedProxyHops: number): string {
  let remote: string | undefined;
  try {
    remote = getConnInfo(c).remote.address;
  } catch {
    remote = undefined; // not served by @hono/node-server (app.request in a test): no socket to ask
  }
  return clientIp(remote, c.req.header('x-forwarded-for'), trustedProxyHops);
}

export function authRoutes({ sql, temporal, taskQueue, accounts, customerKeySecret }: ApiDeps) {
  const { rateLimit, jwt, trustedProxyHops } = accounts;

  /** Counts the request per email and per client IP; a refusal is the 429 to answer with. */
  async function limited(c: Context, action: string, email: string) {
    const v = await hitRateLimits(
      sql,
      [
        { key: `${action}:email:${email}`, max: rateLimit.perEmail },
        { key: `${action}:ip:${requestIp(c, trustedProxyHops)}`, max: rateLimit.perIp },
      ],
      rateLimit.windowSeconds,
    );
    if (v.allowed) return undefined;
    const message = `Too many requests; try again in ${v.retryAfterSeconds} seconds.`;
    return errorJson(c, 429, 'rate_limited', message, { details: { retryAfterSeconds: v.retryAfterSeconds }, headers: { 'Retry-After': String(v.retryAfterSeconds) } });
  }

  const router = newRouter();
  router.openapi(setup, async (c) => {
    const { token, password } = c.req.valid('json');
    const email = await consumeSetupToken(sql, token, password);
    return c.json({ email }, 200);
  });

  router.openapi(setupLink, async (c) => {
    const { email } = c.req.valid('json');
    const refused = await limited(c, 'setup-link', email);
    if (refused) return refused;
    // The same work whatever the email: whether it has an account is only looked at inside the workflow's activity.
    await temporal.workflow.start<typeof setupLinkWorkflow>('setupLinkWorkflow', {
      workflowId: setupLinkWorkflowId(customerKey(customerKeySecret, email)),
      taskQueue,
      args: [{ email }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: 'Password setup link (sent only if the account exists)',
    });
    return c.json({ status: 'accepted' as const, message: 'If this email has an account, a link to set its password is on its way.' }, 202);
  });

  router.openapi(login, async (c) => {
    const { email, password } = c.req.valid('json');
    const refused = await limited(c, 'login', email);
    if (refused) return refused;
    // A disabled account answers like an unknown one.
    const user = await activeUserByEmail(sql, email);
    if (user && !user.passwordHash) {
      throw new DomainError('password_not_set', 'Set your password first: use the link in your welcome email, or ask for a new one.', 'conflict');
    }
    if (!(await verifyPassword(user?.passwordHash, password))) return errorJson(c, 401, 'invalid_credentials', 'The email or password is wrong.');
    const { token, expiresAt } = await signAccessToken({ userId: user!.userId, email: user!.email }, jwt);
    c.get('log').info({ userId: user!.userId }, 'customer logged in');
    return c.json({ accessToken: token, tokenType: 'Bearer' as const, expiresIn: jwt.ttlSeconds, expiresAt: expiresAt.toISOString() }, 200);
  });
  return router;
}
