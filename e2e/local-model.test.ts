/**
 * MODEL_BACKEND=transformers on configs/inference.yaml: the gateway runs a model itself (backend-local,
 * Transformers.js in worker threads). The model is the tiny random GPT-2 scripts/make-tiny-model.sh writes,
 * loaded through the real loading code; its vocabulary is bytes, so token counts are character counts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EventSource } from 'eventsource';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, repoRoot, startGateway } from './helpers/gateway.js';
import { INFERENCE_PROFILE, submitTask, taskResult } from './helpers/inference.js';

const KEY = 'local-key-1';
const modelDir = mkdtempSync(join(tmpdir(), 'local-model-e2e-'));
const logDir = mkdtempSync(join(tmpdir(), 'local-model-logs-'));

function makeTinyModel(): string | undefined {
  try {
    execFileSync('bash', [resolve(repoRoot, 'scripts/make-tiny-model.sh'), join(modelDir, 'tiny-gpt2')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim();
  }
}

const failure = makeTinyModel();
if (failure)
  console.warn(`local-model e2e skipped: scripts/make-tiny-model.sh failed (needs onnx, numpy): ${failure}`);

let gateway: Gateway;

async function submit(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${gateway.url}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': KEY },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { task_id: string }).task_id;
}

const statusOf = async (id: string) =>
  (
    (await (await fetch(`${gateway.url}/status/${id}`, { headers: { 'x-api-key': KEY } })).json()) as {
      status: string;
    }
  ).status;

describe.skipIf(failure !== undefined)('MODEL_BACKEND=transformers: a model run inside the gateway', () => {
  beforeAll(async () => {
    gateway = await startGateway({
      profile: INFERENCE_PROFILE,
      env: {
        API_KEYS: KEY,
        MODEL_BACKEND: 'transformers',
        MODEL_NAME: 'tiny-gpt2',
        MODEL_PATH: modelDir,
        MODEL_WORKERS: '2',
        WORKERS: '4',
        MAX_NEW_TOKENS: '24',
        TEMPERATURE: '0',
        LOG_DIR: logDir,
      },
      timeoutMs: 60_000,
    });
  }, 90_000);
  afterAll(() => gateway?.stop());

  it('/health reports the loaded model and its backend', async () => {
    const health = (await (await fetch(`${gateway.url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'healthy',
      model_loaded: true,
      backend: 'transformers',
      model: 'tiny-gpt2',
      backends: { transformers: 'enabled' },
    });
  });

  it('runs a task with the seed defaults (MAX_NEW_TOKENS, TEMPERATURE=0) and counts usage with the model tokenizer', async () => {
    const id = await submitTask(gateway, 'Hello world', KEY);
    const result = (await taskResult(gateway, id, KEY)) as {
      result: string;
      metrics: Record<string, number>;
    };
    expect(result).toMatchObject({ status: 'completed' });
    expect(result.result).toHaveLength(24);
    expect(result.metrics).toMatchObject({ prompt_tokens: 11, completion_tokens: 24 });
    // Greedy: the same prompt gives the same text.
    const again = (await taskResult(gateway, await submitTask(gateway, 'Hello world', KEY), KEY)) as {
      result: string;
    };
    expect(again.result).toBe(result.result);
  });

  it('honours max_tokens and streams the text over /stream as it is written', async () => {
    const id = await submit({ prompt: 'Stream this', max_tokens: 300 });
    const events = await new Promise<Array<Record<string, unknown>>>((done, fail) => {
      const seen: Array<Record<string, unknown>> = [];
      const source = new EventSource(`${gateway.url}/stream/${id}?api_key=${KEY}`);
      const timer = setTimeout(() => {
        source.close();
        fail(new Error(`stream did not end: ${JSON.stringify(seen)}`));
      }, 60_000);
      source.onmessage = (event) => {
        const data = JSON.parse(event.data) as Record<string, unknown>;
        seen.push(data);
        if (data['status'] === 'completed' || data['status'] === 'failed') {
          clearTimeout(timer);
          source.close();
          done(seen);
        }
      };
    });
    const streamed = events.map((event) => (typeof event['text'] === 'string' ? event['text'] : '')).join('');
    const result = (await taskResult(gateway, id, KEY)) as {
      result: string;
      metrics: Record<string, number>;
    };
    expect(result.metrics['completion_tokens']).toBe(300);
    expect(streamed).toBe(result.result);
    expect(events.filter((event) => typeof event['text'] === 'string').length).toBeGreaterThan(1);
  });

  it('answers /health while four generations run (inference is off the event loop)', async () => {
    const ids = await Promise.all(
      [1, 2, 3, 4].map((n) => submit({ prompt: `Long ${n}`, max_tokens: 400, temperature: 0.9 })),
    );
    let answeredDuringGeneration = 0;
    while (true) {
      const before = await Promise.all(ids.map(statusOf));
      const health = await fetch(`${gateway.url}/health`);
      expect(health.status).toBe(200);
      const after = await Promise.all(ids.map(statusOf));
      // A task processing both before and after the health request was generating all along.
      if (before.some((status, i) => status === 'processing' && after[i] === 'processing'))
        answeredDuringGeneration++;
      if (after.every((status) => status === 'completed' || status === 'failed')) break;
    }
    expect(answeredDuringGeneration).toBeGreaterThan(0);
    for (const id of ids)
      expect(await taskResult(gateway, id, KEY, 60_000)).toMatchObject({
        status: 'completed',
        metrics: { completion_tokens: 400 },
      });
  }, 120_000);

  it("writes the seed's log files under LOG_DIR, without the API key", async () => {
    const missing = await fetch(`${gateway.url}/result/no-such-task`, { headers: { 'x-api-key': KEY } });
    expect(missing.status).toBe(404);
    await gateway.writtenLogs();
    const read = (name: string) => readFileSync(join(logDir, name), 'utf8');
    expect(read('app.log')).toContain('local model loaded');
    expect(read('llm_requests.log')).toContain('"url":"/generate"');
    expect(read('llm_requests.log')).not.toContain('local model loaded');
    for (const name of ['app.log', 'llm_requests.log', 'errors.log']) expect(read(name)).not.toContain(KEY);
  });
});

describe.skipIf(failure !== undefined)('the local backend behind Chat Completions (the openai SDK)', () => {
  let chatGateway: Gateway;
  beforeAll(async () => {
    const profile = join(modelDir, 'chat.yaml');
    writeFileSync(
      profile,
      [
        'logging: { level: warn }',
        'backends:',
        '  local:',
        '    plugin: backend-local',
        `    config: { model: tiny-gpt2, embeddingModel: tiny-gpt2, modelPath: "${modelDir}", defaultTemperature: 0 }`,
        'routing: { defaultModel: tiny-gpt2 }',
        'surfaces:',
        '  openai: { plugin: surface-openai, config: {} }',
      ].join('\n'),
    );
    chatGateway = await startGateway({ profile, timeoutMs: 60_000 });
  }, 90_000);
  afterAll(() => chatGateway?.stop());

  it('answers, streams with usage, stops at a stop sequence and embeds', async () => {
    const client = new OpenAI({ baseURL: `${chatGateway.url}/v1`, apiKey: 'unused' });
    const messages = [{ role: 'user' as const, content: 'Hi there' }];
    const answer = await client.chat.completions.create({ model: 'tiny-gpt2', messages, max_tokens: 30 });
    const text = answer.choices[0]?.message.content ?? '';
    expect(text).toHaveLength(30);
    expect(answer.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 30 });
    expect(answer.choices[0]!.finish_reason).toBe('length');

    const stream = await client.chat.completions.create({
      model: 'tiny-gpt2',
      messages,
      max_tokens: 30,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = '';
    let usage: unknown;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(streamed).toBe(text);
    expect(usage).toMatchObject({ completion_tokens: 30 });

    const stop = text.slice(12, 15);
    const stopped = await client.chat.completions.create({
      model: 'tiny-gpt2',
      messages,
      max_tokens: 30,
      stop: [stop],
    });
    expect(stopped.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(stop)));
    expect(stopped.choices[0]!.finish_reason).toBe('stop');

    const embeddings = await client.embeddings.create({ model: 'tiny-gpt2', input: ['one', 'two'] });
    expect(embeddings.data).toHaveLength(2);
    expect(embeddings.data[0]!.embedding).toHaveLength(257);
  });
});
