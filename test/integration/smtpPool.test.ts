// The pooled SMTP transport against a real SMTP server: emails share connections, and a server that went away and came back gets the next email, once.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mailCounter, type MailCounter } from '../../scripts/chaos/mailCounter.js';
import { createMailer, type Mailer } from '../../src/email/transport.js';
import { freePort } from '../../src/stack/process.js';
import { eventually } from '../support/harness.js';

const EMAIL = { subject: 'Order confirmed', html: '<p>Thank you</p>', text: 'Thank you' };

let server: MailCounter;
let mailer: Mailer;
beforeEach(async () => {
  server = mailCounter(await freePort());
  await server.start();
  mailer = createMailer(`smtp://127.0.0.1:${server.port}`, 'Sklep <sklep@localhost>', { maxConnections: 2, maxMessages: 100 });
});
afterEach(async () => {
  mailer?.close();
  await server?.stop();
});

/** One email with a Message-ID of its own, as the email activity sends it; resolves once the server has accepted it. */
const send = async () => (await mailer.send('ala@example.com', EMAIL, undefined, { messageKey: `pool-${randomUUID()}` })).messageId;

const copiesOf = (messageIds: string[]) => messageIds.map((id) => server.received.get(id)?.copies ?? 0);

describe('the pooled SMTP transport', () => {
  it('sends one email after another over one connection, and a burst over at most maxConnections', async () => {
    const oneByOne: string[] = [];
    for (let i = 0; i < 5; i++) oneByOne.push(await send());
    expect(copiesOf(oneByOne)).toEqual([1, 1, 1, 1, 1]);
    expect(server.connectionsAccepted).toBe(1);

    const burst = await Promise.all(Array.from({ length: 8 }, send));
    expect(copiesOf(burst)).toEqual(Array(8).fill(1));
    expect(server.connectionsAccepted).toBeLessThanOrEqual(2);
  });

  it('fails an email while the server is away (the activity retries it) and sends the next one once it is back', async () => {
    const before = await send();
    expect(server.connectionsAccepted).toBe(1);

    // The server drops the pooled connection and stops listening, as a crashed or restarted mail server would.
    await server.stop();
    await expect(send()).rejects.toThrow();

    await server.start();
    const after = await send();
    expect(copiesOf([before, after])).toEqual([1, 1]);
    // Only the two accepted messages arrived: the failed one was not delivered later behind the caller's back.
    expect(server.received.size).toBe(2);
    expect(server.connectionsAccepted).toBe(2);
  });

  it('closes its connections when the mailer is closed on shutdown', async () => {
    await Promise.all([send(), send()]);
    expect(server.connectionsOpen).toBeGreaterThan(0);
    mailer.close();
    await eventually(async () => server.connectionsOpen, (open) => open === 0, 'the pooled connections closed');
    await expect(send()).rejects.toThrow(/closed/);
  });
});
