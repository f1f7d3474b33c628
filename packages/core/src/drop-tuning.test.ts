import type { Backend, ChatRequest, RequestAnnotations } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { requestContext, ScriptedBackend } from './__fixtures__/scripted-backend.js';
import { pipelineOver } from './__fixtures__/scripted-pipeline.js';
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

/** A scripted backend that declares `tuning`. */
function declaring(name: string, tuning: Backend['tuning']): ScriptedBackend {
  return Object.assign(new ScriptedBackend({ name }), { tuning });
}

describe('the pipeline drops undeclared tuning before each backend call', () => {
  it('chat: the backend receives only what it declares; the rest is in droppedTuning', async () => {
    const backend = declaring('openai', ['reasoningEffort', 'serviceTier']);
    const { pipeline } = pipelineOver([backend], { models: { m: 'openai' } });
    const context = requestContext();
    await pipeline.chat(request, context);
    expect(backend.calls[0]!.request.tuning).toEqual({ reasoningEffort: 'low', serviceTier: 'flex' });
    expect(context.annotations.droppedTuning).toEqual(['truncation']);
  });

  it('stream: a backend that declares none receives no tuning at all', async () => {
    const backend = new ScriptedBackend({ name: 'ollama' });
    const { pipeline } = pipelineOver([backend], { models: { m: 'ollama' } });
    const context = requestContext();
    const outcome = await pipeline.stream(request, context);
    for await (const _part of outcome.parts) {
      // drain
    }
    expect(backend.calls[0]!.request.tuning).toBeUndefined();
    expect(context.annotations.droppedTuning).toEqual(['reasoningEffort', 'serviceTier', 'truncation']);
  });
});
