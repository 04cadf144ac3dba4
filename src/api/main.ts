// API entry (`npm run api`): the HTTP server alone, against the configured database and Temporal.
import { loadConfig } from '../config.js';
import { createSql } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { addresses } from '../addresses.js';
import { createLogger } from '../log.js';
import { createPaymentProviders } from '../payments/index.js';
import { connectTemporal } from '../temporalClient.js';
import { apiDepsFrom, startHttpServer } from './server.js';
import { onShutdown } from '../shutdown.js';

const config = loadConfig();
const log = createLogger(config.logLevel, 'api');
const at = addresses(config);
const sql = createSql(at.databaseUrl);
await migrate(sql);
const temporal = await connectTemporal(at.temporalAddress, config.temporal.namespace);
const http = await startHttpServer(apiDepsFrom(config, { sql, temporal, payments: createPaymentProviders(config, sql), log }), config.host, config.port);
log.info({ url: `http://${config.host}:${http.port}`, publicUrl: config.publicUrl }, 'api listening');
onShutdown(log, [
  ['http', () => http.close()],
  ['temporal', () => temporal.connection.close()],
  ['database', () => sql.end({ timeout: 5 })],
]);
