import type { SpooledRecords, TelemetryRecord, TelemetrySink } from '@llm-gateway/spec';

/** A sink in memory that can be switched down; keyed on request_id like MongoDB, or appending like CSV. */
export interface MemorySink extends TelemetrySink {
  stored: TelemetryRecord[];
  down: boolean;
  writes: number;
}

export function memorySink(name: string, options: { spool?: boolean } = {}): MemorySink {
  const sink: MemorySink = {
    name,
    stored: [],
    down: false,
    writes: 0,
    async write(batch) {
      sink.writes += 1;
      if (sink.down) throw new Error(`${name} is down`);
      for (const record of batch) {
        if (options.spool || !sink.stored.some((kept) => kept.request_id === record.request_id))
          sink.stored.push(record);
      }
    },
    healthy: async () => !sink.down,
    close: async () => {},
  };
  if (options.spool) {
    sink.spooled = async (): Promise<SpooledRecords[]> => {
      if (sink.stored.length === 0) return [];
      const held = [...sink.stored];
      return [
        {
          name: `${name}-file`,
          async *batches(size) {
            for (let i = 0; i < held.length; i += size) yield held.slice(i, i + size);
          },
          done: async () => {
            sink.stored = sink.stored.filter((record) => !held.includes(record));
          },
        },
      ];
    };
  }
  return sink;
}

export function records(count: number, prefix = 'r'): TelemetryRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    request_id: `${prefix}-${index}`,
    timestamp: new Date(0).toISOString(),
    surface: 'test',
    endpoint: 'chat',
    method: 'POST',
    status_code: 200,
    latency_ms: 1,
  }));
}
