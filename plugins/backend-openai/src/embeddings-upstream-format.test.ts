/** Upstreams that ignore `encoding_format: base64`, through the official openai SDK. */
import { type Backend, isDisabled, isGatewayError, silentLogger } from '@llm-gateway/spec';
import { type Simulator, simulatedEmbedding, startOpenAISimulator } from '@llm-gateway/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import plugin from './index.js';

const model = 'text-embedding-3-small';
let sim: Simulator;
let backend: Backend;

beforeAll(async () => {
  sim = await startOpenAISimulator({ models: [model], embeddingsAsFloats: true });
  const config = plugin.configSchema.parse({ apiKey: 'sk-test', baseURL: `${sim.url}/v1`, models: [model] });
  const created = await plugin.create(config, { instanceName: 'openai', log: silentLogger });
  if (isDisabled(created)) throw new Error(created.reason);
  backend = created;
});
afterEach(() => sim.reset());
afterAll(async () => {
  await backend?.close?.();
  await sim?.close();
});

const embed = (input: string | string[]) =>
  backend.embed!(
    { model, input },
    { signal: new AbortController().signal, requestId: 'r', log: silentLogger },
  );

describe('embeddings from an upstream that answers float arrays despite base64', () => {
  it('yielded garbage vectors with status 200: the floats are now passed through', async () => {
    const result = await embed(['first text', 'second text']);
    expect(sim.requests[0]?.body).toMatchObject({ encoding_format: 'base64' });
    expect(result.data).toEqual([
      { index: 0, embedding: simulatedEmbedding('first text') },
      { index: 1, embedding: simulatedEmbedding('second text') },
    ]);
  });

  it('refuses an embedding that is neither base64 nor numbers as an upstream error', async () => {
    for (const embedding of [{ values: [0.1] }, ['0.1', '0.2'], 'not base64!', null]) {
      sim.inject({
        status: 200,
        path: '/embeddings',
        body: { object: 'list', model, data: [{ object: 'embedding', index: 0, embedding }] },
      });
      const error = await embed('hello').catch((caught: unknown) => caught);
      expect(isGatewayError(error) && error.type, JSON.stringify(embedding)).toBe('upstream_error');
    }
  });
});
