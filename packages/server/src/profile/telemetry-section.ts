import { z } from 'zod';
import { envBoolean, envNumber } from './coerce.js';
import { pluginInstances } from './plugin-section.js';

/**
 * Telemetry (DESIGN §8): sinks in priority order (the first healthy one takes each batch, the rest
 * are its failover chain), and the in-memory buffer that keeps every write off the request path.
 */
export const telemetrySection = z
  .strictObject({
    sinks: pluginInstances,
    /** A batch is written once this many records wait... */
    batchSize: envNumber(z.number().int().positive().default(500)),
    /** ...or this long after the last write, whichever comes first. */
    flushIntervalMs: envNumber(z.number().int().positive().default(1000)),
    /** Records held in memory at most; what would go past it is dropped, counted and logged. */
    maxBuffered: envNumber(z.number().int().positive().default(100_000)),
    /** First wait before a failed sink is probed again; doubles up to probeMaxIntervalMs. */
    probeIntervalMs: envNumber(z.number().int().positive().default(1000)),
    probeMaxIntervalMs: envNumber(z.number().int().positive().default(30_000)),
    /** Replays records a last-resort sink (CSV) holds into the first store once it is healthy. */
    replay: envBoolean(z.boolean().default(true)),
    /**
     * `memory`: records wait in memory (a SIGKILL loses what waits). `disk`: each record is appended to a
     * file in spoolDir first and the file goes once its records are stored; a killed gateway ships them on restart.
     */
    spool: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.enum(['memory', 'disk']).default('memory'),
    ),
    spoolDir: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.string().min(1).default('telemetry_spool'),
    ),
    /** Records a store refuses one by one (a key it cannot hold) are kept here as JSON lines, not retried. */
    quarantineDir: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.string().min(1).default('telemetry_quarantine'),
    ),
  })
  .prefault({});

export type TelemetrySettings = z.infer<typeof telemetrySection>;
