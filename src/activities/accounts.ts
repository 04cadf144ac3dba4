// Account emails: a fresh password-setup link for a known customer, in the language of their latest order.
import { DEFAULT_LOCALE, LOCALES } from '../domain/orders.js';
import type { SetupLinkOutcome, SetupLinkRequest } from '../domain/accounts.js';
import { renderEmail } from '../email/templates.js';
import type { ActivityDeps } from './deps.js';
import { issueSetupToken } from './email.js';

export function accountActivities({ sql, mailer, publicUrl, shopUrl }: ActivityDeps) {
  return {
    /**
     * Unknown emails end quietly (the API answered 202 either way). A retry issues another token and sends again:
     * at least once, and each link stays valid on its own until it expires or a password is set.
     */
    async sendSetupLink(input: SetupLinkRequest): Promise<SetupLinkOutcome> {
      const [user] = await sql<{ id: string; email: string; name: string; locale: string | null }[]>`
        SELECT u.id, u.email, u.name,
               (SELECT o.locale FROM orders o WHERE o.user_id = u.id OR o.email = u.email ORDER BY o.created_at DESC LIMIT 1) AS locale
        FROM users u WHERE u.email = ${input.email.toLowerCase()} AND u.disabled_at IS NULL`;
      if (!user) return { status: 'no_account' };
      const locale = LOCALES.find((l) => l === user.locale) ?? DEFAULT_LOCALE;
      const setupUrl = `${publicUrl}/account/setup-password?token=${await issueSetupToken(sql, user.id)}`;
      const email = await renderEmail('setup_link', locale, { customerName: user.name, shopUrl, setupUrl });
      await mailer.send(user.email, email, { 'X-Email-Kind': 'setup_link' });
      return { status: 'sent' };
    },
  };
}
