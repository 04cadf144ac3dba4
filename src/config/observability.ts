// Operators' settings: metrics endpoints, tracing export, and the payload encryption keys with the codec endpoint's CORS.
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);

export const observabilityEnv = {
  // A separate listener for GET /metrics (the worker always has one; on the API it moves /metrics off the public port).
  METRICS_PORT: port.optional(),
  // Bearer token Prometheus must send to /metrics; without it /metrics is open wherever it is served.
  METRICS_TOKEN: z.string().min(24).optional(),
  // The Temporal SDK's own worker metrics (task slots, poll latency, sticky cache), served by its runtime.
  TEMPORAL_METRICS_PORT: port.optional(),
  // OTLP over HTTP (e.g. http://otel-collector:4318); tracing is off without it.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
  // AES-256-GCM keys for Temporal payloads: `kid:base64key,...`; the first encrypts, all decrypt (rotation).
  PAYLOAD_KEYS: z.string().optional(),
  // Origins allowed to call /codec/* from a browser (the Temporal UI), comma-separated; defaults to TEMPORAL_UI_URL's.
  CODEC_CORS_ORIGINS: z.string().optional(),
};

export interface PayloadKey {
  id: string;
  key: Buffer;
}

export interface ObservabilityConfig {
  metrics: { port?: number; token?: string; temporalPort?: number };
  tracing: { endpoint?: string; serviceName?: string };
  codec: { keys: PayloadKey[]; corsOrigins: string[] };
}

type ObservabilityEnv = z.infer<z.ZodObject<typeof observabilityEnv>>;

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** `kid:base64,...` → keys, or the problems with it; every key is 32 bytes (AES-256) and ids are unique. */
export function parsePayloadKeys(value: string): { keys: PayloadKey[]; problems: string[] } {
  const keys: PayloadKey[] = [];
  const problems: string[] = [];
  for (const [i, entry] of value.split(',').map((s) => s.trim()).filter(Boolean).entries()) {
    const at = entry.indexOf(':');
    const id = at > 0 ? entry.slice(0, at) : '';
    const key = Buffer.from(at > 0 ? entry.slice(at + 1) : '', 'base64');
    // Never echo the entry: it is a secret.
    if (!KEY_ID.test(id)) problems.push(`PAYLOAD_KEYS: entry ${i + 1} needs a key id (letters, digits, . _ -) before the colon`);
    else if (key.length !== 32) problems.push(`PAYLOAD_KEYS: key ${id} must be 32 bytes in base64 (openssl rand -base64 32)`);
    else if (keys.some((k) => k.id === id)) problems.push(`PAYLOAD_KEYS: key id ${id} appears twice`);
    else keys.push({ id, key });
  }
  return { keys, problems };
}

export function observabilityCrossChecks(env: Record<string, string>): string[] {
  const problems = env.PAYLOAD_KEYS ? parsePayloadKeys(env.PAYLOAD_KEYS).problems : [];
  if (env.NODE_ENV === 'production') {
    if (!env.PAYLOAD_KEYS) problems.push('PAYLOAD_KEYS: required in production, so Temporal keeps personal data only encrypted (kid:base64 of 32 random bytes)');
    if (!env.METRICS_PORT && !env.METRICS_TOKEN) problems.push('METRICS_TOKEN: required in production unless METRICS_PORT serves /metrics on a port of its own');
  }
  return problems;
}

export function observabilityConfig(e: ObservabilityEnv, temporalUiUrl: string): ObservabilityConfig {
  return {
    metrics: { port: e.METRICS_PORT, token: e.METRICS_TOKEN, temporalPort: e.TEMPORAL_METRICS_PORT },
    tracing: { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, ''), serviceName: e.OTEL_SERVICE_NAME },
    codec: {
      keys: e.PAYLOAD_KEYS ? parsePayloadKeys(e.PAYLOAD_KEYS).keys : [],
      corsOrigins: (e.CODEC_CORS_ORIGINS ?? new URL(temporalUiUrl).origin).split(',').map((s) => s.trim()).filter(Boolean),
    },
  };
}
