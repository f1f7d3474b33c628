import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The telemetry path's Prometheus instruments (`/metrics`). */
export interface TelemetryMetrics {
  written: Counter<'sink'>;
  failovers: Counter<'sink'>;
  replayed: Counter<'sink'>;
  dropped: Counter;
  quarantined: Counter<'sink'>;
  lost: Counter;
  batchWrite: Histogram<'sink'>;
  sinkHealthy: Gauge<'sink'>;
}

export function createTelemetryMetrics(registry: Registry, bufferDepth: () => number): TelemetryMetrics {
  const registers = [registry];
  new Gauge({
    name: 'gateway_telemetry_buffer_depth',
    help: 'Telemetry records waiting in memory for a sink',
    registers,
    collect() {
      this.set(bufferDepth());
    },
  });
  return {
    written: new Counter({
      name: 'gateway_telemetry_written_total',
      help: 'Telemetry records written, by sink',
      labelNames: ['sink'],
      registers,
    }),
    failovers: new Counter({
      name: 'gateway_telemetry_failovers_total',
      help: 'Batches a sink failed to take, passed on to the next sink, by the sink that failed',
      labelNames: ['sink'],
      registers,
    }),
    replayed: new Counter({
      name: 'gateway_telemetry_replayed_total',
      help: 'Spooled telemetry records replayed into a store, by the store',
      labelNames: ['sink'],
      registers,
    }),
    dropped: new Counter({
      name: 'gateway_telemetry_dropped_total',
      help: 'Telemetry records dropped because the buffer was full',
      registers,
    }),
    quarantined: new Counter({
      name: 'gateway_telemetry_quarantined_total',
      help: 'Telemetry records a store refused one by one, kept in the quarantine directory, by sink',
      labelNames: ['sink'],
      registers,
    }),
    lost: new Counter({
      name: 'gateway_telemetry_lost_total',
      help: 'Telemetry records lost for good (refused by the store and not quarantined: no disk space)',
      registers,
    }),
    batchWrite: new Histogram({
      name: 'gateway_telemetry_batch_write_seconds',
      help: 'Time to write one telemetry batch, by sink',
      labelNames: ['sink'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    sinkHealthy: new Gauge({
      name: 'gateway_telemetry_sink_healthy',
      help: '1 when the sink takes batches, 0 while it is failing',
      labelNames: ['sink'],
      registers,
    }),
  };
}
