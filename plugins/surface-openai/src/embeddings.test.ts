import { GatewayError } from '@llm-gateway/spec';
import { simulatedEmbedding } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from './__fixtures__/gateway.js';

let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startGateway();
  client = new OpenAI({ apiKey: 'unused', baseURL: `${await gateway.listen()}/v1`, maxRetries: 0 });
});
afterAll(() => gateway.close());

describe('POST /v1/embeddings', () => {
  it("serves the openai SDK's default call (base64) with the upstream's vectors, as endpoint embeddings", async () => {
    const result = await client.embeddings.create({ model: 'gpt-4o-mini', input: ['one', 'two words'] });
    expect(result.data.map((item) => item.embedding)).toEqual([
      simulatedEmbedding('one'),
      simulatedEmbedding('two words'),
    ]);
    expect(result.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(gateway.contexts.at(-1)).toMatchObject({ endpoint: 'embeddings' });
    expect(gateway.contexts.at(-1)?.annotations).toMatchObject({
      backend: 'openai',
      usage: { promptTokens: 3 },
    });
  });

  it('answers floats by default on the wire and base64 float32 when asked', async () => {
    const plain = await gateway.app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      payload: { model: 'gpt-4o-mini', input: 'hello', dimensions: 3 },
    });
    expect(plain.statusCode).toBe(200);
    expect(plain.json()).toEqual({
      object: 'list',
      data: [{ object: 'embedding', index: 0, embedding: simulatedEmbedding('hello', 3) }],
      model: 'gpt-4o-mini',
      usage: { prompt_tokens: 1, total_tokens: 1 },
    });
    const encoded = await gateway.app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      payload: { model: 'gpt-4o-mini', input: 'hello', dimensions: 3, encoding_format: 'base64' },
    });
    const bytes = Buffer.from(encoded.json().data[0].embedding as string, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 3))).toEqual(
      simulatedEmbedding('hello', 3),
    );
  });

  it('refuses a body without input or with an unknown encoding_format in OpenAI error shape', async () => {
    for (const payload of [
      { model: 'gpt-4o-mini' },
      { model: 'gpt-4o-mini', input: 'x', encoding_format: 'int8' },
      { model: 'gpt-4o-mini', input: [] },
      { input: 'x' },
    ]) {
      const response = await gateway.app.inject({ method: 'POST', url: '/v1/embeddings', payload });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.type).toBe('invalid_request_error');
    }
  });
});

describe('POST /v1/embeddings when the pipeline refuses', () => {
  let limited: TestGateway;
  beforeAll(async () => {
    limited = await startGateway({
      pipeline: (real) => ({
        ...real,
        defaultModel: real.defaultModel,
        embed: async () => {
          throw new GatewayError('rate_limited', 'Rate limit exceeded', {
            code: 'rate_limit_exceeded',
            headers: { 'Retry-After': '7' },
          });
        },
      }),
    });
  });
  afterAll(() => limited.close());

  it('renders a rate limit as OpenAI 429 with Retry-After', async () => {
    const response = await limited.app.inject({
      method: 'POST',
      url: '/v1/embeddings',
      payload: { model: 'gpt-4o-mini', input: 'x' },
    });
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.json().error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
  });
});
