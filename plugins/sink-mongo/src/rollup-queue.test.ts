import type { TelemetryRecord } from '@llm-gateway/spec';
import { sampleRecords } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { createRollupQueue } from './rollup-queue.js';

describe('rollup queue', () => {
  it('writes one batch at a time, merging what waited meanwhile into the next write', async () => {
    const writes: number[] = [];
    let release = () => {};
    const queue = createRollupQueue(
      async (records: TelemetryRecord[]) => {
        writes.push(records.length);
        if (writes.length === 1) {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
      },
      () => {},
    );
    queue.add(sampleRecords(2, 'a'));
    queue.add(sampleRecords(3, 'b'));
    queue.add(sampleRecords(4, 'c'));
    const settled = queue.settled();
    release();
    await settled;
    expect(writes).toEqual([2, 7]);
  });

  it('leaves records out past its bound of waiting records (the one being written aside), and reports how many', async () => {
    const left: number[] = [];
    const queue = createRollupQueue(
      () => new Promise(() => {}),
      (n) => left.push(n),
      5,
    );
    queue.add(sampleRecords(3, 'a'));
    queue.add(sampleRecords(3, 'b'));
    queue.add(sampleRecords(2, 'c'));
    queue.add(sampleRecords(2, 'd'));
    expect(left).toEqual([2]);
  });
});
