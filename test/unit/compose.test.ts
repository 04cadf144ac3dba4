// docker-compose.yml is validated and resolved by a real Compose parser: Debian's docker-compose (1.29),
// via `docker-compose config`, which needs no Docker engine. scripts/composeParser.ts finds or installs it.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ensureComposeParser } from '../../scripts/composeParser.js';
import { ENV_KEYS, loadConfig, loadToolsConfig } from '../../src/config.js';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/definitions.js';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const APP_SERVICES = ['api', 'worker'] as const;

/** The shape `docker-compose config` (1.29) prints: short-syntax ports and volumes, string-valued environments. */
interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[] };
  ports?: string[];
  volumes?: string[];
  profiles?: string[];
  cpu_shares?: number;
}
interface Project {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

interface Output {
  stdout: string;
  stderr: string;
}

let parser: string;
let scratch: string;

/**
 * Runs the parser on `file` with a clean environment (only PATH plus `env`) and an empty env file, so neither a
 * developer's exported variables nor a local .env can change the outcome.
 */
function compose(file: string, args: string[], env: Record<string, string> = {}): Promise<Output> {
  const argv = ['--env-file', join(scratch, 'empty.env'), '-f', file, ...args];
  return new Promise((resolvePromise, reject) => {
    execFile(parser, argv, { cwd: dirname(file), env: { PATH: loadToolsConfig().searchPath, ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker-compose ${argv.join(' ')} failed:\n${stderr.trim() || err.message}`));
      else resolvePromise({ stdout, stderr });
    });
  });
}

const PROBE_JWT_SECRET = 'probe-jwt-secret-0123456789abcdef0123456789';
const PROBE_PAYLOAD_KEYS = `probe:${Buffer.alloc(32, 7).toString('base64')}`;
/** The secrets the file demands from the operator's shell. */
const REQUIRED = { JWT_SECRET: PROBE_JWT_SECRET, PAYLOAD_KEYS: PROBE_PAYLOAD_KEYS };

async function load(file: string, options: { env?: Record<string, string>; interpolate?: boolean } = {}): Promise<Project> {
  const { stdout, stderr } = await compose(file, options.interpolate === false ? ['config', '--no-interpolate'] : ['config'], options.env);
  // docker-compose reports ignored keys and unset variables as warnings, not errors.
  expect(stderr.trim()).toBe('');
  return parse(stdout) as Project;
}

function service(project: Project, name: string): Service {
  const s = project.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

describe('docker-compose.yml', () => {
  let project: Project;
  let uninterpolated: Project;

  beforeAll(async () => {
    // No skip: when the parser is missing and cannot be installed, this throws with what to install.
    parser = await ensureComposeParser((line) => console.log(`[compose-parser] ${line}`));
    scratch = await mkdtemp(join(tmpdir(), 'compose-check-'));
    await writeFile(join(scratch, 'empty.env'), '');
    project = await load(COMPOSE_FILE, { env: REQUIRED });
    uninterpolated = await load(COMPOSE_FILE, { interpolate: false });
    return () => rm(scratch, { recursive: true, force: true });
  }, 300_000);

  it('passes `docker-compose config -q` without warnings', async () => {
    await expect(compose(COMPOSE_FILE, ['config', '-q'], REQUIRED)).resolves.toEqual({ stdout: '', stderr: '' });
  });

  it('is checked by a parser that rejects broken files', async () => {
    const dir = await mkdtemp(join(scratch, 'broken-'));
    const broken = join(dir, 'docker-compose.yml');
    await writeFile(broken, 'services:\n  a:\n    image: busybox\n    depends_on: [ghost]\n');
    await expect(load(broken)).rejects.toThrow(/depends on service 'ghost' which is undefined/);
    await writeFile(broken, 'services:\n  a:\n    image: busybox\n    restart_policy: always\n');
    await expect(load(broken)).rejects.toThrow(/Unsupported config option for services\.a: 'restart_policy'/);
    await writeFile(broken, 'services:\n  a:\n    image: busybox\nbogus: true\n');
    await expect(load(broken)).rejects.toThrow(/'bogus' does not match any of the regexes/);
  });

  it('defines the whole stack', () => {
    const names = ['postgres', 'temporal-schema', 'temporal', 'temporal-admin-tools', 'temporal-ui', 'mailpit', 'api', 'worker', 'prometheus', 'otel-collector', 'jaeger', 'grafana'];
    expect(Object.keys(project.services).sort()).toEqual([...names].sort());
    expect(service(project, 'postgres').image).toBe('postgres:16');
    expect(service(project, 'postgres').healthcheck?.test?.join(' ')).toContain('pg_isready');
    expect(service(project, 'postgres').volumes).toEqual(['pgdata:/var/lib/postgresql/data:rw']);
    expect(project.volumes).toHaveProperty(['pgdata']);
    expect(service(project, 'temporal').image).toBe('temporalio/server:1.30.1');
    expect(service(project, 'temporal-ui').ports).toEqual(['127.0.0.1:8233:8080/tcp']);
    expect(service(project, 'mailpit').ports).toEqual(expect.arrayContaining(['127.0.0.1:8025:8025/tcp', '127.0.0.1:1025:1025/tcp']));
    // Temporal, its UI and Mailpit have no authentication: nothing may listen beyond localhost.
    for (const [name, s] of Object.entries(project.services)) {
      for (const port of s.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('gives Temporal its dynamic config from a file in the repository', async () => {
    const temporal = service(project, 'temporal');
    const dir = join(ROOT, 'deploy/temporal/dynamicconfig');
    expect(temporal.volumes).toEqual([`${dir}:/etc/temporal/config/dynamicconfig:ro`]);
    expect(temporal.environment?.DYNAMIC_CONFIG_FILE_PATH).toBe('config/dynamicconfig/docker.yaml');
    const dynamic = parse(await readFile(join(dir, 'docker.yaml'), 'utf8')) as Record<string, { value: unknown }[]>;
    expect(dynamic['limit.maxIDLength']?.[0]?.value).toBe(255);
    expect(dynamic['system.forceSearchAttributesCacheRefreshOnRead']?.[0]?.value).toBe(true);
    // As on the dev server that `npm start`, the tests and the bench run (eagerActivities.test.ts).
    expect(dynamic['system.enableActivityEagerExecution']?.[0]?.value).toBe(true);
  });

  it('builds api and worker from the repository Dockerfile and picks their entry points', () => {
    expect(existsSync(join(ROOT, 'Dockerfile'))).toBe(true);
    for (const name of APP_SERVICES) {
      expect(service(project, name).build, name).toEqual({ context: ROOT, dockerfile: 'Dockerfile' });
    }
    expect(service(project, 'api').command).toEqual(['node', 'dist/api/main.js']);
    expect(service(project, 'worker').command).toEqual(['node', '--max-old-space-size=320', '--max-semi-space-size=16', 'dist/worker.js']);
  });

  it('takes every secret from the host environment, none from the file', async () => {
    const raw = await readFile(COMPOSE_FILE, 'utf8');
    expect(raw).toContain('STRIPE_SECRET_KEY: ${STRIPE_SECRET_KEY:-}');
    expect(raw).toContain('STRIPE_WEBHOOK_SECRET: ${STRIPE_WEBHOOK_SECRET:-}');
    expect(raw).not.toMatch(/\b(sk|rk|pk)_(test|live)_|\bwhsec_/);
    for (const name of APP_SERVICES) {
      const env = uninterpolated.services[name]?.environment ?? {};
      expect(env.STRIPE_SECRET_KEY, name).toBe('${STRIPE_SECRET_KEY:-}');
      expect(env.STRIPE_WEBHOOK_SECRET, name).toBe('${STRIPE_WEBHOOK_SECRET:-}');
      for (const [key, value] of Object.entries(env).filter(([key]) => /SECRET|KEY|TOKEN|PASSWORD/.test(key))) {
        expect(value, `${name}.${key}`).toMatch(new RegExp(`^\\$\\{${key}(:?[-?][^}]*)?\\}$`));
      }
      expect(service(project, name).environment?.STRIPE_SECRET_KEY, name).toBe('');
    }
    const exported = await load(COMPOSE_FILE, { env: { ...REQUIRED, STRIPE_SECRET_KEY: 'sk_test_probe', STRIPE_WEBHOOK_SECRET: 'whsec_probe' } });
    for (const name of APP_SERVICES) {
      expect(service(exported, name).environment, name).toMatchObject({ STRIPE_SECRET_KEY: 'sk_test_probe', STRIPE_WEBHOOK_SECRET: 'whsec_probe' });
    }
  });

  it('passes every setting a deployment chooses through from the host', async () => {
    // The settings this image never takes: the embedded stack's and its tools', the demo's, and stripe-mock's address.
    const notForTheImage = new Set(['DEMO_MODE', 'SANDBOX_ENABLED', 'SANDBOX_WEBHOOK_SECRET', 'SANDBOX_SETTLEMENT_SECONDS', 'STRIPE_API_HOST', 'STRIPE_API_PORT', 'STRIPE_API_PROTOCOL', 'DATA_DIR', 'PG_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'SMTP_PORT', 'TEMPORAL_CLI_PATH', 'STRIPE_MOCK_PATH', 'TOOLS_CACHE_DIR', 'XDG_CACHE_HOME', 'PATH']);
    for (const name of APP_SERVICES) {
      const env = uninterpolated.services[name]?.environment ?? {};
      const missing = ENV_KEYS.filter((key) => !notForTheImage.has(key) && !(key in env));
      expect(missing, name).toEqual([]);
    }
    const providers = {
      PAYU_POS_ID: '300746', PAYU_CLIENT_ID: '300746', PAYU_CLIENT_SECRET: 'probe-payu-client-secret', PAYU_SECOND_KEY: 'probe-payu-second-key',
      PAYPAL_CLIENT_ID: 'probe-paypal-id', PAYPAL_CLIENT_SECRET: 'probe-paypal-secret', PAYPAL_WEBHOOK_ID: 'WH-PROBE',
      POSTFINANCE_SPACE_ID: '405', POSTFINANCE_USER_ID: '512', POSTFINANCE_AUTH_KEY: Buffer.alloc(32, 3).toString('base64'),
      BANK_TRANSFER_ENABLED: 'true', BANK_ACCOUNT_NAME: 'Sklep', BANK_ACCOUNT_IBAN: 'PL61109010140000071219812874',
      TRUSTED_PROXY_HOPS: '1',
    };
    const exported = await load(COMPOSE_FILE, { env: { ...REQUIRED, ...providers } });
    for (const name of APP_SERVICES) {
      const config = loadConfig(service(exported, name).environment ?? {});
      expect(config, name).toMatchObject({ payu: { posId: '300746' }, paypal: { webhookId: 'WH-PROBE' }, postfinance: { spaceId: 405 }, bankTransfer: { accountName: 'Sklep' }, trustedProxyHops: 1 });
    }
  });

  it('refuses to start without a JWT secret of the operator’s own', async () => {
    await expect(load(COMPOSE_FILE, { env: { PAYLOAD_KEYS: PROBE_PAYLOAD_KEYS } })).rejects.toThrow(/export JWT_SECRET/);
  });

  it('refuses to start without payload keys of the operator’s own', async () => {
    await expect(load(COMPOSE_FILE, { env: { JWT_SECRET: PROBE_JWT_SECRET } })).rejects.toThrow(/export PAYLOAD_KEYS/);
  });

  it('gives api and worker an environment the app configuration accepts', () => {
    for (const name of APP_SERVICES) {
      const config = loadConfig(service(project, name).environment ?? {});
      expect(config, name).toMatchObject({
        env: 'production',
        host: '0.0.0.0',
        port: 3000,
        publicUrl: 'http://localhost:3000',
        databaseUrl: 'postgres://checkout:checkout@postgres:5432/checkout',
        temporal: { address: 'temporal:7233', namespace: 'default', uiUrl: 'http://localhost:8233' },
        smtpUrl: 'smtp://mailpit:1025',
      });
      expect(config.sandbox, `${name}: the sandbox stays off unless asked for`).toBeUndefined();
      expect(config.stripe, name).toBeUndefined();
    }
  });

  it('lets the API and PostgreSQL run first when the CPU is short: Temporal and the worker have a smaller share', () => {
    expect(service(project, 'temporal').cpu_shares).toBe(128);
    expect(service(project, 'worker').cpu_shares).toBe(128);
    // Docker's default weight, 1024, is eight times theirs.
    expect(service(project, 'api').cpu_shares).toBeUndefined();
    expect(service(project, 'postgres').cpu_shares).toBeUndefined();
  });

  it('starts every service only after what it needs', () => {
    const needs = { postgres: 'service_healthy', temporal: 'service_healthy', 'temporal-admin-tools': 'service_completed_successfully' };
    for (const name of APP_SERVICES) {
      for (const [dependency, condition] of Object.entries(needs)) {
        expect(service(project, name).depends_on?.[dependency]?.condition, `${name} → ${dependency}`).toBe(condition);
      }
    }
    expect(service(project, 'worker').depends_on?.mailpit?.condition).toBe('service_healthy');
    expect(service(project, 'temporal').depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
    expect(service(project, 'temporal-admin-tools').depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    expect(service(project, 'api').healthcheck?.test?.join(' ')).toContain('/readyz');
  });

  it('registers every search attribute the workflows set (SEARCH_ATTRIBUTES) as Keyword before the app starts', () => {
    const script = [service(project, 'temporal-admin-tools').command ?? []].flat().join('\n');
    const registered = /for name in ([^;]+); do/.exec(script)?.[1]?.trim().split(/\s+/) ?? [];
    expect(registered.sort()).toEqual(SEARCH_ATTRIBUTES.map((key) => key.name).sort());
    // The compose script creates each one as Keyword.
    expect(SEARCH_ATTRIBUTES.map((key) => key.type)).toEqual(SEARCH_ATTRIBUTES.map(() => 'KEYWORD'));
    expect(script).toMatch(/search-attribute create --namespace default --name \S+ --type Keyword/);
  });

  it('has Prometheus scrape api and worker on their metrics ports, which stay off the host', async () => {
    const prometheus = service(project, 'prometheus');
    expect(prometheus.volumes).toContain(`${join(ROOT, 'deploy/prometheus')}:/etc/prometheus:ro`);
    const scrape = parse(await readFile(join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8')) as { rule_files: string[]; scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] };
    expect(scrape.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    const targets = Object.fromEntries(scrape.scrape_configs.map((j) => [j.job_name, j.static_configs.flatMap((c) => c.targets)]));
    for (const name of APP_SERVICES) {
      const config = loadConfig(service(project, name).environment ?? {});
      expect(targets[`checkout-${name}`], name).toEqual([`${name}:${config.metrics.port}`]);
      // Not on the public port: with METRICS_PORT set the API serves /metrics only there.
      expect(service(project, name).ports?.some((p) => p.includes(String(config.metrics.port))) ?? false, name).toBe(false);
    }
    expect(targets['temporal-sdk']).toEqual([`worker:${loadConfig(service(project, 'worker').environment ?? {}).metrics.temporalPort}`]);
  });

  it('adds an OTel collector feeding Jaeger, and Grafana with the dashboard, only under their profiles', async () => {
    expect(service(project, 'otel-collector').profiles).toEqual(['tracing']);
    expect(service(project, 'jaeger').profiles).toEqual(['tracing']);
    expect(service(project, 'grafana').profiles).toEqual(['dashboards']);
    expect(service(project, 'grafana').volumes).toContain(`${join(ROOT, 'deploy/grafana/dashboards')}:/var/lib/grafana/dashboards:ro`);
    const collector = parse(await readFile(join(ROOT, 'deploy/otel/collector.yaml'), 'utf8')) as { exporters: Record<string, { endpoint: string }>; service: { pipelines: { traces: { exporters: string[] } } } };
    expect(collector.service.pipelines.traces.exporters.map((e) => collector.exporters[e]?.endpoint)).toEqual(['jaeger:4317']);
    const traced = await load(COMPOSE_FILE, { env: { ...REQUIRED, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318' } });
    for (const name of APP_SERVICES) {
      expect(loadConfig(service(traced, name).environment ?? {}).tracing.endpoint, name).toBe('http://otel-collector:4318');
      expect(loadConfig(service(project, name).environment ?? {}).tracing.endpoint, name).toBeUndefined();
    }
  });
});
