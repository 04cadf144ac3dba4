// Account emails: a fresh password-setup link for a known customer, in the language of their latest order.
import { issueSetupToken, setupLink } from '../auth/setupTokens.js';
import { activeUserByEmail, latestOrderLocale } from '../db/users.js';
import type { SetupLinkOutcome, SetupLinkRequest } from '../domain/accounts.js';
import { DEFAULT_LOCALE, LOCALES } from '../domain/orders.js';
import { renderEmail } from '../email/templates.js';
import type { ActivityDeps } from './deps.js';

export function accountActivities({ sql, mailer, publicUrl, shopUrl }: ActivityDeps) {
  return {
    /**
     * Unknown emails end quietly (the API answered 202 either way). A retry issues another token and sends again:
     * at least once, and each link stays valid on its own until it expires or a password is set.
     */
    async sendSetupLink(input: SetupLinkRequest): Promise<SetupLinkOutcome> {
      const user = await activeUserByEmail(sql, input.email.toLowerCase());
      if (!user) return { status: 'no_account' };
      const stored = await latestOrderLocale(sql, user);
      const locale = LOCALES.find((l) => l === stored) ?? DEFAULT_LOCALE;
      const setupUrl = setupLink(publicUrl, await issueSetupToken(sql, user.userId), locale);
      const email = await renderEmail('setup_link', locale, { customerName: user.name, shopUrl, setupUrl });
      await mailer.send(user.email, email, { 'X-Email-Kind': 'setup_link' });
      return { status: 'sent' };
    },
  };
}
