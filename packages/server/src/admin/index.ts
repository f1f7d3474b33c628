import type { Budgets } from '@llm-gateway/core';
import type { TelemetrySink } from '@llm-gateway/spec';
import type { FastifyInstance } from 'fastify';
import type { ManagedKeyStore } from '../keys/index.js';
import type { AdminSettings } from '../profile/admin-section.js';
import { type AdminCheck, refuseAdmin } from './admin-auth.js';
import { registerBudgetsRoute } from './budgets-route.js';
import { registerDashboardRoute } from './dashboard-route.js';
import { registerKeysRoutes } from './keys-route.js';
import { registerUsageRoute } from './usage-route.js';

export { type AdminCheck, adminCheck } from './admin-auth.js';

/**
 * `/admin/*` behind the admin keys, plus `/metrics` when the profile protects it. Without keys nothing
 * is mounted: `/admin/*` is a plain 404, so an unconfigured gateway does not even show it exists.
 */
export function registerAdmin(
  app: FastifyInstance,
  settings: AdminSettings,
  check: AdminCheck,
  stores: readonly TelemetrySink[],
  budgets?: Budgets,
  keys?: ManagedKeyStore,
): void {
  if (settings.keys.length === 0) return;
  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url ?? '';
    const guarded = url.startsWith('/admin') || (settings.protectMetrics && url === '/metrics');
    if (guarded && !check(request)) return refuseAdmin(reply);
  });
  registerUsageRoute(
    app,
    stores.find((sink) => sink.usage),
  );
  registerBudgetsRoute(app, budgets);
  if (keys) registerKeysRoutes(app, keys);
  registerDashboardRoute(app);
}
