import type { ChatRequest } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { convertToAnthropicRequest } from './convert-to-anthropic-request.js';

const settings = { defaultMaxTokens: 4096 };
const request = (extra: Partial<ChatRequest> = {}): ChatRequest => ({
  model: 'claude-sonnet-4-5',
  messages: [{ role: 'user', content: 'Hi' }],
  ...extra,
});

describe('convertToAnthropicRequest', () => {
  it('sets max_tokens from the request, or the configured default (Anthropic requires it)', () => {
    expect(convertToAnthropicRequest('claude', request(), settings).max_tokens).toBe(4096);
    expect(convertToAnthropicRequest('claude', request({ maxTokens: 12 }), settings).max_tokens).toBe(12);
  });

  it('maps the thinking budget and a known service tier; other tiers are left out', () => {
    const body = convertToAnthropicRequest(
      'claude',
      request({ tuning: { thinkingBudgetTokens: 1024, serviceTier: 'standard_only' } }),
      settings,
    );
    expect(body).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 1024 },
      service_tier: 'standard_only',
    });
    expect(body.max_tokens).toBe(5120);
    const other = convertToAnthropicRequest('claude', request({ tuning: { serviceTier: 'flex' } }), settings);
    expect(other.service_tier).toBeUndefined();
  });

  it('refuses a response format together with a thinking budget (a forced tool cannot think)', () => {
    expect(() =>
      convertToAnthropicRequest(
        'claude',
        request({ responseFormat: { type: 'json_object' }, tuning: { thinkingBudgetTokens: 1024 } }),
        settings,
      ),
    ).toThrow(expect.objectContaining({ status: 400, param: 'response_format' }));
  });

  it.each([
    [{ n: 2 }, 'n'],
    [{ logprobs: true }, 'logprobs'],
    [{ logitBias: { '50256': -100 } }, 'logit_bias'],
    [{ seed: 7 }, 'seed'],
  ] as const)('refuses %j naming %s', (extra, param) => {
    expect(() => convertToAnthropicRequest('claude', request(extra), settings)).toThrow(
      expect.objectContaining({ status: 400, param }),
    );
  });
});
