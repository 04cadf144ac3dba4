// A Temporal client for the processes that start and signal workflows (API, stack, tests); no worker code is loaded.
import { Client, Connection } from '@temporalio/client';
import type { TemporalSecurity } from './config/temporal.js';

/** `security` carries TLS, mTLS and an API key for a secured cluster or Temporal Cloud (see config/temporal.ts). */
export async function connectTemporal(address: string, namespace: string, security: TemporalSecurity = {}): Promise<Client> {
  const connection = await Connection.connect({ address, ...security });
  return new Client({ connection, namespace });
}
