import type { Backend, ChatRequest, RequestAnnotations } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { tuneForBackend } from './drop-tuning.js';

const backend = (tuning?: Backend['tuning']): Backend => ({
  name: 'b',
  ...(tuning ? { tuning } : {}),
  models: async () => [],
  chat: async () => {
    throw new Error('unused');
  },
  async *stream() {},
});

const request: ChatRequest = {
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  tuning: { reasoningEffort: 'low', serviceTier: 'flex', truncation: 'auto' },
};

describe('tuneForBackend', () => {
  it('keeps what the backend declares and lists the rest as dropped', () => {
    const annotations: RequestAnnotations = {};
    const tuned = tuneForBackend(request, backend(['reasoningEffort', 'serviceTier']), annotations);
    expect(tuned.tuning).toEqual({ reasoningEffort: 'low', serviceTier: 'flex' });
    expect(annotations.droppedTuning).toEqual(['truncation']);
    expect(request.tuning?.truncation).toBe('auto');
  });

  it('drops every tuning parameter for a backend that declares none', () => {
    const annotations: RequestAnnotations = {};
    const tuned = tuneForBackend(request, backend(), annotations);
    expect(tuned.tuning).toBeUndefined();
    expect(annotations.droppedTuning).toEqual(['reasoningEffort', 'serviceTier', 'truncation']);
  });

  it('a later attempt on a backend that honours everything clears the earlier list (fallback)', () => {
    const annotations: RequestAnnotations = { droppedTuning: ['truncation'] };
    const all = backend(['reasoningEffort', 'serviceTier', 'truncation']);
    expect(tuneForBackend(request, all, annotations)).toBe(request);
    expect(annotations.droppedTuning).toBeUndefined();
  });
});
