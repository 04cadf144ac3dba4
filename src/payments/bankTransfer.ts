// Bank transfer: no gateway; the buyer transfers to the shop's account, an operator records the money and executes refunds.
import { createHash } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import type { PaymentProvider } from './provider.js';

export interface BankTransferSettings {
  currencies: string[];
  publicUrl: string;
}

export function createBankTransferProvider(s: BankTransferSettings): PaymentProvider {
  return {
    name: 'bank_transfer',
    currencies: s.currencies,

    // The "session" is the page with the account, amount and transfer title; the order waits for money from then on.
    async createSession(input) {
      return { sessionId: `bt_${input.orderId}`, url: `${s.publicUrl}/pay/bank-transfer/${input.orderId}`, state: 'processing' as const };
    },

    // Nothing to close: a transfer that arrives after the order expired is a late payment, recorded by an operator.
    async expireSession() {},

    async verifyWebhook() {
      throw new DomainError('provider_not_found', 'Bank transfers have no webhooks: an operator records the money through the admin API.', 'not_found');
    },

    // No bank API: the refund is recorded for an operator, who sends the money back and confirms it.
    async refund(input) {
      return { refundId: `manual_${createHash('sha256').update(input.idempotencyKey).digest('hex').slice(0, 24)}`, status: 'manual' as const };
    },

    // Only an operator knows whether the money arrived, and records it; until then the order is waiting.
    async retrieveSession() {
      return { state: 'processing' as const };
    },
  };
}
