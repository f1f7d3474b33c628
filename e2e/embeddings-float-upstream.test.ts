/**
 * POST /v1/embeddings when the OpenAI-compatible upstream answers float arrays although the gateway asked
 * for base64 (several self-hosted servers do): the built `gateway` on configs/default.yaml, the testkit
 * OpenAI simulator in that mode, driven by the official `openai` SDK.
 */
import {
  type Simulator,
  simulatedEmbedding,
  startOllamaSimulator,
  startOpenAISimulator,
} from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, simulatedBackendsEnv, startGateway } from './helpers/gateway.js';
import { expectOpenAIError, postJson } from './helpers/http.js';

const keys = { openai: 'sk-e2e-float-embed-0123456789', deepseek: 'sk-e2e-float-ds', groq: 'gsk_e2e_float' };
const model = 'text-embedding-3-small';

let openaiSim: Simulator;
let ollamaSim: Simulator;
let gateway: Gateway;
let client: OpenAI;

beforeAll(async () => {
  openaiSim = await startOpenAISimulator({ embeddingsAsFloats: true });
  ollamaSim = await startOllamaSimulator();
  gateway = await startGateway({
    profile: 'configs/default.yaml',
    env: simulatedBackendsEnv(keys, { openai: openaiSim, ollama: ollamaSim }),
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.stop();
  await Promise.all([openaiSim?.close(), ollamaSim?.close()]);
});

describe('an upstream that answers floats despite base64', () => {
  it('gave "embedding":[0,0] with 200: the SDK default (base64) call now decodes to the upstream vectors', async () => {
    const inputs = ['The quick brown fox', 'jumps'];
    const result = await client.embeddings.create({ model, input: inputs });
    expect(result.data.map((item) => item.embedding)).toEqual(inputs.map((text) => simulatedEmbedding(text)));
    expect(openaiSim.lastRequest('/embeddings')?.body).toMatchObject({ encoding_format: 'base64' });
  });

  it('answers floats when the client asks for floats', async () => {
    const result = await client.embeddings.create({ model, input: 'float please', encoding_format: 'float' });
    expect(result.data[0]?.embedding).toEqual(simulatedEmbedding('float please'));
  });

  it('an embedding that is neither is a 502 in OpenAI shape, and the gateway keeps serving', async () => {
    openaiSim.inject({
      status: 200,
      path: '/embeddings',
      body: { object: 'list', model, data: [{ object: 'embedding', index: 0, embedding: { x: 1 } }] },
    });
    const response = await postJson(`${gateway.url}/v1/embeddings`, { model, input: 'broken upstream' });
    await expectOpenAIError(response, 502);
    const after = await client.embeddings.create({ model, input: 'still here' });
    expect(after.data[0]?.embedding).toEqual(simulatedEmbedding('still here'));
  });
});
