// Customer authentication: set a password from an emailed link, ask for a new link, log in for an access token.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { customerKey } from '../auth/customerKeys.js';
import { deviceTokenUser, signAccessToken, signDeviceToken } from '../auth/accessTokens.js';
import { clearLoginFailures, loginWaitSeconds, recordLoginFailure } from '../auth/loginThrottle.js';
import { verifyPassword } from '../auth/passwords.js';
import { consumeSetupToken } from '../auth/setupTokens.js';
import { activeUserByEmail } from '../db/users.js';
import { DomainError } from '../domain/errors.js';
import type { setupLinkWorkflow } from '../workflows/account.js';
import { setupLinkWorkflowId } from '../workflows/definitions.js';
import type { ApiDeps } from './deps.js';
import { errorJson, errorResponse } from './errors.js';
import { rateLimitedResponse, refuseOverLimit, requestIp, tooManyRequests } from './limits.js';
import { newRouter } from './router.js';
import { EmailSchema as Email, jsonBody, jsonContent } from './schemas.js';

const rateLimited = rateLimitedResponse('Too many requests for this email or from this address');

const setup = createRoute({
  method: 'post',
  path: '/api/v1/auth/password/setup',
  tags: ['auth'],
  summary: 'Set a password with the token from a welcome or setup-link email',
  request: { body: jsonBody(z.object({ token: z.string().min(20).max(200), password: z.string().min(1).max(1024) }).strict().openapi('PasswordSetup')) },
  responses: {
    200: jsonContent(z.object({ email: z.string() }), 'Password set; the account can log in'),
    422: errorResponse('`token_invalid`, `token_used`, `token_expired`: not a usable link; `weak_password`: the password does not meet the policy'),
    503: errorResponse('Too many password checks running; try again in a moment'),
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
    deviceToken: z.string().openapi({
      description: 'Keep it and send it with the next login: a client that logged in before is not slowed by other people’s wrong guesses at this account',
    }),
  })
  .openapi('AccessToken');

const login = createRoute({
  method: 'post',
  path: '/api/v1/auth/login',
  tags: ['auth'],
  summary: 'Log in with email and password for a short-lived access token',
  description: 'Send the token as `Authorization: Bearer <accessToken>` (on this page: Authorize).',
  request: {
    body: jsonBody(
      z
        .object({
          email: Email,
          password: z.string().min(1).max(1024),
          deviceToken: z.string().max(2048).optional().openapi({ description: 'The deviceToken of this client’s last login' }),
        })
        .strict()
        .openapi('Credentials'),
    ),
  },
  responses: {
    200: jsonContent(AccessToken, 'Logged in'),
    400: errorResponse('Malformed request'),
    401: errorResponse('`invalid_credentials`: wrong email or password (the answer does not say which)'),
    409: errorResponse('`password_not_set`: the account has no password yet; use the link from the welcome email or ask for a new one'),
    429: rateLimitedResponse('Too many attempts from this address, or wrong passwords for this email (each further try waits longer; a deviceToken from an earlier login skips that wait)'),
    503: errorResponse('Too many password checks running; try again in a moment'),
  },
});

export function authRoutes({ sql, temporal, taskQueue, accounts, customerKeySecret }: ApiDeps) {
  const { rateLimit, jwt, trustedProxyHops } = accounts;

  const ipKey = (c: Context, action: string) => ({ key: `${action}:ip:${requestIp(c, trustedProxyHops)}`, max: rateLimit.perIp });

  const router = newRouter();
  router.openapi(setup, async (c) => {
    const { token, password } = c.req.valid('json');
    const email = await consumeSetupToken(sql, token, password);
    // Holding the emailed link proves ownership: earlier wrong guesses no longer slow this account's logins.
    await clearLoginFailures(sql, email);
    return c.json({ email }, 200);
  });

  router.openapi(setupLink, async (c) => {
    const { email } = c.req.valid('json');
    // Per email as well: each request may send an email to that address.
    const refused = await refuseOverLimit(c, sql, [{ key: `setup-link:email:${email}`, max: rateLimit.perEmail }, ipKey(c, 'setup-link')], rateLimit.windowSeconds);
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
    const { email, password, deviceToken } = c.req.valid('json');
    // Per address a hard limit (it is the caller's own); per email only a delay, which a known device skips.
    const refused = await refuseOverLimit(c, sql, [ipKey(c, 'login')], rateLimit.windowSeconds);
    if (refused) return refused;
    // A disabled account answers like an unknown one.
    const user = await activeUserByEmail(sql, email);
    const knownDevice = Boolean(user && deviceToken && (await deviceTokenUser(deviceToken, jwt.secret)) === user.userId);
    if (!knownDevice) {
      const wait = await loginWaitSeconds(sql, email, rateLimit);
      if (wait > 0) return tooManyRequests(c, wait);
    }
    if (user && !user.passwordHash) {
      throw new DomainError('password_not_set', 'Set your password first: use the link in your welcome email, or ask for a new one.', 'conflict');
    }
    if (!(await verifyPassword(user?.passwordHash, password))) {
      if (!knownDevice) await recordLoginFailure(sql, email, rateLimit);
      return errorJson(c, 401, 'invalid_credentials', 'The email or password is wrong.');
    }
    await clearLoginFailures(sql, email);
    const { token, expiresAt } = await signAccessToken({ userId: user!.userId, email: user!.email }, jwt);
    c.get('log').info({ userId: user!.userId }, 'customer logged in');
    return c.json(
      { accessToken: token, tokenType: 'Bearer' as const, expiresIn: jwt.ttlSeconds, expiresAt: expiresAt.toISOString(), deviceToken: await signDeviceToken(user!.userId, jwt.secret) },
      200,
    );
  });
  return router;
}
