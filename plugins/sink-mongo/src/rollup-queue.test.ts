import { sampleRecords } from '@llm-gateway/testkit';
import { describe, expect, it } from 'vitest';
import { createRollupQueue } from './rollup-queue.js';

describe('rollup queue', () => {
  it('writes one batch at a time, each under its own id (a batch id is what makes a rollup write idempotent)', async () => {
    const writes: string[] = [];
    let release = () => {};
    const queue = createRollupQueue(
      async ({ batch, records }) => {
        writes.push(`${batch}:${records.length}`);
        if (writes.length === 1) {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
      },
      () => {},
    );
    queue.add({ batch: 'a', records: sampleRecords(2, 'a') });
    queue.add({ batch: 'b', records: sampleRecords(3, 'b') });
    queue.add({ batch: 'c', records: sampleRecords(4, 'c') });
    const settled = queue.settled();
    release();
    await settled;
    expect(writes).toEqual(['a:2', 'b:3', 'c:4']);
  });

  it('leaves records out past its bound of waiting records (the one being written aside), and reports how many', async () => {
    const left: number[] = [];
    const queue = createRollupQueue(
      () => new Promise(() => {}),
      (n) => left.push(n),
      5,
    );
    queue.add({ batch: 'a', records: sampleRecords(3, 'a') });
    queue.add({ batch: 'b', records: sampleRecords(3, 'b') });
    queue.add({ batch: 'c', records: sampleRecords(2, 'c') });
    queue.add({ batch: 'd', records: sampleRecords(2, 'd') });
    expect(left).toEqual([2]);
  });
});
