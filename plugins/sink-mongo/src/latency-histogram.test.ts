import { describe, expect, it } from 'vitest';
import { addCount, bucketValue, type Histogram, latencyBucket, percentiles } from './latency-histogram.js';

describe('latency histogram', () => {
  it('reads nearest-rank percentiles within 4% of the true values', () => {
    const histogram: Histogram = new Map();
    for (let ms = 1; ms <= 1000; ms += 1) addCount(histogram, latencyBucket(ms), 1);
    const { p50, p95, p99 } = percentiles(histogram);
    expect(p50! / 500).toBeGreaterThanOrEqual(1);
    expect(p50! / 500).toBeLessThan(1.04);
    expect(p95! / 950).toBeLessThan(1.04);
    expect(p99! / 990).toBeGreaterThanOrEqual(1);
  });

  it('has no percentiles without latencies, and 0 ms in bucket 0', () => {
    expect(percentiles(new Map())).toEqual({ p50: null, p95: null, p99: null });
    expect(bucketValue(latencyBucket(0))).toBe(0);
  });
});
