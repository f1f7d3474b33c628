import { takeTurns } from '@llm-gateway/plugin-kit';
import type { Logger, RejectedRecord, TelemetryRecord, TelemetrySink } from '@llm-gateway/spec';
import type { Quarantine } from './quarantine.js';
import type { TelemetryMetrics } from './telemetry-metrics.js';

export interface SinkState {
  name: string;
  healthy: boolean;
  last_error: string | null;
  written: number;
}

export interface SinkChainOptions {
  /** Enabled sinks in priority order. */
  sinks: readonly TelemetrySink[];
  log: Logger;
  metrics: TelemetryMetrics;
  probeIntervalMs: number;
  probeMaxIntervalMs: number;
  /** Records per replayed batch. */
  replayBatchSize: number;
  /** Replays spooled records whenever a store becomes healthy (default true). */
  replay?: boolean;
  /** Where records a store refuses one by one are kept; without it they are counted as lost. */
  quarantine?: Quarantine;
}

export interface SinkChain {
  /** Gives the batch to the first healthy sink, failing over down the chain; throws when none takes it. */
  write(batch: TelemetryRecord[]): Promise<void>;
  /** Moves what spooling sinks hold into the first healthy store; resolves to the records moved. */
  replay(): Promise<number>;
  /** The sink batches go to now. */
  store(): string | null;
  states(): SinkState[];
  readonly failovers: number;
  readonly replayed: number;
  /** Records a store refused that could not be quarantined either. */
  readonly lost: number;
  close(): Promise<void>;
}

interface Entry {
  sink: TelemetrySink;
  state: SinkState;
  backoffMs: number;
  probe?: NodeJS.Timeout;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createSinkChain(options: SinkChainOptions): SinkChain {
  const { log, metrics } = options;
  const entries: Entry[] = options.sinks.map((sink) => ({
    sink,
    state: { name: sink.name, healthy: true, last_error: null, written: 0 },
    backoffMs: options.probeIntervalMs,
  }));
  for (const entry of entries) metrics.sinkHealthy.set({ sink: entry.sink.name }, 1);
  const stores = entries.filter((entry) => entry.sink.spooled === undefined);
  const spools = entries.filter((entry) => entry.sink.spooled !== undefined);
  let failovers = 0;
  let replayed = 0;
  let lost = 0;
  let closed = false;
  // Writes and replays take turns, so a spool file is never moved aside while a batch goes into it.
  const exclusive = takeTurns();

  const markHealthy = (entry: Entry) => {
    if (entry.state.healthy) return;
    entry.state.healthy = true;
    entry.backoffMs = options.probeIntervalMs;
    metrics.sinkHealthy.set({ sink: entry.sink.name }, 1);
    log.info(`telemetry sink ${entry.sink.name} is healthy again`);
    if (options.replay !== false && entry.sink.spooled === undefined) void replay();
  };

  const schedueProbe = (entry: Entry) => {
    if (closed || entry.probe) return;
    entry.probe = setTimeout(async () => {
      entry.probe = undefined;
      const ok = await (entry.sink.healthy?.() ?? Promise.resolve(true)).catch(() => false);
      if (ok) return markHealthy(entry);
      entry.backoffMs = Math.min(entry.backoffMs * 2, options.probeMaxIntervalMs);
      schedueProbe(entry);
    }, entry.backoffMs);
    entry.probe.unref();
  };

  const markFailed = (entry: Entry, error: unknown) => {
    entry.state.last_error = message(error);
    if (entry.state.healthy) {
      entry.state.healthy = false;
      metrics.sinkHealthy.set({ sink: entry.sink.name }, 0);
      log.warn({ err: error }, `telemetry sink ${entry.sink.name} failed; trying the next one`);
    }
    schedueProbe(entry);
  };

  // A record the store refused on its own costs only itself: kept aside, the sink stays in use.
  const setAside = async (entry: Entry, rejected: readonly RejectedRecord[]) => {
    const kept = (await options.quarantine?.add(entry.sink.name, rejected)) ?? false;
    if (kept) metrics.quarantined.inc({ sink: entry.sink.name }, rejected.length);
    else {
      lost += rejected.length;
      metrics.lost.inc(rejected.length);
    }
  };

  const writeTo = async (entry: Entry, batch: TelemetryRecord[]) => {
    const end = metrics.batchWrite.startTimer({ sink: entry.sink.name });
    const rejected = (await entry.sink.write(batch))?.rejected ?? [];
    end();
    if (rejected.length > 0) await setAside(entry, rejected);
    entry.state.written += batch.length - rejected.length;
    metrics.written.inc({ sink: entry.sink.name }, batch.length - rejected.length);
  };

  // First healthy entry takes it; with none healthy the last one is tried anyway, as a last resort.
  const writeChain = async (chain: readonly Entry[], batch: TelemetryRecord[]): Promise<Entry> => {
    const healthy = chain.filter((entry) => entry.state.healthy);
    const candidates = healthy.length > 0 ? healthy : chain.slice(-1);
    let lastError: unknown = new Error('no telemetry sink is configured');
    for (const entry of candidates) {
      try {
        await writeTo(entry, batch);
        markHealthy(entry);
        return entry;
      } catch (error) {
        lastError = error;
        markFailed(entry, error);
        failovers += 1;
        metrics.failovers.inc({ sink: entry.sink.name });
      }
    }
    throw lastError;
  };

  async function replayOnce(): Promise<number> {
    if (!stores.some((entry) => entry.state.healthy)) return 0;
    let moved = 0;
    for (const spool of spools) {
      for (const unit of await spool.sink.spooled!()) {
        let count = 0;
        for await (const batch of unit.batches(options.replayBatchSize)) {
          const store = await writeChain(stores, batch);
          metrics.replayed.inc({ sink: store.sink.name }, batch.length);
          count += batch.length;
        }
        await unit.done();
        moved += count;
        replayed += count;
        log.info({ records: count, from: unit.name }, 'telemetry spool replayed');
      }
    }
    return moved;
  }

  function replay(): Promise<number> {
    return exclusive(replayOnce).catch((error: unknown) => {
      log.warn({ err: error }, 'telemetry replay stopped; it resumes when a store is healthy again');
      return 0;
    });
  }

  return {
    write: (batch) => exclusive(() => writeChain(entries, batch)).then(() => undefined),
    replay: () => exclusive(replayOnce),
    store: () => entries.find((entry) => entry.state.healthy)?.sink.name ?? null,
    states: () => entries.map((entry) => ({ ...entry.state })),
    get failovers() {
      return failovers;
    },
    get replayed() {
      return replayed;
    },
    get lost() {
      return lost;
    },
    async close() {
      closed = true;
      for (const entry of entries) clearTimeout(entry.probe);
      // Queued after every write and replay already given: settles once they have.
      await exclusive(async () => {});
    },
  };
}
