// A Temporal client for the processes that start and signal workflows (API, stack, tests); no worker code is loaded.
import { Client, Connection, type ConnectionLike } from '@temporalio/client';
import { dataConverterFor } from './codec/aesGcm.js';
import type { PayloadKey } from './config/observability.js';
import type { TemporalSecurity } from './config/temporal.js';
import { tracingClientInterceptors } from './observability/tracing.js';

/** Every client encrypts with the configured keys and carries the caller's trace into the workflow. */
export function temporalClient(connection: ConnectionLike, namespace: string, payloadKeys: PayloadKey[]): Client {
  return new Client({ connection, namespace, dataConverter: dataConverterFor(payloadKeys), interceptors: tracingClientInterceptors() });
}

/** `security` carries TLS, mTLS and an API key for a secured cluster or Temporal Cloud (see config/temporal.ts). */
export async function connectTemporal(address: string, namespace: string, security: TemporalSecurity, payloadKeys: PayloadKey[]): Promise<Client> {
  return temporalClient(await Connection.connect({ address, ...security }), namespace, payloadKeys);
}
