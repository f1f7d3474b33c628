import type { Budgets } from '@llm-gateway/core';
import type { FastifyInstance } from 'fastify';

/** `GET /admin/budgets`: each budget's use this period per scope value, and when it resets. */
export function registerBudgetsRoute(app: FastifyInstance, budgets: Budgets | undefined): void {
  app.get(
    '/admin/budgets',
    { schema: { summary: "Each budget's use this period and its reset time", tags: ['admin'] } },
    async () => ({ budgets: budgets ? await budgets.status() : [] }),
  );
}
