// loadConfig is the only reader of the environment: defaults, overrides and refusals, from a plain object.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig as loadWithSecrets, loadStackConfig } from '../../src/config.js';
import { persistedDemoSecrets, type DemoSecrets } from '../../src/config/demo.js';

const SECRET = 'a-sandbox-secret-of-32-characters';
const DEMO_SECRETS: DemoSecrets = { jwtSecret: 'generated-jwt-secret-'.padEnd(43, 'x'), sandboxWebhookSecret: 'generated-sandbox-secret-'.padEnd(43, 'y') };
/** Demo secrets from memory, so these tests write nothing to a data directory. */
const loadConfig = (env: Record<string, string>) => loadWithSecrets(env, () => DEMO_SECRETS);
/** What any process outside the local demo must be given. */
const PUBLISHED = { JWT_SECRET: 'operator-jwt-secret-0123456789abcdef', SMTP_URL: 'smtp://mail.internal:25' };

/** Runs loadConfig and returns its error message, failing if it does not throw. */
function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return (err as Error).message;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
}

describe('loadConfig defaults', () => {
  it('runs a local demo from an empty environment', () => {
    const config = loadConfig({});
    expect(config.env).toBeUndefined();
    expect(config.demo).toBe(true);
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.logLevel).toBe('info');
    expect(config.checkoutTtlMs).toBe(86_400_000);
    expect(config.workerShutdownGraceMs).toBe(20_000);
    expect(config.temporal).toEqual({ address: undefined, namespace: 'default', taskQueue: 'orders', uiUrl: 'http://localhost:8233', security: {} });
    expect(config.stripe).toBeUndefined();
    expect(config.stack).toEqual({ dataDir: '.data', pgPort: 5433, temporalPort: 7233, temporalUiPort: 8233, smtpPort: 1025 });
    expect(config.authRateLimit).toEqual({ windowSeconds: 900, perEmail: 10, perIp: 100, freeFailures: 5, maxDelaySeconds: 300 });
    expect(config.checkoutRateLimit).toEqual({ perEmail: 10, perIp: 30 });
    expect(config.corsOrigins).toEqual([]);
    expect(config.trustedProxyHops).toBe(0);
  });

  it('enables the sandbox in the demo with generated secrets, none from the source', () => {
    const config = loadConfig({});
    expect(config.sandbox).toEqual({ webhookSecret: DEMO_SECRETS.sandboxWebhookSecret });
    expect(config.jwt.secret).toBe(DEMO_SECRETS.jwtSecret);
    expect(loadConfig({ NODE_ENV: 'test' }).sandbox).toEqual(config.sandbox);
  });

  it('derives the public URL from PORT when PUBLIC_URL is unset', () => {
    const config = loadConfig({ PORT: '8080' });
    expect(config.port).toBe(8080);
    expect(config.publicUrl).toBe('http://localhost:8080');
  });

  it('converts CHECKOUT_TTL_SECONDS and WORKER_SHUTDOWN_GRACE_SECONDS to milliseconds', () => {
    const config = loadConfig({ CHECKOUT_TTL_SECONDS: '90', WORKER_SHUTDOWN_GRACE_SECONDS: '0' });
    expect(config.checkoutTtlMs).toBe(90_000);
    expect(config.workerShutdownGraceMs).toBe(0);
  });
});

