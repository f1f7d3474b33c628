import type { Logger, TelemetryRecord, TelemetrySink, TelemetryStatus } from '@llm-gateway/spec';
import type { Registry } from 'prom-client';
import type { TelemetrySettings } from '../profile/telemetry-section.js';
import { createDiskSpool } from './disk-spool.js';
import { createQuarantine } from './quarantine.js';
import { createRateLimitedLog, fsFacts } from './rate-limited-log.js';
import { createSinkChain, type SinkChain } from './sink-chain.js';
import { createTelemetryBuffer } from './telemetry-buffer.js';
import { createTelemetryMetrics } from './telemetry-metrics.js';

/** Status when no sink is configured: records only reach the debug log. */
export function telemetryStatusOf(service: TelemetryService | undefined, recorded: number): TelemetryStatus {
  if (service) return service.status();
  return {
    store: null,
    sinks: [],
    buffered: 0,
    recorded,
    written: 0,
    dropped: 0,
    replayed: 0,
    failovers: 0,
    quarantined: 0,
    lost: 0,
  };
}

/** The telemetry stage beside the pipeline: records in, batches out to the sink chain, never on the request path. */
export interface TelemetryService {
  record(record: TelemetryRecord): void;
  status(): TelemetryStatus;
  chain: SinkChain;
  /** True with `spool: disk`: `record` has put the record on disk when it returns. */
  durable: boolean;
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
  const quarantine = createQuarantine(settings.quarantineDir, log);
  const chain = createSinkChain({
    quarantine,
    sinks,
    log,
    metrics,
    probeIntervalMs: settings.probeIntervalMs,
    probeMaxIntervalMs: settings.probeMaxIntervalMs,
    replayBatchSize: settings.batchSize,
    replay: settings.replay,
  });
  const spool =
    settings.spool === 'disk' ? createDiskSpool(settings.spoolDir, settings.batchSize * 20, log) : undefined;
  const buffer = createTelemetryBuffer({
    batchSize: settings.batchSize,
    flushIntervalMs: settings.flushIntervalMs,
    maxBuffered: settings.maxBuffered,
    async write(batch) {
      await chain.write(batch);
      spool?.ack(batch);
    },
    onDrop: () => metrics.dropped.inc(),
    log,
  });
  depth = () => buffer.depth;
  for (const record of spool?.recover() ?? []) buffer.push(record);
  let recorded = 0;
  // A full disk fails every append: one line per interval, not a stack per record.
  const spoolFailed = createRateLimitedLog(log);
  let closing: Promise<void> | undefined;
  // A gateway killed mid-replay resumes it here, on its next start.
  if (settings.replay) void chain.replay().catch(() => {});

  return {
    chain,
    durable: spool !== undefined,
    record(record) {
      recorded += 1;
      try {
        spool?.append(record);
      } catch (error) {
        spoolFailed('error', fsFacts(error), 'telemetry spool append failed; records wait in memory only');
      }
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
        quarantined: quarantine.count(),
        quarantine_dir: quarantine.dir,
        lost: chain.lost,
      };
    },
    close(deadline) {
      closing ??= (async () => {
        buffer.stop();
        await buffer.flush(deadline);
        spool?.close();
        await chain.close();
        await Promise.allSettled(sinks.map((sink) => sink.close()));
      })();
      return closing;
    },
  };
}
