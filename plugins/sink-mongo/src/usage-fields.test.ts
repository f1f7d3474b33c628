import type { TelemetryRecord } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { latencyBucket } from './latency-histogram.js';
import { usageFields } from './usage-fields.js';

const record: TelemetryRecord = {
  request_id: 'r',
  timestamp: '2026-03-01T10:15:00.000Z',
  surface: 'openai',
  endpoint: 'chat.completions',
  method: 'POST',
  status_code: 200,
  latency_ms: 110,
  llm_latency_ms: 100,
};

describe('usageFields', () => {
  it('buckets the measured gateway overhead when the record has it, else latency less LLM latency', () => {
    expect(usageFields({ ...record, gateway_overhead_ms: 3 }).overhead_bucket).toBe(latencyBucket(3));
    expect(usageFields(record).overhead_bucket).toBe(latencyBucket(10));
    expect(usageFields(record).hour).toEqual(new Date('2026-03-01T10:00:00.000Z'));
  });
});
