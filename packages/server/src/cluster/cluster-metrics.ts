import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'gateway:metrics-request';
const ANSWER = 'gateway:metrics-answer';

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}
interface MetricsAnswer {
  type: typeof ANSWER;
  id: number;
  text?: string;
  error?: string;
}

/** In the primary: a worker's /metrics asks here, prom-client collects every worker's registry and sums them. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker: Worker, message: MetricsRequest) => {
    if (message?.type !== REQUEST) return;
    const answer = (body: Omit<MetricsAnswer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...body });
    };
    aggregator.clusterMetrics().then(
      (text) => answer({ text }),
      (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
}

/**
 * In a worker: answers the primary's collection with this registry, and returns what its /metrics
 * serves in Prometheus form: the whole cluster's sums, or its own figures if the primary does not answer.
 */
export function clusterMetricsText(registry: Registry, timeoutMs = 5_000): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry();
  let sequence = 0;
  const pending = new Map<number, (answer: MetricsAnswer | undefined) => void>();
  process.on('message', (message: MetricsAnswer) => {
    if (message?.type === ANSWER) pending.get(message.id)?.(message);
  });
  return async () => {
    const id = ++sequence;
    const answer = await new Promise<MetricsAnswer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      pending.set(id, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
      if (process.connected) process.send?.({ type: REQUEST, id } satisfies MetricsRequest);
      else resolve(undefined);
    });
    pending.delete(id);
    return answer?.text ?? registry.metrics();
  };
}
