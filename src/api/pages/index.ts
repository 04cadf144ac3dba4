// The demo HTML pages beside the JSON API: order page, password setup, and (when enabled) shop, sandbox checkout and dev mailbox.
import type { ApiDeps } from '../deps.js';
import { newRouter } from '../router.js';
import { mailboxRoutes } from './mailbox.js';
import { orderPageRoutes } from './order.js';
import { sandboxRoutes } from './sandbox.js';
import { setupPasswordRoutes } from './setupPassword.js';
import { shopRoutes } from './shop.js';

export function pageRoutes(deps: ApiDeps) {
  const router = newRouter();
  router.route('/', orderPageRoutes());
  router.route('/', setupPasswordRoutes());
  if (deps.payments.sandbox && deps.sandboxSecret) {
    router.route('/', sandboxRoutes(deps, deps.sandboxSecret));
    router.route('/', shopRoutes(deps));
  }
  if (deps.mailbox) router.route('/', mailboxRoutes(deps.mailbox));
  return router;
}
