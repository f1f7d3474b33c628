/** The suite a backend plugin with `embed` runs against a simulator, through the plugin's SDK. */
import {
  type Backend,
  type BackendPlugin,
  type CallContext,
  isDisabled,
  isGatewayError,
  silentLogger,
} from '@llm-gateway/spec';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { simulatedEmbedding } from './embeddings-simulation.js';
import { startOllamaSimulator } from './ollama-simulator.js';
import { startOpenAISimulator } from './openai-simulator.js';
import type { Simulator } from './simulator.js';

export interface EmbeddingsConformanceOptions<C> {
  plugin: BackendPlugin<C>;
  simulator: 'openai' | 'ollama';
  /** Builds the plugin config pointing at the simulator. */
  config: (sim: Simulator) => C;
  /** An embedding model the backend serves. */
  model: string;
  /** The upstream takes token arrays as input (OpenAI does, Ollama does not: a 400 naming `input`). */
  tokenArrays: boolean;
}

function call(signal = new AbortController().signal): CallContext {
  return { signal, requestId: 'embeddings-conformance', log: silentLogger };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the call should have failed but succeeded');
}

export function embeddingsConformance<C>(options: EmbeddingsConformanceOptions<C>): void {
  let sim: Simulator;
  let backend: Backend;
  const { model } = options;
  const embed = (request: Parameters<NonNullable<Backend['embed']>>[0], context = call()) => {
    if (!backend.embed) throw new Error(`${options.plugin.name} has no embed method`);
    return backend.embed(request, context);
  };

  describe(`embeddings conformance: ${options.plugin.name} (${options.simulator} simulator)`, () => {
    beforeAll(async () => {
      const start = options.simulator === 'openai' ? startOpenAISimulator : startOllamaSimulator;
      sim = await start({ models: [model] });
      const config = options.plugin.configSchema.parse(options.config(sim));
      const created = await options.plugin.create(config, { instanceName: 'test', log: silentLogger });
      if (isDisabled(created)) throw new Error(`the plugin disabled itself: ${created.reason}`);
      backend = created;
    });
    afterEach(() => sim.reset());
    afterAll(async () => {
      await backend?.close?.();
      await sim?.close();
    });

    it('embeds one text: the upstream vector as floats, with usage', async () => {
      const result = await embed({ model, input: 'hello embeddings world' });
      expect(result.data).toEqual([{ index: 0, embedding: simulatedEmbedding('hello embeddings world') }]);
      expect(result.usage).toEqual({ promptTokens: 3, completionTokens: 0, totalTokens: 3 });
      expect(result.model).toContain(model.split(':')[0]);
    });

    it('embeds a batch in input order and forwards dimensions', async () => {
      const result = await embed({ model, input: ['first one', 'second', 'third'], dimensions: 4 });
      expect(result.data.map((item) => item.index)).toEqual([0, 1, 2]);
      expect(result.data.map((item) => item.embedding)).toEqual(
        ['first one', 'second', 'third'].map((text) => simulatedEmbedding(text, 4)),
      );
      expect(result.usage.promptTokens).toBe(4);
    });

    it(
      options.tokenArrays ? 'embeds token arrays' : 'refuses token arrays with a 400 naming input',
      async () => {
        const request = { model, input: [[1, 2, 3]] };
        if (options.tokenArrays) {
          const result = await embed(request);
          expect(result.data[0]!.embedding).toEqual(simulatedEmbedding([1, 2, 3]));
        } else {
          const error = await rejection(embed(request));
          expect(error).toMatchObject({ type: 'invalid_request', status: 400, param: 'input' });
          expect(sim.requests).toHaveLength(0);
        }
      },
    );

    it('forwards the host headers (trace context) to the upstream', async () => {
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      await embed({ model, input: 'traced' }, { ...call(), headers: { traceparent } });
      expect(sim.requests.at(-1)?.headers.traceparent).toBe(traceparent);
    });

    it('maps an upstream 503 to a retryable GatewayError and a 400 to a non-retryable one', async () => {
      sim.inject({ status: 503 });
      const unavailable = await rejection(embed({ model, input: 'x' }));
      expect(isGatewayError(unavailable)).toBe(true);
      expect(unavailable).toMatchObject({ isRetryable: true, upstreamStatus: 503 });
      sim.inject({ status: 400 });
      const invalid = await rejection(embed({ model, input: 'x' }));
      expect(invalid).toMatchObject({ isRetryable: false, upstreamStatus: 400 });
    });

    it('aborts the upstream call when the caller goes away', async () => {
      sim.inject({ hang: true });
      const controller = new AbortController();
      const pending = rejection(embed({ model, input: 'x' }, call(controller.signal)));
      await expect.poll(() => sim.inFlight).toBe(1);
      controller.abort();
      expect(await pending).toMatchObject({ type: 'cancelled' });
      await expect.poll(() => sim.inFlight).toBe(0);
    });
  });
}
