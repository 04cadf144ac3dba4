// The HTML pages beside the JSON API: order page, password setup, bank transfer details, and (when enabled) shop, sandbox checkout and dev mailbox.
import type { ApiDeps } from '../deps.js';
import { newRouter } from '../router.js';
import { bankTransferPageRoutes } from './bankTransfer.js';
import { mailboxRoutes } from './mailbox.js';
import { orderPageRoutes } from './order.js';
import { sandboxRoutes } from './sandbox.js';
import { setupPasswordRoutes } from './setupPassword.js';
import { shopRoutes } from './shop.js';

export function pageRoutes(deps: ApiDeps) {
  const router = newRouter();
  router.route('/', orderPageRoutes(deps));
  router.route('/', setupPasswordRoutes());
  if (deps.payments.sandbox && deps.sandboxSecret) {
    router.route('/', sandboxRoutes(deps, deps.sandboxSecret));
    router.route('/', shopRoutes(deps));
  }
  if (deps.payments.bank_transfer && deps.bankAccount) router.route('/', bankTransferPageRoutes(deps, deps.bankAccount));
  if (deps.mailbox) router.route('/', mailboxRoutes(deps.mailbox));
  return router;
}
