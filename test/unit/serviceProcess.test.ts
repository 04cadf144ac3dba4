// spawnService tells whoever started a service when it dies by itself, with its last words, and not when it is stopped;
// freePort hands out ports that outgoing connections do not take meanwhile.
import { readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, spawnService } from '../../src/stack/process.js';

/** A real child process that listens, prints, and exits with code 3 once a client connects and sends "die". */
const SERVICE = `
const server = require('node:net').createServer((socket) => socket.on('data', (d) => {
  if (String(d).includes('die')) { console.error('panic: the store is corrupt'); process.exit(3); }
}));
server.listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'));
`;

async function send(port: number, text: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.end(text, () => resolve()));
    socket.on('error', reject);
  });
}

describe('spawnService', () => {
  it('reports a service that exits by itself, with its exit code and its last output', async () => {
    const port = await freePort();
    let told: (why: string) => void = () => {};
    const report = new Promise<string>((resolve) => (told = resolve));
    const service = await spawnService('fake-store', process.execPath, ['-e', SERVICE, String(port)], { readyPort: port, onUnexpectedExit: told });
    await send(port, 'die');
    const why = await report;
    expect(why).toContain(`fake-store (pid ${service.pid}) exited unexpectedly with code 3`);
    expect(why).toContain('panic: the store is corrupt');
    await service.stop();
  });

  it('stays silent about a service stopped on purpose', async () => {
    const port = await freePort();
    const reports: string[] = [];
    const service = await spawnService('fake-store', process.execPath, ['-e', SERVICE, String(port)], { readyPort: port, onUnexpectedExit: (why) => reports.push(why) });
    // stop() resolves once the process has closed: any report of its exit would already have been made.
    await service.stop();
    expect(reports).toEqual([]);
  });
});

describe('freePort', () => {
  it('gives ports below the ephemeral range, which outgoing connections draw from, and free to bind', async () => {
    const [start] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/).map(Number);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) expect(port).toBeLessThan(start!);
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
