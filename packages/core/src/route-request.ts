import {
  type CallMeta,
  GatewayError,
  type Principal,
  type RequestContext,
  toGatewayError,
} from '@llm-gateway/spec';
import type { Executed } from './execute.js';
import type { Route, Router } from './router.js';

/** Resolves the route, keeps the targets the principal may use, and marks the shared annotations. */
export async function beginRoute(
  router: Router,
  model: string | undefined,
  context: RequestContext,
): Promise<Route> {
  const annotations = context.annotations;
  annotations.requestedModel = model || router.defaultModel;
  annotations.cacheHit = false;
  annotations.retries = 0;
  annotations.fallback = false;
  const resolved = await router.resolve(model);
  annotations.requestedModel = resolved.requestedModel;
  const route = allowedRoute(resolved, context.principal);
  annotations.backend = route.targets[0]!.backend;
  annotations.model = route.targets[0]!.model;
  return route;
}

function allowedRoute(route: Route, principal: Principal): Route {
  const allowed = principal.allowedProviders;
  if (!allowed) return route;
  const targets = route.targets.filter((target) => allowed.includes(target.backend));
  if (targets.length > 0) return { ...route, targets };
  const names = [...new Set(route.targets.map((target) => target.backend))].join(', ');
  throw new GatewayError(
    'permission',
    `This credential may not use the provider serving '${route.requestedModel}' (${names})`,
    { code: 'provider_not_allowed', param: 'model' },
  );
}

/** What a surface learns about an executed (not cached) call. */
export function callMeta(requestedModel: string, executed: Executed<unknown>): CallMeta {
  return {
    requestedModel,
    backend: executed.target.backend,
    model: executed.target.model,
    cached: false,
    retries: executed.retries,
    fallback: executed.fallback,
  };
}

/** Records where an executed call went: the target that answered, retries, fallback. */
export function annotateTarget(context: RequestContext, executed: Executed<unknown>): void {
  const annotations = context.annotations;
  annotations.backend = executed.target.backend;
  annotations.model = executed.target.model;
  annotations.retries = executed.retries;
  annotations.fallback = executed.fallback;
}

/** The client-safe error of a failed call, with the failure recorded in the annotations. */
export function failedCall(context: RequestContext, error: unknown, startedAt: number): GatewayError {
  const failure = toGatewayError(error);
  context.annotations.errorType = failure.type;
  if (failure.backend) context.annotations.backend = failure.backend;
  context.annotations.llmLatencyMs ??= performance.now() - startedAt;
  return failure;
}