describe('loadConfig overrides', () => {
  it('removes a trailing slash from PUBLIC_URL and TEMPORAL_UI_URL', () => {
    const config = loadConfig({ ...PUBLISHED, PUBLIC_URL: 'https://shop.example.com/', TEMPORAL_UI_URL: 'https://temporal.example.com/' });
    expect(config.publicUrl).toBe('https://shop.example.com');
    expect(config.temporal.uiUrl).toBe('https://temporal.example.com');
    expect(loadConfig({ ...PUBLISHED, PUBLIC_URL: 'https://shop.example.com' }).publicUrl).toBe('https://shop.example.com');
  });

  it('reads the login and setup-link rate limits and the trusted proxy hops', () => {
    const config = loadConfig({ AUTH_RATE_WINDOW_SECONDS: '60', AUTH_RATE_PER_EMAIL: '3', AUTH_RATE_PER_IP: '7', TRUSTED_PROXY_HOPS: '1' });
    expect(config.authRateLimit).toEqual({ windowSeconds: 60, perEmail: 3, perIp: 7, freeFailures: 5, maxDelaySeconds: 60 });
    expect(config.trustedProxyHops).toBe(1);
    expect(configError({ AUTH_RATE_PER_EMAIL: '0', TRUSTED_PROXY_HOPS: '-1' })).toMatch(/AUTH_RATE_PER_EMAIL[\s\S]*TRUSTED_PROXY_HOPS/);
  });

  it('uses the configured sandbox secret', () => {
    expect(loadConfig({ SANDBOX_WEBHOOK_SECRET: SECRET }).sandbox).toEqual({ webhookSecret: SECRET });
  });

  it('turns the sandbox off in the demo when SANDBOX_ENABLED is false or 0', () => {
    expect(loadConfig({ SANDBOX_ENABLED: 'false' }).sandbox).toBeUndefined();
    expect(loadConfig({ SANDBOX_ENABLED: '0' }).sandbox).toBeUndefined();
  });

  it('configures Stripe when both keys are set', () => {
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      STRIPE_API_HOST: 'localhost',
      STRIPE_API_PORT: '12111',
      STRIPE_API_PROTOCOL: 'http',
    });
    expect(config.stripe).toEqual({ secretKey: 'sk_test_x', webhookSecret: 'whsec_x', host: 'localhost', port: 12111, protocol: 'http' });
  });
});

const JWT = 'production-jwt-secret-0123456789abcdef';
const KEY = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: JWT,
  DATABASE_URL: 'postgres://checkout:pw@db.internal:5432/checkout',
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  SMTP_URL: 'smtp://mail.internal:587',
  PUBLIC_URL: 'https://shop.example.com',
  PAYLOAD_KEYS: `k1:${KEY(1)}`,
  METRICS_PORT: '9464',
};

describe('loadConfig in production', () => {
  it('starts with every part named and its own secrets, and no demo', () => {
    const config = loadConfig(PRODUCTION);
    expect(config).toMatchObject({ env: 'production', demo: false, jwt: { secret: JWT }, publicUrl: 'https://shop.example.com' });
    expect(config.sandbox).toBeUndefined();
  });

  it('lists every missing setting in one error', () => {
    const message = configError({ NODE_ENV: 'production' });
    for (const line of ['JWT_SECRET: required in production', 'DATABASE_URL: required in production', 'TEMPORAL_ADDRESS: required in production', 'SMTP_URL: required in production', 'PUBLIC_URL: required in production']) {
      expect(message).toContain(line);
    }
  });

  it('refuses a plain-http PUBLIC_URL, except one on this machine', () => {
    expect(configError({ ...PRODUCTION, PUBLIC_URL: 'http://shop.example.com' })).toContain('PUBLIC_URL: must be https in production');
    expect(loadConfig({ ...PRODUCTION, PUBLIC_URL: 'http://localhost:3000' }).publicUrl).toBe('http://localhost:3000');
  });

  it('never runs the sandbox or the demo, whatever is asked', () => {
    expect(configError({ ...PRODUCTION, SANDBOX_ENABLED: 'true', SANDBOX_WEBHOOK_SECRET: SECRET })).toContain('SANDBOX_ENABLED: the sandbox provider lets anyone "pay"');
    expect(configError({ ...PRODUCTION, DEMO_MODE: 'true' })).toContain('DEMO_MODE: the demo (sandbox payments, dev mailbox, generated secrets) cannot run: NODE_ENV is production');
    expect(loadConfig({ ...PRODUCTION, SANDBOX_ENABLED: 'false' }).sandbox).toBeUndefined();
  });
});

