// An HTTP front for several API processes, as a load balancer would be: each request goes to the next one in turn.
import { createServer, request, type IncomingMessage } from 'node:http';

export interface RoundRobin {
  /** How many requests each upstream was handed, in the order given. */
  served: number[];
  close(): Promise<void>;
}

export async function roundRobin(port: number, upstreams: number[]): Promise<RoundRobin> {
  const served = upstreams.map(() => 0);
  let next = 0;
  const server = createServer((req: IncomingMessage, res) => {
    const i = next++ % upstreams.length;
    served[i]!++;
    const forward = request({ host: '127.0.0.1', port: upstreams[i], method: req.method, path: req.url, headers: req.headers }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(res);
    });
    forward.on('error', () => {
      res.writeHead(502).end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  return {
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
