import {
  type EmbeddingsOutcome,
  type EmbeddingsRequest,
  embeddingsInputs,
  GatewayError,
  type RequestContext,
  type Usage,
} from '@llm-gateway/spec';
import type { EmbedTarget } from './call-target.js';
import { chargeRequest } from './cost/charge.js';
import type { PriceBook } from './cost/price-book.js';
import { type ExecuteStages, executeEmbed } from './execute.js';
import type { Admission } from './limits/admission.js';
import type { GatewayMetrics } from './metrics.js';
import { annotateTarget, beginRoute, callMeta, failedCall } from './route-request.js';
import type { Route, Router } from './router.js';
import { countTokens, isEmptyUsage } from './usage.js';

/** What the embeddings operation shares with chat: routing, the execute stages, admission, metrics. */
export interface EmbedOptions {
  router: Router;
  stages: ExecuteStages;
  embedTarget: EmbedTarget;
  admission?: Admission;
  metrics?: GatewayMetrics;
  /** Prices the embedding's tokens (`costUsd`, `gateway_cost_usd_total`). */
  pricing?: PriceBook;
}

/** The route's targets whose backend has embeddings; a 400 naming the model and backends when none has. */
function embeddingsRoute(route: Route, stages: ExecuteStages): Route {
  const targets = route.targets.filter((target) => stages.backends.get(target.backend)?.embed);
  if (targets.length > 0) return { ...route, targets };
  const names = [...new Set(route.targets.map((target) => target.backend))].join(', ');
  throw new GatewayError(
    'invalid_request',
    `The model '${route.requestedModel}' is served by ${names}, which offers no embeddings.`,
    { code: 'embeddings_not_supported', param: 'model' },
  );
}

/** The upstream's usage, or a tokenizer estimate (token-array inputs count their length). */
async function resolveEmbeddingsUsage(reported: Usage, request: EmbeddingsRequest): Promise<Usage> {
  if (!isEmptyUsage(reported)) return reported;
  let promptTokens = 0;
  for (const input of embeddingsInputs(request.input))
    promptTokens += typeof input === 'string' ? await countTokens(input) : input.length;
  return { promptTokens, completionTokens: 0, totalTokens: promptTokens, estimated: true };
}

/**
 * `Pipeline.embed`: routed, rate-limited and annotated like a chat, run through the same fallback,
 * concurrency, breaker, retry and timeout stages. Not cached (a vector is cheap to ask again).
 */
export function createEmbed(options: EmbedOptions) {
  const { router, stages, embedTarget, admission, metrics } = options;
  return async (request: EmbeddingsRequest, context: RequestContext): Promise<EmbeddingsOutcome> => {
    const startedAt = performance.now();
    let reserved = 0;
    try {
      const route = embeddingsRoute(await beginRoute(router, request.model, context), stages);
      // The day budget is charged after the call; a reservation of one token refuses an exhausted one.
      if (admission) reserved = await admission.admit(context, 1);
      const executed = await executeEmbed(route, request, context, stages, embedTarget);
      context.annotations.llmLatencyMs = performance.now() - startedAt;
      annotateTarget(context, executed);
      const usage = await resolveEmbeddingsUsage(executed.value.usage, request);
      context.annotations.usage = usage;
      metrics?.tokens.inc({ backend: executed.target.backend, kind: 'prompt' }, usage.promptTokens);
      if (options.pricing) chargeRequest(options.pricing, metrics, context, executed.target, usage);
      if (admission && reserved > 0) await admission.settle(context, reserved, usage.totalTokens);
      reserved = 0;
      return { result: { ...executed.value, usage }, meta: callMeta(route.requestedModel, executed) };
    } catch (error) {
      if (admission && reserved > 0) await admission.settle(context, reserved, 0);
      throw failedCall(context, error, startedAt);
    }
  };
}
