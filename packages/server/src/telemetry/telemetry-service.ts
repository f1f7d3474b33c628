import type { Logger, TelemetryRecord, TelemetrySink, TelemetryStatus } from '@llm-gateway/spec';
import type { Registry } from 'prom-client';
import type { TelemetrySettings } from '../profile/telemetry-section.js';
import { createSinkChain, type SinkChain } from './sink-chain.js';
import { createTelemetryBuffer } from './telemetry-buffer.js';
import { createTelemetryMetrics } from './telemetry-metrics.js';

/** Status when no sink is configured: records only reach the debug log. */
export function telemetryStatusOf(service: TelemetryService | undefined, recorded: number): TelemetryStatus {
  if (service) return service.status();
  return { store: null, sinks: [], buffered: 0, recorded, written: 0, dropped: 0, replayed: 0, failovers: 0 };
}

/** The telemetry stage beside the pipeline: records in, batches out to the sink chain, never on the request path. */
export interface TelemetryService {
  record(record: TelemetryRecord): void;
  status(): TelemetryStatus;
  chain: SinkChain;
  /** Writes what is buffered (bounded by `deadline`, epoch ms), then closes the sinks. */
  close(deadline?: number): Promise<void>;
}

export function createTelemetryService(
  settings: TelemetrySettings,
  sinks: readonly TelemetrySink[],
  registry: Registry,
  log: Logger,
): TelemetryService {
  let depth = () => 0;
  const metrics = createTelemetryMetrics(registry, () => depth());
  const chain = createSinkChain({
    sinks,
    log,
    metrics,
    probeIntervalMs: settings.probeIntervalMs,
    probeMaxIntervalMs: settings.probeMaxIntervalMs,
    replayBatchSize: settings.batchSize,
    replay: settings.replay,
  });
  const buffer = createTelemetryBuffer({
    batchSize: settings.batchSize,
    flushIntervalMs: settings.flushIntervalMs,
    maxBuffered: settings.maxBuffered,
    write: (batch) => chain.write(batch),
    onDrop: () => metrics.dropped.inc(),
    log,
  });
  depth = () => buffer.depth;
  let recorded = 0;
  let closing: Promise<void> | undefined;
  // A gateway killed mid-replay resumes it here, on its next start.
  if (settings.replay) void chain.replay().catch(() => {});

  return {
    chain,
    record(record) {
      recorded += 1;
      buffer.push(record);
    },
    status() {
      const sinkStates = chain.states();
      return {
        store: chain.store(),
        sinks: sinkStates,
        buffered: buffer.depth,
        recorded,
        written: sinkStates.reduce((sum, sink) => sum + sink.written, 0),
        dropped: buffer.dropped,
        replayed: chain.replayed,
        failovers: chain.failovers,
      };
    },
    close(deadline) {
      closing ??= (async () => {
        buffer.stop();
        await buffer.flush(deadline);
        await chain.close();
        await Promise.allSettled(sinks.map((sink) => sink.close()));
      })();
      return closing;
    },
  };
}
