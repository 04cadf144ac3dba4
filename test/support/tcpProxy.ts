// A TCP stand-in for a dependency: not listening (away), forwarding (up), or accepting but silent (frozen).
import { connect, createServer, type Socket } from 'node:net';
import { freePort } from '../../src/stack/process.js';

export interface TcpProxy {
  /** Reserved up front, so a process can be pointed at the dependency before it exists. */
  port: number;
  /** Starts listening and forwarding to the target: the dependency has come back. */
  open(): Promise<void>;
  /** Stops moving bytes on every connection, old and new, as a stopped (SIGSTOP) or unreachable server would. */
  freeze(): void;
  /** Moves bytes again, including what waited while frozen. */
  thaw(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream?: Socket;
}

export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const port = await freePort();
  const pairs = new Set<Pair>();
  let frozen = false;

  const flow = (pair: Pair) => {
    pair.upstream ??= connect(target).on('error', () => pair.client.destroy());
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  };
  const halt = (pair: Pair) => {
    pair.client.unpipe();
    pair.upstream?.unpipe();
    pair.client.pause();
    pair.upstream?.pause();
  };

  const server = createServer((client) => {
    const pair: Pair = { client };
    pairs.add(pair);
    client.on('error', () => pair.upstream?.destroy());
    client.on('close', () => {
      pair.upstream?.destroy();
      pairs.delete(pair);
    });
    if (frozen) client.pause();
    else flow(pair);
  });

  return {
    port,
    open: () => new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve())),
    freeze() {
      frozen = true;
      pairs.forEach(halt);
    },
    thaw() {
      frozen = false;
      pairs.forEach(flow);
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream?.destroy();
      }
      await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}

/** host:port of a postgres:// URL or a bare Temporal address. */
export function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: Number(url.port) };
}
