import {
  isDisabled,
  type PluginHost,
  type SinkPlugin,
  silentLogger,
  type TelemetryRecord,
  type TelemetrySink,
} from '@llm-gateway/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkNeeding } from './capability-check.js';

/**
 * What the sink offers; a check of a capability it declares it lacks is skipped with the reason
 * printed. Each defaults to true; a sink without the member still passes its check as before.
 */
export interface SinkCapabilities {
  /** `healthy()`: the health check. */
  health?: boolean;
  /** `spooled()`: the spool read-back check (a sink that keeps nothing to hand back). */
  spool?: boolean;
}

export interface SinkConformanceOptions<Config> {
  /** Suite title; defaults to the plugin's name. */
  name?: string;
  plugin: SinkPlugin<Config>;
  /** Raw profile config, or a function run in beforeAll (start a server, make a directory). */
  config: unknown | (() => Promise<unknown>);
  /** Every record the sink stores now, in any order (the test reads the store itself). */
  readBack(sink: TelemetrySink): Promise<TelemetryRecord[]>;
  /** Whether a repeated write stores each record once (a store keyed on request_id) or appends it again. */
  idempotent: boolean;
  /** Configs the schema must refuse; defaults to a number and a string. */
  invalidConfigs?: unknown[];
  /** Run in afterAll (stop the server, remove the directory). */
  cleanup?(): Promise<void>;
  /** What the sink offers (default: everything); checks of what it lacks are skipped, saying why. */
  capabilities?: SinkCapabilities;
}

let sequence = 0;

/** Records with every field set, and text a CSV or a spreadsheet could get wrong. */
export function sampleRecords(count: number, prefix = 'conf'): TelemetryRecord[] {
  const run = `${prefix}-${process.pid}-${++sequence}`;
  return Array.from({ length: count }, (_, index) => ({
    request_id: `${run}-${index}`,
    timestamp: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, index % 1000)).toISOString(),
    surface: 'openai',
    endpoint: 'chat.completions',
    method: 'POST',
    status_code: index % 7 === 0 ? 429 : 200,
    principal_id: index % 3 === 0 ? '=HYPERLINK("http://x","y")' : `user-${index}`,
    principal_kind: 'api_key',
    principal_key: `keys:user-${index}`,
    project_name: 'risk, "analysis"\nline two',
    target_service: '+backend',
    model: '@gpt-4o ünïcödé',
    latency_ms: 12.345,
    llm_latency_ms: 10.5,
    time_to_first_token_ms: 3.25,
    gateway_overhead_ms: 0.125,
    queue_wait_ms: 0,
    prompt_tokens: 11,
    completion_tokens: 22,
    total_tokens: 33,
    tokens_estimated: index % 2 === 0,
    request_size: 120,
    response_size: 340,
    cache_hit: false,
    retries: 1,
    fallback: true,
    error_type: '-rate_limited',
    event: { event_type: 'feedback', rating: 5, nested: { ok: true, text: '=1+1' } },
  }));
}

/** Order-free comparison by request id. */
function byId(records: TelemetryRecord[]): Map<string, TelemetryRecord[]> {
  const map = new Map<string, TelemetryRecord[]>();
  for (const record of records) map.set(record.request_id, [...(map.get(record.request_id) ?? []), record]);
  return map;
}

/**
 * One suite for every telemetry sink plugin: config validation, field-exact storage (CSV-hostile
 * text included), empty and large batches, repeated writes, health, spool read-back and close.
 */
export function sinkConformance<Config>(options: SinkConformanceOptions<Config>): void {
  const { plugin } = options;
  describe(`sink conformance: ${options.name ?? plugin.name}`, () => {
    let sink: TelemetrySink;
    const host: PluginHost = { instanceName: 'conformance', log: silentLogger };

    beforeAll(async () => {
      const raw = typeof options.config === 'function' ? await options.config() : options.config;
      const created = await plugin.create(plugin.configSchema.parse(raw), host);
      if (isDisabled(created)) throw new Error(`the sink is disabled: ${created.reason}`);
      sink = created;
    }, 60_000);

    afterAll(async () => {
      await sink?.close();
      await options.cleanup?.();
    }, 60_000);

    it('is a sink plugin whose schema refuses malformed configs', () => {
      expect(plugin).toMatchObject({ specificationVersion: 'v1', kind: 'sink' });
      for (const bad of options.invalidConfigs ?? [42, 'text'])
        expect(plugin.configSchema.safeParse(bad).success).toBe(false);
      expect(sink.name).toBe('conformance');
    });

    it('stores every field of every record as it was given', async () => {
      const records = sampleRecords(25);
      await sink.write(records);
      const stored = byId(await options.readBack(sink));
      for (const record of records) expect(stored.get(record.request_id)).toEqual([record]);
    });

    it('takes an empty batch without storing anything, and a large one whole', async () => {
      const before = (await options.readBack(sink)).length;
      await sink.write([]);
      expect((await options.readBack(sink)).length).toBe(before);
      const large = sampleRecords(1500, 'large');
      await sink.write(large);
      const stored = byId(await options.readBack(sink));
      expect(large.every((record) => stored.get(record.request_id)?.length === 1)).toBe(true);
    });

    it(options.idempotent ? 'stores a repeated record once' : 'takes a repeated batch again', async () => {
      const records = sampleRecords(5, 'repeat');
      await sink.write(records);
      await sink.write(records);
      const stored = byId(await options.readBack(sink));
      for (const record of records)
        expect(stored.get(record.request_id)).toHaveLength(options.idempotent ? 1 : 2);
    });

    checkNeeding(
      'sink',
      options.capabilities,
      'health',
      'reports itself healthy while its store is reachable',
      async () => {
        if (sink.healthy) expect(await sink.healthy()).toBe(true);
      },
    );

    checkNeeding(
      'sink',
      options.capabilities,
      'spool',
      'hands spooled records back in batches, and forgets a unit once it is done',
      async () => {
        if (!sink.spooled) return;
        const records = sampleRecords(7, 'spool');
        await sink.write(records);
        const units = await sink.spooled();
        expect(units.length).toBeGreaterThan(0);
        const seen: TelemetryRecord[] = [];
        for (const unit of units) {
          for await (const batch of unit.batches(3)) {
            expect(batch.length).toBeLessThanOrEqual(3);
            seen.push(...batch);
          }
        }
        const read = byId(seen);
        for (const record of records) expect(read.get(record.request_id)).toEqual([record]);
        for (const unit of units) await unit.done();
        expect(await sink.spooled()).toEqual([]);
        expect(await options.readBack(sink)).toEqual([]);
      },
    );
  });
}
