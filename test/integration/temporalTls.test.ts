// Temporal over mTLS: the dev server speaks plain gRPC, so a local TLS proxy with a CA made here requires a client
// certificate and forwards to it. The client (connectTemporal) and the worker (NativeConnection) get through with the
// settings from env; a client without a certificate is refused in the handshake.
import { createMetrics } from '../../src/observability/metrics.js';
import { startTracing } from '../../src/observability/tracing.js';
import { Connection } from '@temporalio/client';
import { Runtime, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createSql } from '../../src/db/client.js';
import { createMailer } from '../../src/email/transport.js';
import { connectTemporal } from '../../src/temporalClient.js';
import { createOrderWorker } from '../../src/wiring.js';
import { hostPort } from '../support/tcpProxy.js';
import { eventually } from '../support/harness.js';

const SERVER_NAME = 'temporal.test';
let dir: string;
let proxy: Server;
let proxyAddress: string;
const handshakes = { authorized: 0, refused: 0 };

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, a server certificate for SERVER_NAME and a client certificate, all signed by the CA. */
function makeCertificates() {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test-ca');
  for (const name of ['server', 'client']) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  }
}

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  dir = await mkdtemp(join(tmpdir(), 'temporal-tls-'));
  await writeFile(join(dir, 'server.ext'), `subjectAltName=DNS:${SERVER_NAME}\n`);
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  makeCertificates();
  const file = (name: string) => readFile(join(dir, name));
  const target = hostPort(inject('temporalAddress'));
  proxy = createServer({ key: await file('server.key'), cert: await file('server.pem'), ca: await file('ca.pem'), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }, (socket: TLSSocket) => {
    handshakes.authorized += socket.authorized ? 1 : 0;
    const upstream = connect(target).on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  proxy.on('tlsClientError', () => handshakes.refused++);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyAddress = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The settings an operator would export: file paths for the CA and certificate, PEM text for the key. */
async function tlsEnv(withClientCertificate: boolean): Promise<Record<string, string>> {
  return {
    TEMPORAL_ADDRESS: proxyAddress,
    TEMPORAL_TASK_QUEUE: `tls-${randomUUID()}`,
    TEMPORAL_TLS_CA: join(dir, 'ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    ...(withClientCertificate ? { TEMPORAL_TLS_CERT: join(dir, 'client.pem'), TEMPORAL_TLS_KEY: await readFile(join(dir, 'client.key'), 'utf8') } : {}),
    DATABASE_URL: inject('databaseUrl'),
    SMTP_URL: inject('smtpUrl'),
  };
}

describe('Temporal over mTLS', () => {
  it('connects the client and runs a worker through the TLS proxy with the certificate from env', async () => {
    const config = loadConfig(await tlsEnv(true));
    const before = handshakes.authorized;
    const client = await connectTemporal(config.temporal.address!, config.temporal.namespace, config.temporal.security, config.codec.keys);
    const sql = createSql(config.databaseUrl!, { max: 1 });
    const mailer = createMailer(config.smtpUrl!, config.mailFrom, config.smtpPool);
    try {
      expect((await client.workflowService.getSystemInfo({})).capabilities).toBeDefined();
      const { worker, connection } = await createOrderWorker(config, { temporalAddress: config.temporal.address!, sql, payments: {}, mailer, metrics: createMetrics({ defaults: false }), tracing: startTracing('test', {}) }, { workflowBundle: { code: inject('workflowCode') } });
      const running = worker.run();
      const pollers = await eventually(
        async () => (await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: config.temporal.taskQueue }, taskQueueType: 1 })).pollers ?? [],
        (p) => p.length > 0,
        'the worker polling its task queue through the proxy',
      );
      expect(pollers.length).toBeGreaterThan(0);
      worker.shutdown();
      await running;
      await connection.close();
      // Both connections went through verified handshakes: the client's and the worker's.
      expect(handshakes.authorized - before).toBeGreaterThanOrEqual(2);
    } finally {
      mailer.close();
      await sql.end({ timeout: 5 });
      await client.connection.close();
    }
  });

  it('is refused in the handshake without a client certificate, for the client and the worker alike', async () => {
    const config = loadConfig(await tlsEnv(false));
    expect(config.temporal.security.tls?.clientCertPair).toBeUndefined();
    const refusedBefore = handshakes.refused;
    await expect(Connection.connect({ address: proxyAddress, ...config.temporal.security, connectTimeout: '3s' })).rejects.toThrow();
    await expect(NativeConnection.connect({ address: proxyAddress, ...config.temporal.security })).rejects.toThrow();
    expect(handshakes.refused).toBeGreaterThan(refusedBefore);
  });
});
