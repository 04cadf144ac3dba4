// Names both sides of the workflow boundary share: task queue, signals, queries, updates, search attributes.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Money } from '../domain/money.js';
import type { OrderRequest, OrderStatus, PaymentEvent } from '../domain/orders.js';

export { orderWorkflowId } from '../domain/orders.js';

export interface OrderWorkflowInput extends OrderRequest {
  checkoutTtlMs: number;
}

export interface CheckoutView {
  orderId: string;
  orderNumber: string;
  status: OrderStatus;
  total: Money;
  paymentUrl: string;
}

export interface OrderState {
  status: OrderStatus;
  orderNumber?: string;
  total?: Money;
  paymentUrl?: string;
  heldReason?: string;
  /** Why checkout could not open; `kind` is set for business errors (see domain/errors.ts). */
  failure?: { code: string; message: string; kind?: string };
}

export const checkoutUpdate = defineUpdate<CheckoutView, [{ fingerprint: string }]>('checkout');
export const paymentSignal = defineSignal<[PaymentEvent]>('payment');
export const statusQuery = defineQuery<OrderState>('status');

export const ORDER_NUMBER = defineSearchAttributeKey('OrderNumber', SearchAttributeType.KEYWORD);
export const CUSTOMER_EMAIL = defineSearchAttributeKey('CustomerEmail', SearchAttributeType.KEYWORD);
export const ORDER_STATUS = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
