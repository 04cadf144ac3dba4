// The operators' API (bearer ADMIN_TOKEN): find and inspect orders; cancel, refund, resolve, re-send, record transfers through workflows; coupons.
import type { ApiDeps } from '../deps.js';
import { requireBearer } from '../operatorAuth.js';
import { newRouter } from '../router.js';
import { customerHandlers } from './customerHandlers.js';
import { eraseRoute, lookupRoute } from './customerRoutes.js';
import { couponHandlers } from './couponHandlers.js';
import { couponDetailRoute, createCouponRoute, deactivateCouponRoute, listCouponsRoute } from './couponRoutes.js';
import { adminHandlers } from './handlers.js';
import { paymentHandlers } from './paymentHandlers.js';
import { confirmRefundRoute, paymentRoute, retryRefundRoute } from './paymentRoutes.js';
import { cancelRoute, detailRoute, eventsRoute, listRoute, refundRoute, resendRoute, resolveRoute } from './routes.js';

export function adminRoutes(deps: ApiDeps) {
  const router = newRouter();
  const handle = adminHandlers(deps);
  const money = paymentHandlers(deps);
  const customers = customerHandlers(deps);
  const coupons = couponHandlers(deps);
  router.openAPIRegistry.registerComponent('securitySchemes', 'adminBearer', { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' });
  router.use('/api/v1/admin/*', requireBearer(deps.adminToken, 'admin', 'The admin API is disabled: set ADMIN_TOKEN.'));
  return router
    .openapi(listRoute, handle.list)
    .openapi(detailRoute, handle.detail)
    .openapi(cancelRoute, handle.cancel)
    .openapi(refundRoute, handle.refund)
    .openapi(resolveRoute, handle.resolve)
    .openapi(resendRoute, handle.resend)
    .openapi(eventsRoute, handle.events)
    .openapi(paymentRoute, money.payment)
    .openapi(confirmRefundRoute, money.confirmRefund)
    .openapi(retryRefundRoute, money.retryRefund)
    .openapi(createCouponRoute, coupons.create)
    .openapi(listCouponsRoute, coupons.list)
    .openapi(couponDetailRoute, coupons.detail)
    .openapi(deactivateCouponRoute, coupons.deactivate)
    .openapi(lookupRoute, customers.lookup)
    .openapi(eraseRoute, customers.erase);
}
