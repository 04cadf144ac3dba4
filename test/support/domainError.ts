// Runs a function that must throw a DomainError and returns it, for field-by-field assertions.
import { expect } from 'vitest';
import { DomainError } from '../../src/domain/errors.js';

export function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}
