import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOllamaSimulator } from './ollama-simulator.js';
import type { Simulator } from './simulator.js';

let sim: Simulator;

beforeAll(async () => {
  sim = await startOllamaSimulator({ models: ['llama3.2', 'qwen2.5:0.5b'] });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

const messages = [{ role: 'user', content: 'Tell me a story' }];

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function ndjson(response: Response): Promise<Array<Record<string, unknown>>> {
  expect(response.headers.get('content-type')).toBe('application/x-ndjson');
  const text = await response.text();
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('Ollama simulator', () => {
  it('streams /api/chat as NDJSON by default, ending with the counters', async () => {
    const lines = await ndjson(await post('/api/chat', { model: 'llama3.2', messages }));
    const words = lines.slice(0, -1);
    expect(words.map((l) => (l['message'] as { content: string }).content)).toEqual([
      'Echo: ',
      'Tell ',
      'me ',
      'a ',
      'story',
    ]);
    for (const line of words) {
      expect(line).toMatchObject({ model: 'llama3.2', message: { role: 'assistant' }, done: false });
      expect(Number.isNaN(Date.parse(line['created_at'] as string))).toBe(false);
    }
    expect(lines.at(-1)).toMatchObject({
      model: 'llama3.2',
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 4,
      eval_count: 5,
    });
    for (const key of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration']) {
      expect(lines.at(-1)?.[key]).toBeGreaterThan(0);
    }
  });

  it('answers /api/chat with one object when stream is false, truncating to num_predict', async () => {
    const response = await post('/api/chat', {
      model: 'llama3.2:latest',
      messages,
      stream: false,
      options: { temperature: 0, num_predict: 2 },
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'llama3.2:latest',
      message: { role: 'assistant', content: 'Echo: Tell' },
      done: true,
      done_reason: 'length',
      prompt_eval_count: 4,
      eval_count: 2,
    });
  });

  it('serves /api/generate with a response field', async () => {
    const lines = await ndjson(
      await post('/api/generate', { model: 'qwen2.5:0.5b', prompt: 'why is the sky blue' }),
    );
    expect(lines.slice(0, -1).map((l) => l['response'])).toEqual([
      'Echo: ',
      'why ',
      'is ',
      'the ',
      'sky ',
      'blue',
    ]);
    expect(lines.at(-1)).toMatchObject({ response: '', done: true, done_reason: 'stop', eval_count: 6 });
    const single = (await (
      await post('/api/generate', {
        model: 'qwen2.5:0.5b',
        prompt: 'hi',
        stream: false,
        options: { stop: [':'] },
      })
    ).json()) as Record<string, unknown>;
    expect(single).toMatchObject({ response: 'Echo', done: true, done_reason: 'stop', prompt_eval_count: 1 });
  });

  it('lists models on /api/tags and reports its version', async () => {
    const tags = (await (await fetch(`${sim.url}/api/tags`)).json()) as {
      models: Array<Record<string, unknown>>;
    };
    expect(tags.models.map((m) => m['name'])).toEqual(['llama3.2:latest', 'qwen2.5:0.5b']);
    expect(tags.models[0]).toMatchObject({
      model: 'llama3.2:latest',
      details: { format: 'gguf', family: 'llama', quantization_level: 'Q4_K_M' },
    });
    expect(typeof tags.models[0]?.['digest']).toBe('string');
    const version = (await (await fetch(`${sim.url}/api/version`)).json()) as { version: string };
    expect(version.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('answers errors the way Ollama does', async () => {
    const missing = await post('/api/chat', { model: 'nope', messages });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'model "nope" not found, try pulling it first' });
    const invalid = await post('/api/chat', '{oops');
    expect(invalid.status).toBe(400);
    expect(typeof ((await invalid.json()) as { error: unknown }).error).toBe('string');
    const noModel = await post('/api/generate', { prompt: 'x' });
    expect(noModel.status).toBe(400);
  });

  it('accepts any model when no list is given', async () => {
    const open = await startOllamaSimulator();
    try {
      const response = await fetch(`${open.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({ model: 'whatever:7b', messages, stream: false }),
      });
      expect(response.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
