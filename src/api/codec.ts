// Temporal's codec server protocol (/codec/encode, /codec/decode): the Temporal UI and CLI show operators decrypted payloads.
import { createRoute, z } from '@hono/zod-openapi';
import type { PayloadCodec } from '@temporalio/common';
import { cors } from 'hono/cors';
import { AesGcmCodec } from '../codec/aesGcm.js';
import type { PayloadKey } from '../config/observability.js';
import { errorJson, errorResponse } from './errors.js';
import { requireBearer } from './operatorAuth.js';
import { newRouter } from './router.js';
import { jsonBody, jsonContent } from './schemas.js';

// Temporal's JSON form of a Payload: metadata values and data in base64.
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const Payloads = z
  .object({ payloads: z.array(z.object({ metadata: z.record(z.string(), base64).default({}), data: base64.default('') })).max(1000) })
  .openapi('CodecPayloads');
type JsonPayloads = z.infer<typeof Payloads>['payloads'];

const route = (action: 'encode' | 'decode', description: string) =>
  createRoute({
    method: 'post',
    path: `/codec/${action}`,
    tags: ['operations'],
    description,
    security: [{ adminBearer: [] }],
    request: { body: jsonBody(Payloads) },
    responses: {
      200: jsonContent(Payloads, `The payloads ${action}d`),
      400: errorResponse('Not payloads in Temporal JSON form, or a payload no configured key decrypts'),
      401: errorResponse('No valid admin bearer token'),
    },
  });

const fromJson = (payloads: JsonPayloads) =>
  payloads.map((p) => ({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(p.data, 'base64') }));
const toJson = (payloads: Awaited<ReturnType<PayloadCodec['encode']>>): JsonPayloads =>
  payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  }));

/** Without keys (development) payloads are stored plain: encode and decode hand them back unchanged. */
const identity: PayloadCodec = { encode: async (p) => p, decode: async (p) => p };

export function codecRoutes(options: { keys: PayloadKey[]; corsOrigins: string[]; adminToken?: string }) {
  const codec = options.keys.length > 0 ? new AesGcmCodec(options.keys) : identity;
  const router = newRouter();
  // The browser's preflight carries no token, so CORS answers it before authentication.
  router.use('/codec/*', cors({ origin: options.corsOrigins, allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Content-Type', 'Authorization', 'X-Namespace'], credentials: true, maxAge: 600 }));
  router.use('/codec/*', requireBearer(options.adminToken, 'admin', 'The codec endpoint is disabled: set ADMIN_TOKEN.'));
  return router
    .openapi(route('encode', 'Encrypts payloads as the workers do (Temporal codec server protocol)'), async (c) => c.json({ payloads: toJson(await codec.encode(fromJson(c.req.valid('json').payloads))) }, 200))
    .openapi(route('decode', 'Decrypts payloads for an operator; payloads stored before encryption pass through'), async (c) => {
      try {
        return c.json({ payloads: toJson(await codec.decode(fromJson(c.req.valid('json').payloads))) }, 200);
      } catch (err) {
        // A wrong or retired key, or a tampered payload: say so without details of the ciphertext.
        return errorJson(c, 400, 'undecodable_payload', err instanceof Error && err.message.includes('PAYLOAD_KEYS') ? err.message : 'A payload could not be decrypted with the configured keys.');
      }
    });
}
