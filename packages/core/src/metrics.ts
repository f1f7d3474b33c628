import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus instruments, all registered on one registry. */
export interface GatewayMetrics {
  registry: Registry;
  /** Requests answered, by surface, logical endpoint and HTTP status. */
  requests: Counter<'surface' | 'endpoint' | 'status'>;
  requestDuration: Histogram<'surface' | 'endpoint'>;
  /** Upstream calls by backend and outcome (`success` or the GatewayError type). */
  upstreamRequests: Counter<'backend' | 'outcome'>;
  upstreamDuration: Histogram<'backend'>;
  /** Tokens by backend and kind (`prompt`, `completion`). */
  tokens: Counter<'backend' | 'kind'>;
  inflight: Gauge;
}

export interface MetricsOptions {
  /** Registers default Node process metrics too (default true). */
  defaultMetrics?: boolean;
  /** Labels added to every series, e.g. `{ instance: 'gw-1' }`. */
  defaultLabels?: Record<string, string>;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

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
      labelNames: ['surface', 'endpoint', 'status'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'gateway_request_duration_seconds',
      help: 'Time from request to response end',
      labelNames: ['surface', 'endpoint'],
      buckets: latencyBuckets,
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
    inflight: new Gauge({
      name: 'gateway_inflight_requests',
      help: 'Requests currently being handled',
      registers,
    }),
  };
}
