import type { ChatRequest } from '@llm-gateway/spec';
import { afterAll, describe, expect, it } from 'vitest';
import { requestContext, ScriptedBackend } from './__fixtures__/scripted-backend.js';
import { pipelineOver } from './__fixtures__/scripted-pipeline.js';
import { countRequestTokens } from './count-request-tokens.js';
import { createRateLimiter } from './limits/rate-limiter.js';
import { closeTokenizer, countPromptTokens, countTokens } from './usage.js';

afterAll(() => closeTokenizer());

const messages: ChatRequest['messages'] = [{ role: 'user', content: 'What is the weather in Paris?' }];

describe('countRequestTokens', () => {
  it('counts the messages as the usage estimate does when there are no tools', async () => {
    expect(await countRequestTokens({ model: 'm', messages })).toBe(await countPromptTokens(messages));
  });

  it('adds the tool definitions and the calls of the history', async () => {
    const tools: ChatRequest['tools'] = [
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
    ];
    const history: ChatRequest['messages'] = [
      ...messages,
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', content: '18C', toolCallId: 'c1' },
    ];
    const counted = await countRequestTokens({ model: 'm', messages: history, tools });
    const extra = await countTokens([JSON.stringify(tools), 'get_weather', '{"city":"Paris"}'].join('\n'));
    expect(counted).toBe((await countPromptTokens(history)) + extra);
    expect(extra).toBeGreaterThan(0);
  });
});

describe('pipeline.countTokens', () => {
  it('counts with the tokenizer without calling upstream, as one request of the minute', async () => {
    const backend = new ScriptedBackend({ name: 'openai' });
    const { pipeline } = pipelineOver(
      [backend],
      { models: { 'gpt-4o-mini': 'openai' } },
      {
        rateLimiter: createRateLimiter({ requestsPerMinute: 1 }),
      },
    );
    const request = { model: 'gpt-4o-mini', messages };
    expect(await pipeline.countTokens(request, requestContext())).toBe(await countRequestTokens(request));
    expect(backend.calls).toHaveLength(0);
    await expect(pipeline.countTokens(request, requestContext())).rejects.toMatchObject({
      type: 'rate_limited',
    });
  });

  it('refuses a model no route serves with a 404', async () => {
    const { pipeline } = pipelineOver([new ScriptedBackend({ name: 'openai' })], {
      models: { 'gpt-4o-mini': 'openai' },
    });
    await expect(
      pipeline.countTokens({ model: 'no-such-model', messages }, requestContext()),
    ).rejects.toMatchObject({ status: 404 });
  });
});
