// Child processes of the embedded stack (Temporal dev server, stripe-mock): start, wait until ready, stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';

export interface Service {
  name: string;
  stop(): Promise<void>;
}

/** Linux's ephemeral range: where connect() takes local ports from (net.ipv4.ip_local_port_range). */
async function ephemeralRangeStart(): Promise<number> {
  const text = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '');
  const start = Number(text.trim().split(/\s+/)[0]);
  return Number.isInteger(start) && start > 0 ? start : 32768;
}

/** Binds and releases a port; resolves with it, or undefined if it is taken. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A port that was free a moment ago, for a service started next. Not one the OS picks for port 0: that comes from
 * the ephemeral range, which every outgoing connection also draws from, and on a busy machine one of them took such
 * a port before the service bound it (EADDRINUSE in CI). Below that range only an explicit bind takes a port.
 */
export async function freePort(): Promise<number> {
  const below = await ephemeralRangeStart();
  const low = Math.min(20_000, Math.floor(below / 2));
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryPort(low + Math.floor(Math.random() * (below - low)));
    if (port !== undefined) return port;
  }
  const any = await tryPort(0);
  if (any === undefined) throw new Error('no free port');
  return any;
}

export async function waitForPort(port: number, host: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} before listening on ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
}

export interface SpawnOptions {
  readyPort: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
  /** Told when the service exits after it was ready and before stop() asked it to: everything using it now fails. */
  onUnexpectedExit?: (why: string) => void;
}

/**
 * Spawns a long-running binary, resolves once it listens on readyPort, and kills it if this process exits first.
 * Its pid lets a chaos run kill it abruptly, as a crash would.
 */
export async function spawnService(name: string, command: string, args: string[], opts: SpawnOptions): Promise<Service & { pid: number }> {
  // Its own process group: a terminal's Ctrl-C must not stop it before the worker has drained against it.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
    opts.log?.(chunk.toString().trimEnd());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    await waitForPort(opts.readyPort, '127.0.0.1', opts.readyTimeoutMs ?? 60_000, child);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not start: ${(err as Error).message}\n${output}`);
  }
  let stopping = false;
  // 'close', not 'exit': by then its pipes are drained and the output is whole.
  child.once('close', (code, signal) => {
    if (stopping) return;
    process.off('exit', killOnExit);
    // Its last output is usually the reason (a panic, a port taken late); without it a crash reads as a hang elsewhere.
    opts.onUnexpectedExit?.(`${name} (pid ${child.pid}) exited unexpectedly with ${signal ? `signal ${signal}` : `code ${code}`}; its last output:\n${output.trimEnd() || '(none)'}`);
  });
  return {
    name,
    pid: child.pid!,
    async stop() {
      stopping = true;
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
