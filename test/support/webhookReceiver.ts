// A stand-in for our webhook route in unit tests: verifies each POST with a provider and answers 200 or 400 like the API.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError } from '../../src/domain/errors.js';
import type { PaymentProvider, VerifiedWebhook } from '../../src/payments/provider.js';

export interface WebhookReceiver {
  url: string;
  received: VerifiedWebhook[];
  refused: Error[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(provider: PaymentProvider): Promise<WebhookReceiver> {
  const received: VerifiedWebhook[] = [];
  const refused: Error[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      // Node lower-cases header names, as Hono's c.req.header does not care about case either.
      const lookup = (name: string) => {
        const value = req.headers[name.toLowerCase()];
        return Array.isArray(value) ? value[0] : value;
      };
      provider.verifyWebhook(raw, lookup).then(
        (hook) => {
          received.push(hook);
          res.writeHead(200).end('{"received":true}');
        },
        (err: Error) => {
          refused.push(err);
          res.writeHead(err instanceof DomainError ? 400 : 500).end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/webhooks/payu`,
    received,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
