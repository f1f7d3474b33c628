import { silentLogger, type TelemetryRecord } from '@llm-gateway/spec';
import { describe, expect, it, vi } from 'vitest';
import { records } from './__fixtures__/memory-sink.js';
import { createTelemetryBuffer } from './telemetry-buffer.js';

function setup(overrides: { batchSize?: number; flushIntervalMs?: number; maxBuffered?: number } = {}) {
  const batches: TelemetryRecord[][] = [];
  let fail = false;
  const errors: unknown[] = [];
  const log = { ...silentLogger, error: (...args: unknown[]) => errors.push(args) };
  let drops = 0;
  const buffer = createTelemetryBuffer({
    batchSize: overrides.batchSize ?? 3,
    flushIntervalMs: overrides.flushIntervalMs ?? 60_000,
    maxBuffered: overrides.maxBuffered ?? 100,
    async write(batch) {
      if (fail) throw new Error('no sink');
      batches.push(batch);
    },
    onDrop: () => {
      drops += 1;
    },
    log,
  });
  return {
    buffer,
    batches,
    errors,
    drops: () => drops,
    setFail: (value: boolean) => {
      fail = value;
    },
  };
}

describe('telemetry buffer', () => {
  it('writes a batch as soon as batchSize records wait, never making push wait', async () => {
    const { buffer, batches } = setup();
    for (const record of records(7)) expect(buffer.push(record)).toBeUndefined();
    await vi.waitFor(() => expect(batches.flat()).toHaveLength(6));
    expect(batches.map((batch) => batch.length)).toEqual([3, 3]);
    expect(buffer.depth).toBe(1);
    buffer.stop();
  });

  it('writes what waits when the interval passes, below batchSize', async () => {
    vi.useFakeTimers();
    try {
      const { buffer, batches } = setup({ batchSize: 500, flushIntervalMs: 1000 });
      for (const record of records(2)) buffer.push(record);
      expect(batches).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1000);
      expect(batches).toEqual([records(2)]);
      buffer.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('still writes after the interval fired on an empty buffer (a stale drain once blocked every write)', async () => {
    vi.useFakeTimers();
    try {
      const { buffer, batches } = setup({ batchSize: 2, flushIntervalMs: 100 });
      await vi.advanceTimersByTimeAsync(250);
      for (const record of records(2)) buffer.push(record);
      await vi.advanceTimersByTimeAsync(0);
      expect(batches).toEqual([records(2)]);
      buffer.push(records(3)[2]!);
      await vi.advanceTimersByTimeAsync(100);
      expect(batches.flat()).toHaveLength(3);
      buffer.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps a batch no sink took and writes it on the next try, in order', async () => {
    const { buffer, batches, setFail } = setup({ batchSize: 2 });
    setFail(true);
    for (const record of records(2)) buffer.push(record);
    await buffer.flush();
    expect(buffer.depth).toBe(2);
    setFail(false);
    await buffer.flush();
    expect(batches).toEqual([records(2)]);
    expect(buffer.depth).toBe(0);
    buffer.stop();
  });

  it('counts and logs at error level what would go past its bound, holding no more than it', async () => {
    const { buffer, setFail, drops, errors } = setup({ batchSize: 2, maxBuffered: 5 });
    setFail(true);
    for (const record of records(8)) buffer.push(record);
    expect(buffer.depth).toBe(5);
    expect(drops()).toBe(3);
    expect(buffer.dropped).toBe(3);
    expect(errors.length).toBeGreaterThan(0);
    buffer.stop();
  });

  it('flush writes everything in batches (shutdown)', async () => {
    const { buffer, batches } = setup({ batchSize: 4 });
    for (const record of records(10)) buffer.push(record);
    await buffer.flush();
    expect(batches.flat()).toEqual(records(10));
    buffer.stop();
  });
});
