export * from './cache/index.js';
export type {
  Attempt,
  CallTarget,
  CallTargetOptions,
  EmbedTarget,
  OpenedStream,
  OpenTarget,
} from './call-target.js';
export { createCallTarget, createEmbedTarget, createOpenTarget } from './call-target.js';
export * from './cost/index.js';
export type { Executed, ExecuteStages, ExecutionPlan, RetrySettings } from './execute.js';
export { executeChat, executeEmbed, executeStream } from './execute.js';
export * from './limits/index.js';
export type { GatewayMetrics, MetricsOptions } from './metrics.js';
export { createMetrics } from './metrics.js';
export type { GatewayPipeline, PipelineCacheOptions, PipelineOptions } from './pipeline.js';
export { createPipeline, principalKey } from './pipeline.js';
export * from './resilience/index.js';
export type {
  ResolvedTarget,
  Route,
  RouteEntry,
  RoutePlanEntry,
  RouterOptions,
  RouteStrategy,
  RouteTarget,
  RoutingConfig,
} from './router.js';
export { normalizeRouteEntry, Router, routeStrategy } from './router.js';
export { classifyCallError, raceSignal } from './signals.js';
export { createTaskHandler, type TaskRunEnd, type TaskRunnerOptions } from './task-runner.js';
export {
  BoundedTokenCounter,
  defaultTokenCountLimits,
  estimateTokens,
  exactParts,
  slicesOf,
  type TokenCountLimits,
  type Tokenizer,
} from './token-count.js';
export { TokenizerWorker, type TokenizerWorkerOptions } from './tokenizer-worker.js';
export {
  errorTypeOf,
  failSpan,
  gatewayTracer,
  inSpan,
  type TargetTracingOptions,
  type TargetWrappers,
  traceHeaders,
  tracePipelineOptions,
  traceRateLimiter,
  traceResponseCache,
  tracerName,
  traceTargets,
} from './tracing.js';
export {
  closeTokenizer,
  countPromptTokens,
  countTokens,
  isEmptyUsage,
  loadTokenizer,
  resolveUsage,
  tokenizerStarted,
} from './usage.js';
