// Typed business errors: mapped once to HTTP at the API edge and once to non-retryable failures in activities.
export type ErrorKind = 'bad_request' | 'not_found' | 'conflict' | 'unprocessable';

export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: ErrorKind = 'unprocessable',
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
