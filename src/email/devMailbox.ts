// The development mailbox: a real SMTP server that keeps the messages it receives in memory for the HTTP viewer.
import { simpleParser } from 'mailparser';
import { randomUUID } from 'node:crypto';
import { SMTPServer } from 'smtp-server';

export interface CapturedEmail {
  id: string;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId?: string;
}

export interface DevMailbox {
  readonly port: number;
  list(filter?: { to?: string }): CapturedEmail[];
  get(id: string): CapturedEmail | undefined;
  close(): Promise<void>;
}

const KEEP = 500;

export async function startDevMailbox(opts: { port: number; host?: string }): Promise<DevMailbox> {
  const messages: CapturedEmail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.unshift({
            id: randomUUID(),
            receivedAt: new Date().toISOString(),
            from: mail.from?.text ?? '',
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: typeof mail.html === 'string' ? mail.html : '',
            messageId: mail.messageId,
          });
          messages.length = Math.min(messages.length, KEEP);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    list: (filter) => (filter?.to ? messages.filter((m) => m.to.includes(filter.to!.toLowerCase())) : [...messages]),
    get: (id) => messages.find((m) => m.id === id),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
