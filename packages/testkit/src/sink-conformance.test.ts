import { type SinkPlugin, type TelemetryRecord, z } from '@llm-gateway/spec';
import { describe, expect, it, vi } from 'vitest';
import { sinkConformance } from './sink-conformance.js';

/** A sink keeping records in memory by request id: no health probe and no spool. */
function memorySinkPlugin(): SinkPlugin<Record<string, never>> {
  const stored = new Map<string, TelemetryRecord>();
  return {
    specificationVersion: 'v1',
    kind: 'sink',
    name: 'sink-memory-fixture',
    configSchema: z.object({}).strict() as z.ZodType<Record<string, never>>,
    async create(_config, host) {
      return {
        name: host.instanceName,
        async write(records: TelemetryRecord[]) {
          for (const record of records) stored.set(record.request_id, structuredClone(record));
        },
        async close() {},
        readAll: () => [...stored.values()],
      } as never;
    },
  };
}

const info = vi.spyOn(console, 'info');
sinkConformance({
  plugin: memorySinkPlugin(),
  config: {},
  readBack: async (sink) => (sink as unknown as { readAll(): TelemetryRecord[] }).readAll(),
  idempotent: true,
  capabilities: { health: false, spool: false },
});

describe('sink capabilities', () => {
  it('registers a check of a capability declared lacking as skipped, printing why', () => {
    // The suite registers its checks while vitest collects it, so by now every skip was printed.
    const logged = info.mock.calls.map((call) => String(call[0]));
    info.mockRestore();
    expect(logged).toEqual([
      'sink conformance: skipped "reports itself healthy while its store is reachable": the sink declares capabilities.health: false',
      'sink conformance: skipped "hands spooled records back in batches, and forgets a unit once it is done": the sink declares capabilities.spool: false',
    ]);
  });
});
