// A Temporal client for the processes that start and signal workflows (API, stack, tests); no worker code is loaded.
import { Client, Connection } from '@temporalio/client';

export async function connectTemporal(address: string, namespace: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace });
}
