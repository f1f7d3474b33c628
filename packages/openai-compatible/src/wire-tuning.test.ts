import type { ChatRequest } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { createOpenAICompatibleBackend } from './backend.js';
import { openAICompatibleTuning, toOpenAICompatibleBody } from './wire.js';

describe('tuning on the Chat Completions wire', () => {
  it('sends reasoning_effort, service_tier, prompt_cache_key and store under their wire names', () => {
    const request: ChatRequest = {
      model: 'gpt-5',
      messages: [{ role: 'user', content: 'hi' }],
      tuning: { reasoningEffort: 'low', serviceTier: 'flex', promptCacheKey: 'k1', store: false },
    };
    expect(toOpenAICompatibleBody(request, false)).toMatchObject({
      reasoning_effort: 'low',
      service_tier: 'flex',
      prompt_cache_key: 'k1',
      store: false,
    });
  });

  it('an OpenAI-wire backend declares exactly those four', () => {
    const backend = createOpenAICompatibleBackend({
      name: 'x',
      client: {} as never,
      models: ['m'],
    });
    expect(backend.tuning).toEqual(openAICompatibleTuning);
    expect([...openAICompatibleTuning].sort()).toEqual(
      ['promptCacheKey', 'reasoningEffort', 'serviceTier', 'store'].sort(),
    );
  });
});