describe('demo mode', () => {
  it('is off when the server binds a public address, PUBLIC_URL is elsewhere, or a real provider is configured', () => {
    expect(loadConfig({ ...PUBLISHED, HOST: '0.0.0.0' })).toMatchObject({ demo: false, sandbox: undefined });
    expect(loadConfig({ ...PUBLISHED, PUBLIC_URL: 'https://shop.example.com' }).demo).toBe(false);
    expect(loadConfig({ ...PUBLISHED, STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x' })).toMatchObject({ demo: false, sandbox: undefined });
    // Stripe's API on this machine (stripe-mock) moves no money: still a demo.
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: 'whsec_x', STRIPE_API_HOST: '127.0.0.1' }).demo).toBe(true);
    expect(loadConfig({ ...PUBLISHED, DEMO_MODE: 'false' }).demo).toBe(false);
  });

  it('outside the demo, refuses to run without its own JWT secret and SMTP server, or with the sandbox, and says all of it', () => {
    const message = configError({ HOST: '0.0.0.0', SANDBOX_ENABLED: 'true' });
    expect(message).toContain('JWT_SECRET: required outside the local demo');
    expect(message).toContain('SMTP_URL: required outside the local demo');
    expect(message).toContain('SANDBOX_ENABLED: the sandbox provider lets anyone "pay"');
    expect(configError({ DEMO_MODE: 'false' })).toContain('JWT_SECRET: required outside the local demo');
  });

  it('refuses DEMO_MODE=true where it cannot be a demo, with every reason', () => {
    const message = configError({ DEMO_MODE: 'true', HOST: '0.0.0.0', PAYU_POS_ID: '1', PAYU_CLIENT_ID: '1', PAYU_CLIENT_SECRET: 's', PAYU_SECOND_KEY: 'k' });
    expect(message).toContain('cannot run: HOST 0.0.0.0 is not a loopback address');
    expect(message).toContain('cannot run: a real payment provider is configured (PayU)');
    expect(loadConfig({ DEMO_MODE: 'true', HOST: '::1' }).demo).toBe(true);
  });

  it('generates its secrets once per data directory, private to the owner, and derives the order-id key', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'demo-secrets-')), 'data');
    const first = loadWithSecrets({ DATA_DIR: dir });
    const again = loadWithSecrets({ DATA_DIR: dir });
    expect(first.jwt.secret).toMatch(/^[\w-]{43}$/);
    expect(again.jwt.secret).toBe(first.jwt.secret);
    expect(again.sandbox).toEqual(first.sandbox);
    expect(statSync(join(dir, 'demo-secrets.json')).mode & 0o777).toBe(0o600);
    expect(persistedDemoSecrets(join(dir, 'other')).jwtSecret).not.toBe(first.jwt.secret);
    expect(first.orderIdSecret).not.toBe(first.jwt.secret);
    expect(loadConfig({ ORDER_ID_SECRET: 'o'.repeat(32) }).orderIdSecret).toBe('o'.repeat(32));
    // The customer key (src/auth/customerKeys.ts) has its own derived key: neither the signing key nor the order-id key.
    expect(again.customerKeySecret).toBe(first.customerKeySecret);
    expect([first.jwt.secret, first.orderIdSecret]).not.toContain(first.customerKeySecret);
    expect(loadConfig({ CUSTOMER_KEY_SECRET: 'c'.repeat(32) }).customerKeySecret).toBe('c'.repeat(32));
  });
});

describe('Temporal connection security', () => {
  it('turns TLS on with any TLS setting or an API key, and reads PEM text or files', () => {
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.security).toEqual({ tls: {} });
    expect(loadConfig({ TEMPORAL_API_KEY: 'key-1', TEMPORAL_NAMESPACE: 'shop.a1b2c' }).temporal).toMatchObject({ namespace: 'shop.a1b2c', security: { tls: {}, apiKey: 'key-1' } });
    const pem = '-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----';
    const security = loadConfig({ TEMPORAL_TLS_CA: pem, TEMPORAL_TLS_CERT: pem, TEMPORAL_TLS_KEY: pem, TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).temporal.security;
    expect(security.tls?.serverNameOverride).toBe('temporal.internal');
    expect(security.tls?.serverRootCACertificate?.toString()).toBe('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----');
    expect(security.tls?.clientCertPair?.crt.toString()).toContain('BEGIN CERTIFICATE');
  });

  it('refuses half an mTLS pair, an unreadable file and TLS settings with TEMPORAL_TLS=false, together', () => {
    const message = configError({ TEMPORAL_TLS_CERT: '/nonexistent/client.pem', TEMPORAL_TLS: 'false' });
    expect(message).toContain('TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together');
    expect(message).toContain('TEMPORAL_TLS_CERT: neither PEM text nor a readable file (ENOENT)');
    expect(message).toContain('TEMPORAL_TLS: false contradicts TEMPORAL_TLS_CERT');
  });
});

