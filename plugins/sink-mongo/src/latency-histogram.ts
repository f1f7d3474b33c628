/**
 * Latency percentiles from counts per log-spaced bucket: FerretDB has no $percentile, $push or arithmetic
 * operators, so the store only counts records per bucket and percentiles are read off the counts here.
 */
const GROWTH = 1.04;

/** The bucket of a latency; each bucket's upper bound is 4% above its lower one. */
export function latencyBucket(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.ceil(Math.log1p(ms) / Math.log(GROWTH));
}

/** The upper bound of a bucket, in ms: a percentile is reported within 4% of its true value. */
export function bucketValue(bucket: number): number {
  return Math.round((GROWTH ** bucket - 1) * 10) / 10;
}

export type Histogram = Map<number, number>;

export function addCount(histogram: Histogram, bucket: number, count: number): void {
  histogram.set(bucket, (histogram.get(bucket) ?? 0) + count);
}

/** Nearest-rank percentile (`p` in 0..1) of the counted latencies; null when there are none. */
export function percentile(histogram: Histogram, p: number): number | null {
  const total = [...histogram.values()].reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const bucket of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(bucket)!;
    if (seen >= rank) return bucketValue(bucket);
  }
  return null;
}

export function percentiles(histogram: Histogram) {
  return {
    p50: percentile(histogram, 0.5),
    p95: percentile(histogram, 0.95),
    p99: percentile(histogram, 0.99),
  };
}
