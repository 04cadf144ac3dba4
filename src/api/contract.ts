// The OpenAPI document completed with what the edge does to every operation, so the document and the API agree.
import type { OpenAPIHono } from '@hono/zod-openapi';

type OpenAPIObject = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

type Schema = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const ERROR = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

const NO_NUL = '^[^\\u0000]*$';

/**
 * Text PostgreSQL cannot store is refused at the edge (edge.ts), so every free-text string says it holds no NUL.
 * The length goes into the pattern too: a fuzzer that generates from the pattern then meets the bounds by itself.
 */
function storableStrings(schema: unknown): void {
  if (!schema || typeof schema !== 'object') return;
  if (Array.isArray(schema)) return schema.forEach(storableStrings);
  const s = schema as Schema;
  const isString = s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string'));
  if (isString && s.format === undefined && s.enum === undefined && s.const === undefined) {
    if (s.pattern === undefined) s.pattern = `^[^\\u0000]{${(s.minLength as number | undefined) ?? 0},${(s.maxLength as number | undefined) ?? ''}}$`;
    // A schema has one `pattern`; a string that already says what it must hold says "and no NUL" beside it.
    else s.allOf = [...((s.allOf as unknown[] | undefined) ?? []), { pattern: NO_NUL }];
  }
  for (const value of Object.values(s)) storableStrings(value);
}

/**
 * Statuses any operation can answer from the edge: 400 (a request outside this document, or unstorable text),
 * 413 (a body over the limit) and 503 (the database or the workflow service is away).
 */
function edgeResponses(operation: { responses?: Record<string, unknown>; requestBody?: unknown }): void {
  const responses = (operation.responses ??= {});
  responses['400'] ??= { ...ERROR, description: 'The request does not match this document, or holds text that cannot be stored (NUL, an unpaired surrogate)' };
  if (operation.requestBody) responses['413'] ??= { ...ERROR, description: '`payload_too_large`: the body is over the size limit' };
  responses['503'] ??= { ...ERROR, description: 'The database or the workflow service is unavailable; try again shortly' };
}

export function withEdgeRules(doc: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, unknown>)[method];
      if (operation) edgeResponses(operation as Parameters<typeof edgeResponses>[0]);
    }
  }
  storableStrings(doc.paths);
  storableStrings(doc.components?.schemas);
  return doc;
}