describe('production observability', () => {
  it('refuses to start without payload keys, or with /metrics open on the public port', () => {
    const message = configError({ NODE_ENV: 'production', JWT_SECRET: JWT });
    expect(message).toContain('PAYLOAD_KEYS: required in production');
    expect(message).toContain('METRICS_TOKEN: required in production unless METRICS_PORT');
    const { METRICS_PORT: _port, ...withoutPort } = PRODUCTION;
    expect(configError(withoutPort)).toContain('METRICS_TOKEN');
    expect(loadConfig({ ...withoutPort, METRICS_TOKEN: 'metrics-token-0123456789abcdef' }).metrics).toEqual({ token: 'metrics-token-0123456789abcdef' });
  });
});

describe('payload keys', () => {
  it('encrypts with the first key and keeps the others for decrypting', () => {
    const config = loadConfig({ PAYLOAD_KEYS: `new:${KEY(2)}, old:${KEY(1)}` });
    expect(config.codec.keys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(config.codec.keys[0]!.key.equals(Buffer.alloc(32, 2))).toBe(true);
    expect(loadConfig({}).codec.keys).toEqual([]);
  });

  it('refuses short keys, missing ids and repeated ids without echoing the key', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    const message = configError({ PAYLOAD_KEYS: `a:${short},${KEY(1)},b:${KEY(1)},b:${KEY(2)}` });
    expect(message).toContain('PAYLOAD_KEYS: key a must be 32 bytes');
    expect(message).toContain('PAYLOAD_KEYS: entry 2 needs a key id');
    expect(message).toContain('PAYLOAD_KEYS: key id b appears twice');
    expect(message).not.toContain(short);
  });

  it('lets the Temporal UI origin call the codec endpoint unless told otherwise', () => {
    expect(loadConfig({ TEMPORAL_UI_URL: 'https://temporal.example.com/ui/' }).codec.corsOrigins).toEqual(['https://temporal.example.com']);
    expect(loadConfig({ CODEC_CORS_ORIGINS: 'https://a.example, https://b.example' }).codec.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});

describe('loadConfig refusals', () => {
  it('refuses STRIPE_SECRET_KEY without STRIPE_WEBHOOK_SECRET, and the reverse', () => {
    expect(configError({ STRIPE_SECRET_KEY: 'sk_test_x' })).toContain('STRIPE_WEBHOOK_SECRET');
    expect(configError({ STRIPE_WEBHOOK_SECRET: 'whsec_x' })).toContain('STRIPE_SECRET_KEY');
  });

  it('reports several invalid values in one error', () => {
    const message = configError({ PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(message).toMatch(/^Invalid configuration:/);
    expect(message).toMatch(/^ {2}PORT: /m);
    expect(message).toMatch(/^ {2}LOG_LEVEL: /m);
  });

  it('reports several inconsistent settings in one error', () => {
    const message = configError({ ...PRODUCTION, SANDBOX_ENABLED: 'true', STRIPE_SECRET_KEY: 'sk_live_x' });
    expect(message).toContain('STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together');
    expect(message).toContain('SANDBOX_ENABLED: the sandbox provider lets anyone "pay"');
  });

  it('reports a malformed value and an inconsistent pair together', () => {
    const message = configError({ PORT: 'abc', STRIPE_SECRET_KEY: 'sk_test_x' });
    expect(message).toContain('PORT');
    expect(message).toContain('STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together');
  });

  it('treats an empty value as unset and strips every trailing slash', () => {
    const config = loadConfig({ ...PUBLISHED, PORT: '', PUBLIC_URL: 'https://shop.example//' });
    expect(config.port).toBe(3000);
    expect(config.publicUrl).toBe('https://shop.example');
  });

  it('refuses out-of-range and malformed values', () => {
    expect(configError({ PORT: '70000' })).toContain('PORT');
    expect(configError({ PORT: '80.5' })).toContain('PORT');
    expect(configError({ PUBLIC_URL: 'shop.example.com' })).toContain('PUBLIC_URL');
    expect(configError({ NODE_ENV: 'staging' })).toContain('NODE_ENV');
    expect(configError({ SANDBOX_ENABLED: 'yes' })).toContain('SANDBOX_ENABLED');
    expect(configError({ SANDBOX_WEBHOOK_SECRET: 'short' })).toContain('SANDBOX_WEBHOOK_SECRET');
    expect(configError({ CHECKOUT_TTL_SECONDS: '0' })).toContain('CHECKOUT_TTL_SECONDS');
    expect(configError({ STRIPE_API_PROTOCOL: 'ftp', STRIPE_SECRET_KEY: 'sk', STRIPE_WEBHOOK_SECRET: 'wh' })).toContain('STRIPE_API_PROTOCOL');
  });
});

describe('payment providers', () => {
  const PAYU = { PAYU_POS_ID: '300746', PAYU_CLIENT_ID: '300746', PAYU_CLIENT_SECRET: 'client-secret', PAYU_SECOND_KEY: 'second-key' };

  it('enables a provider only when all its settings are present, with its default base URL', () => {
    const config = loadConfig({ ...PUBLISHED, ...PAYU });
    expect(config.payu).toEqual({ apiUrl: 'https://secure.payu.com', posId: '300746', clientId: '300746', clientSecret: 'client-secret', secondKey: 'second-key' });
    expect(config.paypal).toBeUndefined();
    expect(config.postfinance).toBeUndefined();
    expect(config.bankTransfer).toBeUndefined();
  });

  it('reports every half-configured provider in one error', () => {
    const message = configError({ PAYU_POS_ID: '1', PAYPAL_CLIENT_ID: 'x', POSTFINANCE_AUTH_KEY: 'k' });
    expect(message).toMatch(/PAYU_CLIENT_ID, PAYU_CLIENT_SECRET, PAYU_SECOND_KEY: PayU needs/);
    expect(message).toMatch(/PAYPAL_CLIENT_SECRET, PAYPAL_WEBHOOK_ID: PayPal needs/);
    expect(message).toMatch(/POSTFINANCE_SPACE_ID, POSTFINANCE_USER_ID: PostFinance needs/);
  });

  it('reads PayPal certificate hosts and trims base URLs', () => {
    const config = loadConfig({ PAYPAL_CLIENT_ID: 'id', PAYPAL_CLIENT_SECRET: 's', PAYPAL_WEBHOOK_ID: 'WH-1', PAYPAL_API_URL: 'http://127.0.0.1:9/', PAYPAL_WEBHOOK_CERT_HOSTS: ' 127.0.0.1 , API.paypal.com' });
    expect(config.paypal).toMatchObject({ apiUrl: 'http://127.0.0.1:9', certHosts: ['127.0.0.1', 'api.paypal.com'] });
  });

  it('enables bank transfer with a validated IBAN, and refuses a mistyped one', () => {
    const config = loadConfig({ BANK_TRANSFER_ENABLED: 'true', BANK_ACCOUNT_NAME: 'Sklep', BANK_ACCOUNT_IBAN: 'PL61 1090 1014 0000 0712 1981 2874' });
    expect(config.bankTransfer).toEqual({ accountName: 'Sklep', iban: 'PL61109010140000071219812874', currencies: ['PLN'] });
    expect(configError({ BANK_TRANSFER_ENABLED: 'true', BANK_ACCOUNT_NAME: 'Sklep', BANK_ACCOUNT_IBAN: 'PL62109010140000071219812874' })).toMatch(/BANK_ACCOUNT_IBAN: check digits/);
    expect(configError({ BANK_TRANSFER_ENABLED: 'true' })).toMatch(/BANK_ACCOUNT_NAME[\s\S]*BANK_ACCOUNT_IBAN/);
  });

  it('gives npm start\'s demo a bank account only when the environment says nothing of bank transfers', () => {
    const stack = (env: Record<string, string>) => loadStackConfig(env, () => DEMO_SECRETS);
    expect(stack({}).bankTransfer).toMatchObject({ accountName: expect.stringMatching(/demo account, do not pay/), currencies: ['PLN'] });
    expect(stack({ BANK_TRANSFER_ENABLED: 'false' }).bankTransfer).toBeUndefined();
    expect(stack({ BANK_TRANSFER_ENABLED: 'true', BANK_ACCOUNT_NAME: 'Sklep', BANK_ACCOUNT_IBAN: 'PL61109010140000071219812874' }).bankTransfer?.accountName).toBe('Sklep');
    // Outside the demo nobody is shown an account that is not the shop's.
    expect(stack({ HOST: '0.0.0.0', ...PUBLISHED }).bankTransfer).toBeUndefined();
  });

  it('has a settlement deadline per provider, bank transfer a week by default', () => {
    const config = loadConfig({ PAYU_SETTLEMENT_SECONDS: '60' });
    expect(config.settlementMs.bank_transfer).toBe(7 * 24 * 3600 * 1000);
    expect(config.settlementMs.payu).toBe(60_000);
  });
});

