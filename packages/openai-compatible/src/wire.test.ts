import { rejectUnsupported } from '@llm-gateway/plugin-kit';
import type { ChatRequest } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { type ChunkReading, partsOfChunk } from './stream.js';
import { fromOpenAICompatibleCompletion, toOpenAICompatibleBody } from './wire.js';

const call = {
  id: 'call_1',
  type: 'function' as const,
  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
};

describe('toOpenAICompatibleBody', () => {
  it('sends tools, tool history, content parts and every modelled parameter in the wire names', () => {
    const request: ChatRequest = {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: 'what is this?',
          parts: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', url: 'https://x/y.png', detail: 'low' },
            { type: 'audio', data: 'AAAA', format: 'wav' },
          ],
        },
        { role: 'assistant', content: '', toolCalls: [call] },
        { role: 'tool', content: '18C', toolCallId: 'call_1' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      toolChoice: { type: 'function', function: { name: 'get_weather' } },
      parallelToolCalls: false,
      responseFormat: {
        type: 'json_schema',
        jsonSchema: { name: 's', schema: { type: 'object' }, strict: true },
      },
      n: 2,
      logprobs: true,
      topLogprobs: 2,
      logitBias: { '50256': -100 },
      metadata: { team: 'a' },
      extra: { store: true, service_tier: 'flex', stream: true },
    };
    const body = toOpenAICompatibleBody(request, false);
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } },
          { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', content: '18C', tool_call_id: 'call_1' },
    ]);
    expect(body).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      parallel_tool_calls: false,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 's', schema: { type: 'object' }, strict: true },
      },
      n: 2,
      logprobs: true,
      top_logprobs: 2,
      logit_bias: { '50256': -100 },
      metadata: { team: 'a' },
      store: true,
      service_tier: 'flex',
    });
    expect(body.stream).toBeUndefined();
  });
});

describe('fromOpenAICompatibleCompletion', () => {
  it('keeps tool calls, refusals, logprobs, every choice, the fingerprint and the upstream id', () => {
    const logprobs = { content: [{ token: 'a', logprob: -0.1, bytes: [97], top_logprobs: [] }] };
    const result = fromOpenAICompatibleCompletion(
      {
        id: 'chatcmpl-up',
        model: 'm',
        created: 5,
        system_fingerprint: 'fp_1',
        choices: [
          { index: 1, message: { content: 'second' }, finish_reason: 'stop', logprobs },
          {
            index: 0,
            message: { content: null, tool_calls: [call], refusal: null },
            finish_reason: 'tool_calls',
          },
          { index: 2, message: { content: null, refusal: 'no' }, finish_reason: 'stop' },
        ],
      },
      'm',
    );
    expect(result).toMatchObject({
      id: 'chatcmpl-up',
      systemFingerprint: 'fp_1',
      text: '',
      toolCalls: [call],
    });
    expect(result.finishReason).toBe('tool_calls');
    expect(result.otherChoices).toEqual([
      { index: 1, text: 'second', finishReason: 'stop', logprobs },
      { index: 2, text: '', finishReason: 'stop', refusal: 'no' },
    ]);
  });
});

describe('partsOfChunk', () => {
  it('passes tool-call deltas through in order, with metadata first and other choices tagged', () => {
    const reading: ChunkReading = { metadataSent: false };
    const chunks = [
      {
        id: 'c1',
        created: 9,
        system_fingerprint: 'fp',
        choices: [{ index: 0, delta: { role: 'assistant', content: null } }],
      },
      {
        id: 'c1',
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                { index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } },
              ],
            },
          },
        ],
      },
      {
        id: 'c1',
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] } }],
      },
      {
        id: 'c1',
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] } }],
      },
      { id: 'c1', choices: [{ index: 1, delta: { content: 'hi' }, finish_reason: 'stop' }] },
      { id: 'c1', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    ];
    const parts = chunks.flatMap((chunk) => [...partsOfChunk(chunk, reading)]);
    expect(parts).toEqual([
      { type: 'response-metadata', id: 'c1', created: 9, systemFingerprint: 'fp' },
      { type: 'tool-call-delta', index: 0, id: 'call_1', name: 'f', arguments: '' },
      { type: 'tool-call-delta', index: 0, arguments: '{"a"' },
      { type: 'tool-call-delta', index: 0, arguments: ':1}' },
      { type: 'text-delta', text: 'hi', choice: 1 },
      { type: 'choice-finish', choice: 1, finishReason: 'stop' },
    ]);
    expect(reading.finishReason).toBe('tool_calls');
  });

  it("passes the upstream's empty first delta on, so the surface need not invent one", () => {
    const reading: ChunkReading = { metadataSent: true };
    expect([...partsOfChunk({ choices: [{ delta: { role: 'assistant', content: '' } }] }, reading)]).toEqual([
      { type: 'text-delta', text: '' },
    ]);
  });
});

describe('rejectUnsupported', () => {
  const base: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'x' }] };
  it('names the parameter a backend cannot honour', () => {
    expect(() => rejectUnsupported('ollama', { ...base, n: 2 }, ['n'])).toThrow(
      expect.objectContaining({ status: 400, param: 'n', code: 'unsupported_parameter' }),
    );
    const image = {
      ...base,
      messages: [
        { role: 'user' as const, content: '', parts: [{ type: 'image' as const, url: 'https://x' }] },
      ],
    };
    expect(() => rejectUnsupported('ollama', image, ['imageUrls'])).toThrow(
      expect.objectContaining({ param: 'messages[0].content[0]' }),
    );
    expect(() => rejectUnsupported('ollama', { ...base, n: 1, seed: 1 }, ['n', 'imageUrls'])).not.toThrow();
  });
});
