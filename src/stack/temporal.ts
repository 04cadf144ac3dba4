// Starts the Temporal CLI dev server with our search attributes registered (SQLite file, or in memory when no file is given).
import { SearchAttributeType } from '@temporalio/common';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions.js';
import { spawnService, type Service } from './process.js';

/** How `temporal server start-dev --search-attribute Name=Type` spells each type. */
const CLI_TYPE: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

export interface TemporalDevServerOptions {
  cliPath: string;
  port: number;
  uiPort?: number;
  dbFile?: string;
  /** Where its Prometheus metrics are served; a free port of the CLI's choosing when not given. */
  metricsPort?: number;
  log?: (line: string) => void;
  onUnexpectedExit?: (why: string) => void;
}

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<Service & { pid: number; address: string }> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'error'];
  args.push(...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']));
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.metricsPort) args.push('--metrics-port', String(opts.metricsPort));
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=${CLI_TYPE[key.type]}`);
  // WAL and no fsync: Temporal's own CI settings for the SQLite store; a dev server trades durability on power loss for speed.
  args.push('--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF');
  args.push('--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true');
  // The CLI re-reads the search attributes from its store on every read, in case one was added at run time; ours are
  // all written into the store before it serves, so its cache may keep them (7% of its CPU during checkout).
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=false');
  // An activity scheduled by a workflow task comes back in that task's answer, not through a task queue round trip.
  args.push('--dynamic-config-value', 'system.enableActivityEagerExecution=true');
  const service = await spawnService('temporal', opts.cliPath, args, { readyPort: opts.port, log: opts.log, onUnexpectedExit: opts.onUnexpectedExit });
  return { ...service, address: `127.0.0.1:${opts.port}` };
}
