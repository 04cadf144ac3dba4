// The chaos run's SMTP server: counts every accepted message by Message-ID, and can go away and come back on its port.
import { simpleParser } from 'mailparser';
import type { Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  messageId: string;
  to: string[];
  copies: number;
}

export interface MailCounter {
  readonly port: number;
  /** Messages by Message-ID; a copy sent again after a crash raises `copies`. */
  readonly received: Map<string, ReceivedMail>;
  /** SMTP connections accepted since the counter was made, and those open now: a pooled sender reuses a few. */
  readonly connectionsAccepted: number;
  readonly connectionsOpen: number;
  /** Closes the port and drops every open session, as a crashed or unplugged mail server would. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export function mailCounter(port: number): MailCounter {
  const received = new Map<string, ReceivedMail>();
  let server: SMTPServer | undefined;
  const sockets = new Set<Socket>();
  let accepted = 0;

  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((mail) => {
            const messageId = mail.messageId ?? `(none ${received.size})`;
            const seen = received.get(messageId);
            if (seen) seen.copies++;
            else received.set(messageId, { messageId, to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), copies: 1 });
            callback();
          })
          .catch((err: Error) => callback(err));
      },
    });

  return {
    port,
    received,
    get connectionsAccepted() {
      return accepted;
    },
    get connectionsOpen() {
      return sockets.size;
    },
    async start() {
      const next = create();
      // The raw sockets, so stop() can cut sessions mid-message rather than wait for them to finish politely.
      next.server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        accepted++;
        socket.once('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        next.once('error', reject);
        next.listen(port, '127.0.0.1', () => resolve());
      });
      next.on('error', () => undefined);
      server = next;
    },
    async stop() {
      const current = server;
      server = undefined;
      if (!current) return;
      const closed = new Promise<void>((resolve) => current.server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
