import { isGatewayError, type TelemetrySink, USAGE_KEYS, type UsageQuery } from '@llm-gateway/spec';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

const usageKey = z.enum(USAGE_KEYS);
const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

/** `GET /admin/usage` query string; unknown parameters are a 400, not silently ignored. */
export const usageQuerySchema = z
  .strictObject({
    from: instant.optional(),
    to: instant.optional(),
    bucket: z.enum(['hour', 'day']).optional(),
    /** Comma-separated keys, e.g. `project,model`. */
    group_by: z
      .string()
      .transform((value) => value.split(',').filter((key) => key !== ''))
      .pipe(z.array(usageKey))
      .optional(),
    ...Object.fromEntries(USAGE_KEYS.map((key) => [key, z.string().min(1).optional()])),
  })
  .transform(
    ({ from, to, bucket, group_by, ...filters }): UsageQuery => ({
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(bucket ? { bucket } : {}),
      groupBy: [...new Set(group_by ?? [])],
      filters: filters as UsageQuery['filters'],
    }),
  );

/** Aggregates from the first telemetry sink that can answer usage queries (the primary store). */
export function registerUsageRoute(app: FastifyInstance, store: TelemetrySink | undefined): void {
  app.get(
    '/admin/usage',
    { schema: { summary: 'Usage aggregated from stored telemetry', tags: ['admin'] } },
    async (request, reply) => {
      const parsed = usageQuerySchema.safeParse(request.query ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
        return reply.code(400).send({
          error: {
            type: 'invalid_request',
            message: `${where}${issue.message}`,
            code: 'invalid_usage_query',
          },
        });
      }
      if (!store?.usage) {
        return reply.code(503).send({
          error: {
            type: 'unavailable',
            message:
              'No telemetry store that answers usage queries is configured (telemetry.sinks: sink-mongo)',
            code: 'usage_store_unavailable',
          },
        });
      }
      const { from, to, bucket, groupBy, filters } = parsed.data;
      let report: Awaited<ReturnType<NonNullable<TelemetrySink['usage']>>>;
      try {
        report = await store.usage(parsed.data);
      } catch (error) {
        // A store's typed refusal (too many raw queries: 429, timed out: 504, unreachable: 503) in this API's shape.
        if (!isGatewayError(error) || error.status < 400 || error.status === 500) throw error;
        return reply
          .code(error.status)
          .headers(error.headers)
          .send({ error: { type: error.type, message: error.message, code: error.code ?? error.type } });
      }
      return {
        query: {
          from: from?.toISOString() ?? null,
          to: to?.toISOString() ?? null,
          bucket: bucket ?? null,
          group_by: groupBy,
          filters,
        },
        ...report,
      };
    },
  );
}
