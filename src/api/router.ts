// The router type every feature builds on: shared validation hook and request-scoped logger.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from '../log.js';
import { validationHook } from './errors.js';

export type AppEnv = { Variables: { log: Logger } };

export function newRouter<E extends AppEnv = AppEnv>() {
  return new OpenAPIHono<E>({ defaultHook: validationHook });
}
