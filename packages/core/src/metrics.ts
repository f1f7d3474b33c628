import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus instruments, all registered on one registry. */
export interface GatewayMetrics {
  registry: Registry;
  /** Requests answered, by surface, logical endpoint, answering backend (`none` if none) and HTTP status. */
  requests: Counter<'surface' | 'endpoint' | 'backend' | 'status'>;
  requestDuration: Histogram<'surface' | 'endpoint' | 'backend' | 'status'>;
  /** The gateway's own time per request: to the response head, less upstream attempts (Server-Timing `gateway`). */
  gatewayOverhead: Histogram<'surface' | 'endpoint'>;
  /** Upstream calls by backend and outcome (`success` or the GatewayError type). */
  upstreamRequests: Counter<'backend' | 'outcome'>;
  upstreamDuration: Histogram<'backend'>;
  /** Tokens by backend and kind (`prompt`, `completion`). */
  tokens: Counter<'backend' | 'kind'>;
  /** USD spent upstream by backend, upstream model and surface (cache hits add nothing). */
  cost: Counter<'backend' | 'model' | 'surface'>;
  /** Budgets whose soft threshold was crossed (once per budget, scope value and period). */
  budgetSoftCrossed: Counter<'budget'>;
  /** Requests refused because a budget was spent (429 budget_exceeded), by budget. */
  budgetRefusals: Counter<'budget'>;
  inflight: Gauge;
  /** Response cache lookups by result (`hit`, `miss`). */
  cacheLookups: Counter<'result'>;
  /** Circuit breaker state per backend: 0 closed, 1 open, 2 half open. */
  breakerState: Gauge<'backend'>;
  /** Requests refused by the rate limiter, by surface and limit (`requests`, `tokens`). */
  rateLimitRejections: Counter<'surface' | 'limit'>;
  /** Upstream retries by backend. */
  retries: Counter<'backend'>;
  /** Moves to the next target of a fallback chain, by the backend that failed. */
  fallbacks: Counter<'backend'>;
  /** Upstream calls holding a concurrency slot, and requests waiting for one. */
  concurrencyInflight: Gauge;
  concurrencyQueued: Gauge;
  /** Requests refused because no slot freed up in time. */
  concurrencyRejections: Counter;
}

export interface MetricsOptions {
  /** Registers default Node process metrics too (default true). */
  defaultMetrics?: boolean;
  /** Labels added to every series, e.g. `{ instance: 'gw-1' }`. */
  defaultLabels?: Record<string, string>;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
// Overhead is sub-millisecond when all is well: finer buckets at the low end.
const overheadBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Creates a fresh registry with every gateway metric; one per server so tests stay isolated. */
export function createMetrics(options: MetricsOptions = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'gateway_requests_total',
      help: 'Requests answered by the gateway',
      labelNames: ['surface', 'endpoint', 'backend', 'status'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time from request to response end',
      labelNames: ['surface', 'endpoint', 'backend', 'status'],
      buckets: latencyBuckets,
      registers,
    }),
    gatewayOverhead: new Histogram({
      name: 'gateway_overhead_seconds',
      help: "The gateway's own time per request: to the response head, less the upstream attempts",
      labelNames: ['surface', 'endpoint'],
      buckets: overheadBuckets,
      registers,
    }),
    upstreamRequests: new Counter({
      name: 'gateway_upstream_requests_total',
      help: 'Calls to upstream backends by outcome',
      labelNames: ['backend', 'outcome'],
      registers,
    }),
    upstreamDuration: new Histogram({
      name: 'gateway_upstream_duration_seconds',
      help: 'Duration of upstream calls (streams: until the last part)',
      labelNames: ['backend'],
      buckets: latencyBuckets,
      registers,
    }),
    tokens: new Counter({
      name: 'gateway_tokens_total',
      help: 'Tokens processed by backend and kind',
      labelNames: ['backend', 'kind'],
      registers,
    }),
    cost: new Counter({
      name: 'gateway_cost_usd_total',
      help: 'USD spent upstream, at the profile pricing or the maintained price table',
      labelNames: ['backend', 'model', 'surface'],
      registers,
    }),
    budgetSoftCrossed: new Counter({
      name: 'gateway_budget_soft_crossed_total',
      help: 'Budgets whose soft threshold was crossed, once per budget, scope value and period',
      labelNames: ['budget'],
      registers,
    }),
    budgetRefusals: new Counter({
      name: 'gateway_budget_refusals_total',
      help: 'Requests refused because a budget was spent (429 budget_exceeded), by budget',
      labelNames: ['budget'],
      registers,
    }),
    inflight: new Gauge({
      name: 'gateway_inflight_requests',
      help: 'Requests currently being handled',
      registers,
    }),
    cacheLookups: new Counter({
      name: 'gateway_cache_lookups_total',
      help: 'Response cache lookups by result (hit, miss)',
      labelNames: ['result'],
      registers,
    }),
    breakerState: new Gauge({
      name: 'gateway_circuit_breaker_state',
      help: 'Circuit breaker state per backend: 0 closed, 1 open, 2 half open',
      labelNames: ['backend'],
      registers,
    }),
    rateLimitRejections: new Counter({
      name: 'gateway_rate_limit_rejections_total',
      help: 'Requests refused by the rate limiter, by limit (requests, tokens)',
      labelNames: ['surface', 'limit'],
      registers,
    }),
    retries: new Counter({
      name: 'gateway_upstream_retries_total',
      help: 'Upstream calls retried after a retryable failure',
      labelNames: ['backend'],
      registers,
    }),
    fallbacks: new Counter({
      name: 'gateway_fallbacks_total',
      help: 'Requests moved on to the next target of their chain, by the backend that failed',
      labelNames: ['backend'],
      registers,
    }),
    concurrencyInflight: new Gauge({
      name: 'gateway_concurrency_inflight',
      help: 'Upstream calls holding a concurrency slot',
      registers,
    }),
    concurrencyQueued: new Gauge({
      name: 'gateway_concurrency_queued',
      help: 'Requests waiting for a concurrency slot',
      registers,
    }),
    concurrencyRejections: new Counter({
      name: 'gateway_concurrency_rejections_total',
      help: 'Requests refused because no concurrency slot freed up in time',
      registers,
    }),
  };
}
