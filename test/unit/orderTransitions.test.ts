// The status rule every transition goes through: repeats and refunds that outrank fulfilment keep the status.
import { describe, expect, it } from 'vitest';
import { transitionVerdict } from '../../src/domain/orders.js';

describe('transitionVerdict', () => {
  it('applies a transition the table allows', () => {
    expect(transitionVerdict('PENDING', 'PAID')).toBe('apply');
    expect(transitionVerdict('PAID', 'FULFILLED')).toBe('apply');
    expect(transitionVerdict('PARTIALLY_REFUNDED', 'REFUNDED')).toBe('apply');
  });

  it('keeps the status on a repeat of the same transition', () => {
    expect(transitionVerdict('FULFILLED', 'FULFILLED')).toBe('keep');
  });

  it('keeps a refund that landed while fulfilment was finishing', () => {
    expect(transitionVerdict('REFUNDED', 'FULFILLED')).toBe('keep');
    expect(transitionVerdict('PARTIALLY_REFUNDED', 'FULFILLED')).toBe('keep');
  });

  it('never goes back from REFUNDED to PARTIALLY_REFUNDED when refunds settle out of order', () => {
    expect(transitionVerdict('REFUNDED', 'PARTIALLY_REFUNDED')).toBe('keep');
  });

  it('keeps REFUNDED when a compensation that raced a provider refund asks to hold the order', () => {
    expect(transitionVerdict('REFUNDED', 'HELD')).toBe('keep');
    expect(transitionVerdict('PARTIALLY_REFUNDED', 'HELD')).toBe('apply');
  });

  it('refuses what the table does not allow', () => {
    expect(transitionVerdict('FULFILLED', 'PENDING')).toBe('illegal');
    expect(transitionVerdict('EXPIRED', 'PROCESSING')).toBe('illegal');
  });
});
