// One error body for every failure, and the one place that maps errors to HTTP statuses.
import { z } from '@hono/zod-openapi';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { isGrpcServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { PasswordHashingBusy } from '../auth/passwords.js';
import { DomainError, type ErrorKind } from '../domain/errors.js';
import type { Logger } from '../log.js';
import { jsonContent } from './schemas.js';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'package_unavailable' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error');

export const errorResponse = (description: string) => jsonContent(ErrorBody, description);

/**
 * The one way an error is answered: a thrown DomainError (or other error) reaches errorHandler, which calls this;
 * handlers call it themselves only where a status has no domain kind (401, 429) or a header must go with it.
 */
export function errorJson<S extends ContentfulStatusCode>(c: Context, status: S, code: string, message: string, options: { details?: unknown; headers?: Record<string, string> } = {}) {
  const body = { error: { code, message, ...(options.details === undefined ? {} : { details: options.details }) } };
  return c.json(body, status, options.headers);
}

const STATUS: Record<ErrorKind, ContentfulStatusCode> = { bad_request: 400, not_found: 404, conflict: 409, unprocessable: 422 };

export class ServiceUnavailable extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface Mapped {
  status: ContentfulStatusCode;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

function fromFailure(err: ApplicationFailure): Mapped {
  const detail = err.details?.[0] as { kind?: ErrorKind; details?: unknown } | undefined;
  if (detail?.kind && detail.kind in STATUS) return { status: STATUS[detail.kind], code: err.type ?? 'unprocessable', message: err.message, details: detail.details };
  if (err.type === 'idempotency_key_reused') return { status: 422, code: err.type, message: err.message };
  return { status: 503, code: err.type ?? 'unavailable', message: err.message };
}

export function isPostgresDown(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P03'].includes(code);
}

export function mapError(err: unknown): Mapped {
  if (err instanceof DomainError) return { status: STATUS[err.kind], code: err.code, message: err.message, details: err.details };
  if (err instanceof HTTPException) return { status: err.status as ContentfulStatusCode, code: 'http_error', message: err.message };
  if (err instanceof ServiceUnavailable) return { status: 503, code: err.code, message: err.message };
  if (err instanceof PasswordHashingBusy) return { status: 503, code: 'busy', message: err.message, headers: { 'Retry-After': '1' } };
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) return fromFailure(err.cause);
  if (err instanceof ApplicationFailure) return fromFailure(err);
  // The update's deadline (updates.ts) passed with no worker carrying it out: a retry may find one.
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { status: 503, code: 'order_busy', message: 'The order could not be changed in time; try again shortly.', headers: { 'Retry-After': '5' } };
  if (err instanceof WorkflowExecutionAlreadyStartedError) return { status: 409, code: 'order_closed', message: 'This order is already closed.' };
  if (isGrpcServiceError(err) || (err as Error)?.name === 'ServiceError') return { status: 503, code: 'temporal_unavailable', message: 'The order service is unavailable; try again shortly.' };
  if (isPostgresDown(err)) return { status: 503, code: 'database_unavailable', message: 'The database is unavailable; try again shortly.' };
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side.' };
}

export function errorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    const mapped = mapError(err);
    if (mapped.status >= 500) log.error({ err, path: c.req.path }, 'request failed');
    return errorJson(c, mapped.status, mapped.code, mapped.message, { details: mapped.details, headers: mapped.headers });
  };
}

/** zod-openapi's hook for request validation failures: a 400 with every issue, in the common body. */
export function validationHook(result: { success: boolean; error?: { issues: unknown[] } }, c: Context) {
  if (!result.success) {
    return errorJson(c, 400, 'invalid_request', 'The request is not valid.', { details: result.error?.issues });
  }
  return undefined;
}
