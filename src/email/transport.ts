// Sends rendered emails over SMTP (nodemailer); the URL decides the server, the dev mailbox included.
import nodemailer from 'nodemailer';
import type { RenderedEmail } from './templates.js';

export interface Mailer {
  send(to: string, email: RenderedEmail, headers?: Record<string, string>): Promise<{ messageId: string }>;
  close(): void;
}

export function createMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(to, email, headers) {
      const info = await transport.sendMail({ from, to, subject: email.subject, html: email.html, text: email.text, headers });
      return { messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}
