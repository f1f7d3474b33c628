import type { FastifyInstance } from 'fastify';

/** One thing this instance needs before it should get traffic; resolves to true when it is there. */
export interface ReadinessCheck {
  /** The reason named in `/readyz` when the check fails, e.g. `queue_redis_unreachable`. */
  reason: string;
  check(): Promise<boolean>;
}

export interface ProbeOptions {
  checks: readonly ReadinessCheck[];
  /** True from SIGTERM on: the instance finishes what it has and must get no new traffic. */
  draining(): boolean;
  /** How long a check's answer is reused (default 1000 ms): a probe storm costs one store round trip a second. */
  cacheMs?: number;
}

const probeSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    status: { type: 'string' },
    reasons: { type: 'array', items: { type: 'string' } },
  },
} as const;

/**
 * Reuses one answer of `check` for `ttlMs`, and shares it between concurrent callers, so a
 * burst of probes never turns into one store round trip per probe.
 */
export function cachedCheck(check: () => Promise<boolean>, ttlMs: number): () => Promise<boolean> {
  let last: { at: number; answer: Promise<boolean> } | undefined;
  return () => {
    const now = Date.now();
    if (last && now - last.at < ttlMs) return last.answer;
    const answer = check().catch(() => false);
    last = { at: now, answer };
    return answer;
  };
}

/**
 * `GET /livez`: the process serves (no store is asked, so a Redis outage never restarts pods).
 * `GET /readyz`: this instance should get traffic: plugins built (the routes exist only once they
 * are), the stores it needs answer, and it is not draining; 503 names every failing reason.
 * Both unauthenticated, and quiet in the access log (probes come every few seconds).
 */
export function registerProbes(app: FastifyInstance, options: ProbeOptions): void {
  const ttlMs = options.cacheMs ?? 1000;
  const checks = options.checks.map((item) => ({ reason: item.reason, ok: cachedCheck(item.check, ttlMs) }));
  app.get(
    '/livez',
    {
      logLevel: 'warn',
      schema: { summary: 'Liveness: the process serves', tags: ['gateway'], response: { 200: probeSchema } },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      logLevel: 'warn',
      schema: {
        summary: 'Readiness: this instance should get traffic',
        tags: ['gateway'],
        response: { 200: probeSchema, 503: probeSchema },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(checks.map(async (item) => ((await item.ok()) ? [] : [item.reason])));
      const reasons = [...(options.draining() ? ['draining'] : []), ...results.flat()];
      const ready = reasons.length === 0;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', reasons });
    },
  );
}
