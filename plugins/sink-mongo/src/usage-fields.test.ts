import { describe, expect, it } from 'vitest';
import { latencyBucket } from './latency-histogram.js';
import { usageFields } from './usage-fields.js';

const base = { request_id: 'r', timestamp: '2026-03-01T10:00:00.000Z', surface: 'openai', endpoint: 'chat' };
const record = { ...base, method: 'POST', status_code: 200, latency_ms: 60, llm_latency_ms: 50 };

describe('usageFields', () => {
  it('buckets the overhead from gateway_overhead_ms when the record has it', () => {
    expect(usageFields({ ...record, gateway_overhead_ms: 0.8 }).overhead_bucket).toBe(latencyBucket(0.8));
  });

  it('falls back to total less LLM time for records stored before the field existed', () => {
    expect(usageFields(record).overhead_bucket).toBe(latencyBucket(10));
  });
});
