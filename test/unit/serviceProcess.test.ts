// spawnService tells whoever started a service when it dies by itself, with its last words, and not when it is stopped.
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
  const { connect } = await import('node:net');
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
