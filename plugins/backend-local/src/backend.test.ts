import { type Backend, type ChatStreamPart, isDisabled, silentLogger } from '@llm-gateway/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTinyModel } from './__fixtures__/tiny-model.js';
import plugin, { configSchema } from './index.js';

const tiny = makeTinyModel();
const skip = 'skip' in tiny ? tiny.skip : undefined;
if (skip) console.warn(`backend-local model tests skipped: ${skip}`);

const call = (signal = new AbortController().signal) => ({ signal, requestId: 'r1', log: silentLogger });
const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'tiny-gpt2',
  messages: [{ role: 'user' as const, content }],
  temperature: 0,
  ...extra,
});

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const out: ChatStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

describe.skipIf(skip !== undefined)(
  'backend-local on the tiny GPT-2 (Transformers.js in worker threads)',
  () => {
    let backend: Backend;
    beforeAll(async () => {
      if ('skip' in tiny) return;
      const config = configSchema.parse({
        model: tiny.model,
        embeddingModel: tiny.model,
        modelPath: tiny.modelPath,
        workers: '2',
      });
      const created = await plugin.create(config, { instanceName: 'transformers', log: silentLogger });
      if (isDisabled(created)) throw new Error(created.reason);
      backend = created;
    }, 60_000);
    afterAll(() => backend?.close?.());

    it('lists its model and answers with max_tokens tokens, counted by the model tokenizer', async () => {
      expect(await backend.models()).toEqual(['tiny-gpt2']);
      const result = await backend.chat(ask('Hello world', { maxTokens: 12 }), call());
      // The tiny model's vocabulary is bytes: 11 prompt tokens, 12 one-character completion tokens.
      expect(result.usage).toEqual({ promptTokens: 11, completionTokens: 12, totalTokens: 23 });
      expect(result.text).toHaveLength(12);
      expect(result.finishReason).toBe('length');
    });

    it('streams the same text it answers, in several pieces, ending with usage', async () => {
      const whole = await backend.chat(ask('Stream me', { maxTokens: 300 }), call());
      const parts = await collect(backend.stream(ask('Stream me', { maxTokens: 300 }), call()));
      const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
      expect(deltas.join('')).toBe(whole.text);
      expect(deltas.length).toBeGreaterThan(1);
      expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length', usage: whole.usage });
    });

    it('stops at a stop sequence, which the text leaves out, and stops generating', async () => {
      const whole = await backend.chat(ask('Stop here', { maxTokens: 30 }), call());
      const stop = whole.text.slice(10, 13);
      const cut = whole.text.indexOf(stop);
      const result = await backend.chat(ask('Stop here', { maxTokens: 30, stop: [stop] }), call());
      expect(result.text).toBe(whole.text.slice(0, cut));
      expect(result).toMatchObject({ finishReason: 'stop', stopSequence: stop });
      expect(result.usage.completionTokens).toBeLessThan(30);
    });

    it('stops generating when the call is aborted', async () => {
      const controller = new AbortController();
      const parts: ChatStreamPart[] = [];
      const failure = (async () => {
        for await (const part of backend.stream(
          ask('Abort me', { maxTokens: 200 }),
          call(controller.signal),
        )) {
          parts.push(part);
          if (part.type === 'text-delta') controller.abort();
        }
      })();
      await expect(failure).rejects.toMatchObject({ type: 'cancelled' });
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
      // The worker is free again: the next call is answered.
      const next = await backend.chat(ask('After', { maxTokens: 3 }), call());
      expect(next.usage.completionTokens).toBe(3);
    });

    it('embeds texts through the feature-extraction pipeline: one normalized vector each, tokens counted', async () => {
      const result = await backend.embed!({ model: 'tiny-gpt2', input: ['hello', 'world', 'hello'] }, call());
      expect(result.data.map((item) => item.index)).toEqual([0, 1, 2]);
      const [hello, world, again] = result.data.map((item) => item.embedding);
      // The tiny model has no hidden-state output: its logits (one per vocabulary entry) are the features.
      expect(hello).toHaveLength(257);
      expect(Math.hypot(...hello!)).toBeCloseTo(1, 5);
      expect(again).toEqual(hello);
      expect(world).not.toEqual(hello);
      expect(result.usage).toEqual({ promptTokens: 15, completionTokens: 0, totalTokens: 15 });
    });

    it('samples with temperature and top_p', async () => {
      const result = await backend.chat(ask('Sample', { maxTokens: 8, temperature: 1.2, topP: 0.9 }), call());
      expect(result.usage.completionTokens).toBe(8);
    });
  },
);

describe('backend-local start-up', () => {
  it('is switched off unless MODEL_BACKEND says transformers', async () => {
    const created = await plugin.create(configSchema.parse({ modelBackend: 'ollama' }), {
      instanceName: 'transformers',
      log: silentLogger,
    });
    expect(isDisabled(created)).toBe(true);
  });

  it('fails naming the model and where it looked when the model is missing and downloads are off', async () => {
    const config = configSchema.parse({ model: 'gpt2', modelPath: '/nonexistent/models' });
    await expect(plugin.create(config, { instanceName: 'transformers', log: silentLogger })).rejects.toThrow(
      /local model 'gpt2' not found: looked for gpt2\/config.json in \/nonexistent\/models/,
    );
  });
});
