import type { Logger, TelemetrySink } from '@llm-gateway/spec';
import { Registry } from 'prom-client';
import { loadProfile, resolveProfilePath } from '../profile/load-profile.js';
import { createLogger } from '../server/logger.js';
import { createSinks } from '../telemetry/create-sinks.js';
import { createQuarantine, type Quarantine } from '../telemetry/quarantine.js';
import { createSinkChain, type SinkChain } from '../telemetry/sink-chain.js';
import { createTelemetryMetrics } from '../telemetry/telemetry-metrics.js';
import type { CliIo } from './io.js';

/**
 * `gateway telemetry replay`: moves CSV-spooled records into the first reachable store, by hand, and says
 * what the quarantine holds; `replay-quarantine` tries the quarantined records again (refused ones stay).
 */
export async function telemetryCommand(
  action: string | undefined,
  profileArg: string | undefined,
  io: CliIo,
): Promise<number> {
  if (action !== 'replay' && action !== 'replay-quarantine') {
    io.stderr(`gateway telemetry: unknown action '${action ?? ''}' (expected: replay, replay-quarantine)`);
    return 1;
  }
  const file = resolveProfilePath({ profile: profileArg, env: io.env, cwd: io.cwd });
  const profile = await loadProfile(file, { env: io.env });
  const log = createLogger({
    level: 'warn',
    stream: { write: (line: string) => io.stderr(`warning: ${JSON.parse(line).msg ?? line}`) },
  }) as unknown as Logger;
  const { sinks } = await createSinks(profile.telemetry, log, {
    source: profile.source ?? file,
    log,
    cwd: io.cwd,
  });
  try {
    const reachable: TelemetrySink[] = [];
    for (const sink of sinks) if (await answers(sink)) reachable.push(sink);
    const spools = reachable.filter((sink) => sink.spooled);
    const store = reachable.find((sink) => !sink.spooled);
    const files = (await Promise.all(spools.map((sink) => sink.spooled!()))).flat().length;
    if (!store) {
      io.stderr('gateway telemetry replay: no store (MongoDB sink) is configured and reachable');
      return 1;
    }
    const quarantine = createQuarantine(profile.telemetry.quarantineDir, log);
    const chain = createSinkChain({
      quarantine,
      sinks: reachable,
      log,
      metrics: createTelemetryMetrics(new Registry(), () => 0),
      probeIntervalMs: profile.telemetry.probeIntervalMs,
      probeMaxIntervalMs: profile.telemetry.probeMaxIntervalMs,
      replayBatchSize: profile.telemetry.batchSize,
      replay: false,
    });
    if (action === 'replay-quarantine') {
      const moved = await replayQuarantine(quarantine, chain).finally(() => chain.close());
      io.stdout(`replayed ${moved.records} quarantined records from ${moved.files} files into ${store.name}`);
    } else {
      const moved = await chain.replay().finally(() => chain.close());
      io.stdout(`replayed ${moved} records from ${files} files into ${store.name}`);
    }
    const held = await quarantine.onDisk();
    if (held > 0) {
      io.stdout(
        `quarantined: ${held} records the store refused, one JSON line each in ${quarantine.dir} ` +
          "(fix them, then 'gateway telemetry replay-quarantine')",
      );
    }
    return 0;
  } finally {
    await Promise.allSettled(sinks.map((sink) => sink.close()));
  }
}

/** Writes each quarantine file's records again; what the store still refuses goes to a new quarantine file. */
async function replayQuarantine(quarantine: Quarantine, chain: SinkChain) {
  let records = 0;
  const units = await quarantine.files();
  for (const unit of units) {
    for await (const batch of unit.batches(500)) {
      await chain.write(batch);
      records += batch.length;
    }
    await unit.done();
  }
  return { records, files: units.length };
}

/** A by-hand command can wait: a store that is starting or busy gets three tries before it counts as down. */
async function answers(sink: TelemetrySink, tries = 3): Promise<boolean> {
  if (!sink.healthy) return true;
  for (let attempt = 0; attempt < tries; attempt += 1) if (await sink.healthy()) return true;
  return false;
}
