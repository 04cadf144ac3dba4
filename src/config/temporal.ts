// How processes reach Temporal: address and namespace, and TLS, mTLS or an API key for a secured cluster or Temporal Cloud.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envBool } from './envBool.js';

export const temporalEnv = {
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  // TLS with the system's trusted CAs; implied by any of the settings below.
  TEMPORAL_TLS: envBool.optional(),
  // Each of these is PEM text or the path of a PEM file.
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  TEMPORAL_TLS_CA: z.string().optional(),
  // The name the server's certificate must carry, when it differs from the host of TEMPORAL_ADDRESS.
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
};

/** What both Connection.connect (client) and NativeConnection.connect (worker) take besides the address. */
export interface TemporalSecurity {
  tls?: { serverNameOverride?: string; serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } };
  apiKey?: string;
}

const TLS_KEYS = ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA', 'TEMPORAL_TLS_SERVER_NAME', 'TEMPORAL_API_KEY'] as const;

function pem(name: string, value: string): Buffer {
  if (value.includes('-----BEGIN ')) return Buffer.from(value.replace(/\\n/g, '\n'));
  try {
    return readFileSync(value);
  } catch (err) {
    throw new Error(`${name}: neither PEM text nor a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, { cause: err });
  }
}

/** Rules between the Temporal settings, reported with every other configuration problem. */
export function temporalCrossChecks(env: Record<string, string>): string[] {
  const problems: string[] = [];
  if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) problems.push('TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (mTLS): set both or neither');
  if (['false', '0'].includes(env.TEMPORAL_TLS ?? '') && TLS_KEYS.some((k) => env[k])) {
    problems.push(`TEMPORAL_TLS: false contradicts ${TLS_KEYS.filter((k) => env[k]).join(', ')}, which need TLS`);
  }
  for (const key of ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CA'] as const) {
    if (!env[key]) continue;
    try {
      pem(key, env[key]);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems;
}

type TemporalEnv = z.infer<z.ZodObject<typeof temporalEnv>>;

export function temporalSecurity(e: TemporalEnv): TemporalSecurity {
  const wanted = e.TEMPORAL_TLS ?? TLS_KEYS.some((k) => e[k] !== undefined);
  if (!wanted) return {};
  return {
    tls: {
      ...(e.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME } : {}),
      ...(e.TEMPORAL_TLS_CA ? { serverRootCACertificate: pem('TEMPORAL_TLS_CA', e.TEMPORAL_TLS_CA) } : {}),
      ...(e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY
        ? { clientCertPair: { crt: pem('TEMPORAL_TLS_CERT', e.TEMPORAL_TLS_CERT), key: pem('TEMPORAL_TLS_KEY', e.TEMPORAL_TLS_KEY) } }
        : {}),
    },
    ...(e.TEMPORAL_API_KEY ? { apiKey: e.TEMPORAL_API_KEY } : {}),
  };
}
