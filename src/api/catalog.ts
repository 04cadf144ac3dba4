// The public catalog: published packages, and one package with its bundle children.
import { createRoute, z } from '@hono/zod-openapi';
import { getPackageBySlug, listPackages } from '../db/catalog.js';
import { DomainError } from '../domain/errors.js';
import type { ApiDeps } from './deps.js';
import { errorResponse } from './errors.js';
import { jsonContent, MoneySchema } from './schemas.js';
import { newRouter } from './router.js';

const PackageSchema = z
  .object({
    id: z.string().uuid(),
    slug: z.string(),
    title: z.string(),
    description: z.string(),
    category: z.string(),
    price: MoneySchema,
    // A union, not .nullable(): on a named schema that renders as allOf [Money, null], which nothing satisfies.
    originalPrice: z.union([MoneySchema, z.null()]),
    featured: z.boolean(),
    isBundle: z.boolean(),
  })
  .openapi('Package');

const PackageDetail = PackageSchema.extend({ children: z.array(PackageSchema) }).openapi('PackageDetail');

const list = createRoute({
  method: 'get',
  path: '/api/v1/packages',
  tags: ['catalog'],
  request: {
    query: z.object({
      category: z.string().min(1).optional(),
      featured: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    }),
  },
  responses: {
    200: jsonContent(z.object({ packages: z.array(PackageSchema) }), 'Published packages'),
    400: errorResponse('Invalid filter'),
  },
});

const detail = createRoute({
  method: 'get',
  path: '/api/v1/packages/{slug}',
  tags: ['catalog'],
  request: { params: z.object({ slug: z.string().min(1).max(200) }) },
  responses: {
    200: jsonContent(PackageDetail, 'The package; a bundle lists its children'),
    404: errorResponse('No published package has this slug'),
  },
});

export function catalogRoutes({ sql }: ApiDeps) {
  return newRouter()
    .openapi(list, async (c) => c.json({ packages: await listPackages(sql, c.req.valid('query')) }, 200))
    .openapi(detail, async (c) => {
      const pkg = await getPackageBySlug(sql, c.req.valid('param').slug);
      if (!pkg) throw new DomainError('package_not_found', 'No published package has this slug.', 'not_found');
      return c.json(pkg, 200);
    });
}
