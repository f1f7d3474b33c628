import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultEmbeddingDimensions, simulatedEmbedding } from './embeddings-simulation.js';
import { startOllamaSimulator } from './ollama-simulator.js';
import { startOpenAISimulator } from './openai-simulator.js';
import type { Simulator } from './simulator.js';

describe('OpenAI simulator /v1/embeddings', () => {
  let sim: Simulator;
  let client: OpenAI;
  beforeAll(async () => {
    sim = await startOpenAISimulator({ apiKey: 'sk-sim' });
    client = new OpenAI({ apiKey: 'sk-sim', baseURL: `${sim.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => sim.close());

  it("answers the SDK's default call (base64 on the wire, decoded by the SDK) with the deterministic vectors", async () => {
    const result = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a cat', 'a dog'],
    });
    expect(sim.requests.at(-1)?.body).toMatchObject({ encoding_format: 'base64' });
    expect(result.data.map((item) => item.index)).toEqual([0, 1]);
    expect(result.data[0]!.embedding).toEqual(simulatedEmbedding('a cat'));
    expect(result.data[1]!.embedding).toEqual(simulatedEmbedding('a dog'));
    expect(result.data[0]!.embedding).toHaveLength(defaultEmbeddingDimensions);
    expect(result.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
  });

  it('answers floats, honours dimensions and takes token arrays', async () => {
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: [[1, 2, 3]],
      dimensions: 3,
      encoding_format: 'float',
    });
    expect(floats.data[0]!.embedding).toEqual(simulatedEmbedding([1, 2, 3], 3));
    expect(floats.usage.prompt_tokens).toBe(3);
  });

  it('refuses an empty input and a bad dimensions in OpenAI error format', async () => {
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-small', input: '' }),
    ).rejects.toMatchObject({
      status: 400,
      param: 'input',
    });
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: 0 }),
    ).rejects.toMatchObject({ status: 400, param: 'dimensions' });
    await expect(
      client.embeddings.create({
        model: 'text-embedding-3-small',
        input: 'x',
        dimensions: 202_467_199_841_346,
      }),
    ).rejects.toMatchObject({ status: 400, param: 'dimensions' });
  });

  it('has no embeddings under the DeepSeek and Groq paths', async () => {
    for (const path of ['/embeddings', '/openai/v1/embeddings']) {
      const response = await fetch(`${sim.url}${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-sim', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'deepseek-chat', input: 'x' }),
      });
      expect(response.status).toBe(404);
    }
  });
});

describe('Ollama simulator /api/embed', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startOllamaSimulator({ models: ['all-minilm'] });
  });
  afterAll(() => sim.close());

  const embed = (body: unknown) =>
    fetch(`${sim.url}/api/embed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("answers Ollama's shape: embeddings in input order and prompt_eval_count", async () => {
    const response = await embed({ model: 'all-minilm', input: ['one two', 'three'], dimensions: 4 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'all-minilm:latest',
      embeddings: [simulatedEmbedding('one two', 4), simulatedEmbedding('three', 4)],
      prompt_eval_count: 3,
    });
    expect(typeof body.total_duration).toBe('number');
  });

  it('404s an unknown model and 400s token arrays', async () => {
    expect((await embed({ model: 'nope', input: 'x' })).status).toBe(404);
    expect((await embed({ model: 'all-minilm', input: [1, 2] })).status).toBe(400);
  });
});
