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
  /** Makes the server refuse (550) or accept mail for an address again: try bounces by hand, and test them. */
  setRejected(address: string, rejected: boolean): void;
  close(): Promise<void>;
}

const KEEP = 500;

export async function startDevMailbox(opts: { port: number; host?: string }): Promise<DevMailbox> {
  const messages: CapturedEmail[] = [];
  const rejected = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!rejected.has(address.address.toLowerCase())) return callback();
      callback(Object.assign(new Error('5.1.1 Mailbox unavailable (dev mailbox: rejected on request)'), { responseCode: 550 }));
    },
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
    setRejected: (address, on) => void (on ? rejected.add(address.toLowerCase()) : rejected.delete(address.toLowerCase())),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
