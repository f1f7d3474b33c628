import { silentLogger } from '@llm-gateway/spec';
import { Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import { memorySink, records } from './__fixtures__/memory-sink.js';
import { createSinkChain } from './sink-chain.js';
import { createTelemetryMetrics } from './telemetry-metrics.js';

function chainOf(...sinks: ReturnType<typeof memorySink>[]) {
  const registry = new Registry();
  const chain = createSinkChain({
    sinks,
    log: silentLogger,
    metrics: createTelemetryMetrics(registry, () => 0),
    probeIntervalMs: 10,
    probeMaxIntervalMs: 40,
    replayBatchSize: 2,
  });
  return { chain, registry };
}

describe('sink chain', () => {
  it('gives a batch to the first sink, and to the next one when it fails', async () => {
    const primary = memorySink('primary');
    const backup = memorySink('backup');
    const { chain, registry } = chainOf(primary, backup);
    await chain.write(records(2, 'a'));
    primary.down = true;
    await chain.write(records(2, 'b'));
    expect(primary.stored.map((r) => r.request_id)).toEqual(['a-0', 'a-1']);
    expect(backup.stored.map((r) => r.request_id)).toEqual(['b-0', 'b-1']);
    expect(chain.store()).toBe('backup');
    expect(chain.failovers).toBe(1);
    expect(chain.states()[0]).toMatchObject({ healthy: false, last_error: 'primary is down' });
    const text = await registry.metrics();
    expect(text).toContain('gateway_telemetry_failovers_total{sink="primary"} 1');
    expect(text).toContain('gateway_telemetry_written_total{sink="backup"} 2');
    await chain.close();
  });

  it('probes a failed sink in the background and hands batches back to it once it answers', async () => {
    const primary = memorySink('primary');
    const backup = memorySink('backup');
    const { chain } = chainOf(primary, backup);
    primary.down = true;
    await chain.write(records(1, 'a'));
    primary.down = false;
    await vi.waitFor(() => expect(chain.store()).toBe('primary'));
    await chain.write(records(1, 'b'));
    expect(primary.stored.map((r) => r.request_id)).toEqual(['b-0']);
    await chain.close();
  });

  it('throws when no sink takes the batch, so the buffer keeps it', async () => {
    const only = memorySink('only');
    only.down = true;
    const { chain } = chainOf(only);
    await expect(chain.write(records(1))).rejects.toThrow('only is down');
    await expect(chain.write(records(1))).rejects.toThrow('only is down');
    await chain.close();
  });

  it('replays what the spool holds into the store once it is healthy, once, and moves it aside', async () => {
    const mongo = memorySink('mongo');
    const csv = memorySink('csv', { spool: true });
    const { chain, registry } = chainOf(mongo, csv);
    mongo.down = true;
    await chain.write(records(5, 'down'));
    expect(csv.stored).toHaveLength(5);
    mongo.down = false;
    await vi.waitFor(() => expect(chain.replayed).toBe(5));
    expect(mongo.stored.map((r) => r.request_id).sort()).toEqual(records(5, 'down').map((r) => r.request_id));
    expect(csv.stored).toHaveLength(0);
    expect(await chain.replay()).toBe(0);
    expect(await registry.metrics()).toContain('gateway_telemetry_replayed_total{sink="mongo"} 5');
    await chain.close();
  });

  it('leaves the spool in place when the store fails mid-replay; a later replay stores nothing twice', async () => {
    const mongo = memorySink('mongo');
    const csv = memorySink('csv', { spool: true });
    const { chain } = chainOf(mongo, csv);
    await csv.write(records(4, 'held'));
    const write = mongo.write;
    let calls = 0;
    mongo.write = async (batch) => {
      calls += 1;
      await write(batch);
      if (calls === 1) throw new Error('cut mid-replay');
    };
    await expect(chain.replay()).rejects.toThrow('cut mid-replay');
    expect(csv.stored).toHaveLength(4);
    mongo.write = write;
    // The probe finds the store healthy again and the replay runs once more, over the whole file.
    await vi.waitFor(() => expect(csv.stored).toHaveLength(0));
    expect(chain.replayed).toBe(4);
    expect(mongo.stored).toHaveLength(4);
    expect(csv.stored).toHaveLength(0);
    await chain.close();
  });
});
