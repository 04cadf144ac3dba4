// Sends rendered emails over SMTP (nodemailer); the URL decides the server, the dev mailbox included.
import nodemailer from 'nodemailer';
import type { RenderedEmail } from './templates.js';

export interface SendOptions {
  /**
   * The left part of a stable Message-ID (`<messageKey@domain of the sender>`): copies of one email sent again after a
   * crash carry the same id, so mail clients fold them into one. Without it nodemailer makes a random id.
   */
  messageKey?: string;
}

export interface Mailer {
  send(to: string, email: RenderedEmail, headers?: Record<string, string>, options?: SendOptions): Promise<{ messageId: string }>;
  close(): void;
}

/** The domain of an address such as `Shop <shop@example.com>`; Message-IDs are made under it. */
export function senderDomain(from: string): string {
  return /@([^\s>@]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

/**
 * nodemailer waits up to 2 min to connect, 30 s for the greeting and 10 min of silence by default: a server that
 * accepts and then says nothing would hold the email activity that long. These bound one send to well under the
 * activity's minute (src/workflows/timeouts.ts); the SMTP_URL's own query parameters still win.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as const;

/** How many pooled connections a process keeps and how many messages each carries (defaults in src/config.ts). */
export interface SmtpPoolSize {
  maxConnections: number;
  maxMessages: number;
}

/**
 * Connections are pooled: a new one costs a TCP (or TLS) handshake, the greeting and EHLO, about 100 ms of the
 * ~150 ms a send took. A pooled connection the server closed is dropped from the pool when its socket ends; a message
 * whose connection closes under it is tried again on a new connection (nodemailer's requeue, with back-off), and
 * fails once the server refuses connections, so the activity retries it. A copy the server took before the
 * connection died may arrive twice, under the same Message-ID, as with any retry.
 */
export function createMailer(smtpUrl: string, from: string, pool: SmtpPoolSize): Mailer {
  // A URL string alone would drop every other option, so the transport is built from both.
  const transport = nodemailer.createTransport({ pool: true, url: smtpUrl, ...SMTP_TIMEOUTS, ...pool });
  const domain = senderDomain(from);
  return {
    async send(to, email, headers, options) {
      const messageId = options?.messageKey ? `<${options.messageKey}@${domain}>` : undefined;
      const info = await transport.sendMail({ from, to, subject: email.subject, html: email.html, text: email.text, headers, messageId });
      return { messageId: info.messageId };
    },
    // Idle connections close now; one still delivering finishes first. Called after the worker has drained.
    close: () => transport.close(),
  };
}
