/** The Responses routes on the surface with a real core pipeline, backend-openai and the OpenAI simulator, driven by the openai SDK. */
import { createTaskHandler } from '@llm-gateway/core';
import { createMemoryQueue } from '@llm-gateway/queue-memory';
import { silentLogger, type TaskQueue } from '@llm-gateway/spec';
import { waitUntil } from '@llm-gateway/testkit';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../__fixtures__/gateway.js';

let gateway: TestGateway;
let queue: TaskQueue;
let alice: OpenAI;
let bob: OpenAI;

beforeAll(async () => {
  queue = createMemoryQueue({ timeLimitSeconds: 10, retentionSeconds: 60, maxQueued: 10 });
  gateway = await startGateway({ keys: ['sk-gw-alice-1', 'sk-gw-bob-2'], queue });
  queue.work(createTaskHandler({ pipeline: gateway.pipeline, log: silentLogger }), 1);
  const baseURL = `${await gateway.listen()}/v1`;
  alice = new OpenAI({ apiKey: 'sk-gw-alice-1', baseURL, maxRetries: 0 });
  bob = new OpenAI({ apiKey: 'sk-gw-bob-2', baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await queue?.close();
  await gateway?.close();
});

const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: true,
};

describe('POST /v1/responses', () => {
  it('answers JSON that the SDK reads (output_text, usage), then GET, input_items and DELETE', async () => {
    const response = await alice.responses.create({
      model: 'gpt-4o-mini',
      instructions: 'Be brief.',
      input: 'hello responses',
      metadata: { run: 'unit' },
    });
    expect(response.object).toBe('response');
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe('Echo: hello responses');
    expect(response.metadata).toEqual({ run: 'unit' });
    expect(response.usage?.total_tokens).toBeGreaterThan(0);
    const upstream = gateway.sim.lastRequest('/chat/completions')!.body as { messages: unknown[] };
    expect(upstream.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hello responses' },
    ]);

    const again = await alice.responses.retrieve(response.id);
    expect(again.output_text).toBe('Echo: hello responses');
    const items = await alice.responses.inputItems.list(response.id);
    expect(items.data).toMatchObject([{ type: 'message', role: 'user' }]);

    await alice.responses.delete(response.id);
    await expect(alice.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
  });

  it('streams the Responses events in order with sequence numbers, and stores the result', async () => {
    const stream = await alice.responses.create({
      model: 'gpt-4o-mini',
      input: 'stream this please',
      stream: true,
    });
    const events: Array<{ type: string; sequence_number: number }> = [];
    for await (const event of stream) events.push(event);
    const types = events.map((event) => event.type);
    expect(types.slice(0, 4)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    expect(types.slice(-4)).toEqual([
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const deltas = events.flatMap((event) =>
      event.type === 'response.output_text.delta' ? [(event as unknown as { delta: string }).delta] : [],
    );
    expect(deltas.join('')).toBe('Echo: stream this please');
    const completed = events.at(-1) as unknown as { response: { id: string } };
    expect((await alice.responses.retrieve(completed.response.id)).output_text).toBe(
      'Echo: stream this please',
    );
  });

  it('a stream whose upstream dies after it began ends with response.failed, no stack or secret', async () => {
    gateway.sim.inject({ dropAfterChunks: 2 });
    const stream = await alice.responses.create({
      model: 'gpt-4o-mini',
      input: 'this will break',
      stream: true,
    });
    const events: Array<{ type: string; response?: { status: string; error: { message: string } | null } }> =
      [];
    for await (const event of stream) events.push(event as never);
    const last = events.at(-1)!;
    expect(last.type).toBe('response.failed');
    expect(last.response?.status).toBe('failed');
    expect(last.response?.error?.message).not.toMatch(/sk-upstream|at .*\.js/);
  });

  it('a function tool round trip continues with previous_response_id and function_call_output', async () => {
    const first = await alice.responses.create({
      model: 'gpt-4o-mini',
      input: 'weather in Paris?',
      tools: [weather],
    });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({ type: 'function_call', name: 'get_weather' });
    if (call?.type !== 'function_call') throw new Error('no call');

    const second = await alice.responses.create({
      model: 'gpt-4o-mini',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21C' }],
      tools: [weather],
    });
    expect(second.previous_response_id).toBe(first.id);
    expect(second.output_text).not.toBe('');
    const sent = gateway.sim.lastRequest('/chat/completions')!.body as {
      messages: Array<{ role: string; tool_calls?: unknown[]; tool_call_id?: string; content: unknown }>;
    };
    expect(sent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
    expect(sent.messages[1]!.tool_calls).toMatchObject([
      { id: call.call_id, function: { name: 'get_weather' } },
    ]);
    expect(sent.messages[2]).toMatchObject({ tool_call_id: call.call_id, content: 'sunny, 21C' });
  });

  it('a custom tool is served as a function with one input argument and answered as custom_tool_call', async () => {
    const response = await alice.responses.create({
      model: 'gpt-4o-mini',
      input: 'patch it',
      tools: [{ type: 'custom', name: 'apply_patch', description: 'Apply a patch' }],
    });
    expect(response.output).toMatchObject([
      { type: 'custom_tool_call', name: 'apply_patch', input: 'patch it' },
    ]);
  });

  it("another principal's response is a 404, and cannot be continued", async () => {
    const mine = await alice.responses.create({ model: 'gpt-4o-mini', input: 'private' });
    await expect(bob.responses.retrieve(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.responses.inputItems.list(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(bob.responses.delete(mine.id)).rejects.toMatchObject({ status: 404 });
    await expect(
      bob.responses.create({ model: 'gpt-4o-mini', input: 'more', previous_response_id: mine.id }),
    ).rejects.toMatchObject({ status: 400, param: 'previous_response_id' });
    expect((await alice.responses.retrieve(mine.id)).id).toBe(mine.id);
  });

  it('store: false keeps nothing', async () => {
    const response = await alice.responses.create({ model: 'gpt-4o-mini', input: 'forget me', store: false });
    expect((response as unknown as { store: boolean }).store).toBe(false);
    await expect(alice.responses.retrieve(response.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses built-in tools and unknown fields with a 400 in the OpenAI error shape naming the parameter', async () => {
    await expect(
      alice.responses.create({
        model: 'gpt-4o-mini',
        input: 'news?',
        tools: [{ type: 'web_search_preview' }],
      }),
    ).rejects.toMatchObject({ status: 400, param: 'tools[0].type', type: 'invalid_request_error' });
    const unknown = await gateway.app.inject({
      method: 'POST',
      url: '/v1/responses',
      headers: { authorization: 'Bearer sk-gw-alice-1' },
      payload: { model: 'gpt-4o-mini', input: 'x', prompt: { id: 'pmpt_1' } },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ param: 'prompt', code: 'unknown_parameter' });
  });

  it('lists tuning the backend does not take in x-gateway-dropped-params, and sends the ones it takes', async () => {
    const { response } = await alice.responses
      .create({
        model: 'gpt-4o-mini',
        input: 'tune',
        truncation: 'auto',
        reasoning: { effort: 'low' },
        text: { verbosity: 'low' },
      })
      .withResponse();
    expect(response.headers.get('x-gateway-dropped-params')).toBe('text.verbosity, truncation');
    const sent = gateway.sim.lastRequest('/chat/completions')!.body as Record<string, unknown>;
    expect(sent.reasoning_effort).toBe('low');
    expect(sent).not.toHaveProperty('truncation');
  });

  it('input_items pages with limit, order and after', async () => {
    const response = await alice.responses.create({
      model: 'gpt-4o-mini',
      input: [
        { role: 'user', content: 'one' },
        { role: 'assistant', content: 'two' },
        { role: 'user', content: 'three' },
      ],
    });
    const first = await alice.responses.inputItems.list(response.id, { limit: 2, order: 'asc' });
    expect(first.data.map((item) => (item as unknown as { content: string }).content)).toEqual([
      'one',
      'two',
    ]);
    expect(first.has_more).toBe(true);
    const next = await alice.responses.inputItems.list(response.id, {
      limit: 2,
      order: 'asc',
      after: (first.data.at(-1) as { id: string }).id,
    });
    expect(next.data.map((item) => (item as unknown as { content: string }).content)).toEqual(['three']);
    const newest = await alice.responses.inputItems.list(response.id, { limit: 1 });
    expect((newest.data[0] as unknown as { content: string }).content).toBe('three');
  });
});

describe('background responses', () => {
  it('answers queued, then GET polls it to completed', async () => {
    const queued = await alice.responses.create({
      model: 'gpt-4o-mini',
      input: 'in the background',
      background: true,
    });
    expect(queued.status).toBe('queued');
    expect(queued.background).toBe(true);
    let latest = queued;
    await waitUntil(async () => {
      latest = await alice.responses.retrieve(queued.id);
      return latest.status === 'completed';
    });
    expect(latest.output_text).toBe('Echo: in the background');
    await expect(bob.responses.retrieve(queued.id)).rejects.toMatchObject({ status: 404 });
  });

  it('cancel marks a pending background response cancelled; a sync one cannot be cancelled', async () => {
    gateway.sim.inject({ latencyMs: 1500 });
    const queued = await alice.responses.create({
      model: 'gpt-4o-mini',
      input: 'slow one',
      background: true,
    });
    const cancelled = await alice.responses.cancel(queued.id);
    expect(cancelled.status).toBe('cancelled');
    expect((await alice.responses.retrieve(queued.id)).status).toBe('cancelled');
    const sync = await alice.responses.create({ model: 'gpt-4o-mini', input: 'now' });
    await expect(alice.responses.cancel(sync.id)).rejects.toMatchObject({ status: 400 });
  });
});
