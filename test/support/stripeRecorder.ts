// A Stripe client (the real SDK against stripe-mock) whose every POST is also written down: stripe-mock neither
// enforces idempotency keys nor echoes what it was sent, so tests read the requests here.
import Stripe from 'stripe';
import type { Harness } from './harness.js';

export function recordingStripe(h: Harness) {
  const sent: { path: string; idempotencyKey: string | undefined; body: string }[] = [];
  const inner = Stripe.createNodeHttpClient();
  const httpClient = Object.assign(Object.create(inner) as typeof inner, {
    makeRequest: (...args: Parameters<typeof inner.makeRequest>) => {
      const [, , path, method, headers, body] = args;
      if (method === 'POST') sent.push({ path, idempotencyKey: headers['Idempotency-Key'] as string | undefined, body });
      return inner.makeRequest(...args);
    },
  });
  const s = h.config.stripe!;
  return { sent, stripe: new Stripe(s.secretKey, { host: s.host, port: s.port, protocol: s.protocol, httpClient }) };
}

