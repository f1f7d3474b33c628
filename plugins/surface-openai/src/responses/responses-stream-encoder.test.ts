import { readFileSync } from 'node:fs';
import type { ChatStreamPart } from '@llm-gateway/spec';
import { describe, expect, it } from 'vitest';
import { responseObject } from './map-responses-output.js';
import { type ResponsesEvent, ResponsesStreamEncoder } from './responses-stream-encoder.js';

/** A recorded OpenAI Responses stream: the `data:` JSON of each event, in order. */
function recorded(name: string): ResponsesEvent[] {
  const text = readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => JSON.parse(line.slice(6)) as ResponsesEvent);
}

const base = responseObject(
  { input: 'Hi' },
  { id: 'resp_1', createdAt: 1, model: 'gpt-4.1', status: 'in_progress', store: true, background: false },
);

function encode(parts: ChatStreamPart[], customNames: ReadonlySet<string> = new Set()): ResponsesEvent[] {
  const encoder = new ResponsesStreamEncoder(base, customNames);
  const events = encoder.start();
  for (const part of parts) {
    if (part.type === 'finish') events.push(...encoder.finish(part.finishReason, part.usage).events);
    else events.push(...encoder.part(part));
  }
  return events;
}

/** What must match the recording: order, numbering, top-level fields and the fields that carry content. */
function shape(event: ResponsesEvent) {
  const { item_id: _id, item, response, part, ...rest } = event;
  return {
    ...rest,
    keys: Object.keys(event).sort(),
    ...(item
      ? { item: { type: (item as { type: string }).type, status: (item as { status?: string }).status } }
      : {}),
    ...(part
      ? { part: { type: (part as { type: string }).type, text: (part as { text?: string }).text } }
      : {}),
    ...(response ? { status: (response as { status: string }).status } : {}),
  };
}

const usage = { promptTokens: 37, completionTokens: 11, totalTokens: 48 };

describe('ResponsesStreamEncoder', () => {
  it('a text answer follows the recorded OpenAI event sequence, numbered from 0', () => {
    const events = encode([
      { type: 'response-metadata', id: 'chatcmpl-1' },
      { type: 'text-delta', text: '' },
      { type: 'text-delta', text: 'Hi' },
      { type: 'text-delta', text: ' there!' },
      { type: 'finish', finishReason: 'stop', usage },
    ]);
    expect(events.map(shape)).toEqual(recorded('responses-stream-text.chunks.txt').map(shape));
    const completed = events.at(-1)!.response as { output: unknown[]; usage: unknown };
    expect(completed.output).toMatchObject([
      { type: 'message', content: [{ type: 'output_text', text: 'Hi there!' }] },
    ]);
    expect(completed.usage).toMatchObject({ input_tokens: 37, output_tokens: 11, total_tokens: 48 });
  });

  it('a function call follows the recorded sequence: added, argument deltas, done with name', () => {
    const events = encode([
      {
        type: 'tool-call-delta',
        index: 0,
        id: 'call_BO8Qs4ZKkQKnHq0ky8vKfRLf',
        name: 'get_weather',
        arguments: '',
      },
      { type: 'tool-call-delta', index: 0, arguments: '{"' },
      { type: 'tool-call-delta', index: 0, arguments: 'location":"Paris"}' },
      { type: 'finish', finishReason: 'tool_calls', usage },
    ]);
    const expected = recorded('responses-stream-function-call.chunks.txt');
    expect(events.map((event) => event.type)).toEqual(expected.map((event) => event.type));
    expect(events.map((event) => event.sequence_number)).toEqual(
      expected.map((event) => event.sequence_number),
    );
    const done = events.find((event) => event.type === 'response.function_call_arguments.done')!;
    expect(done).toMatchObject({ name: 'get_weather', arguments: '{"location":"Paris"}', output_index: 0 });
    expect(events.at(-1)!.response).toMatchObject({
      status: 'completed',
      output: [
        {
          type: 'function_call',
          call_id: 'call_BO8Qs4ZKkQKnHq0ky8vKfRLf',
          arguments: '{"location":"Paris"}',
        },
      ],
    });
  });

  it('text then two calls: each item closes before the next opens, output indexes count up', () => {
    const events = encode([
      { type: 'text-delta', text: 'Checking.' },
      { type: 'tool-call-delta', index: 0, id: 'call_1', name: 'a', arguments: '{}' },
      { type: 'tool-call-delta', index: 1, id: 'call_2', name: 'b', arguments: '{}' },
      { type: 'finish', finishReason: 'tool_calls' },
    ]);
    const items = events.filter((event) => event.type.startsWith('response.output_item.'));
    expect(items.map((event) => [event.type, event.output_index])).toEqual([
      ['response.output_item.added', 0],
      ['response.output_item.done', 0],
      ['response.output_item.added', 1],
      ['response.output_item.done', 1],
      ['response.output_item.added', 2],
      ['response.output_item.done', 2],
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
  });

  it('a custom tool call streams as custom_tool_call with its input, not the JSON wrapper', () => {
    const events = encode(
      [
        { type: 'tool-call-delta', index: 0, id: 'call_1', name: 'apply_patch', arguments: '{"input":' },
        { type: 'tool-call-delta', index: 0, arguments: '"*** Begin Patch"}' },
        { type: 'finish', finishReason: 'tool_calls' },
      ],
      new Set(['apply_patch']),
    );
    const expected = recorded('responses-stream-custom-tool.chunks.txt');
    expect(events.map(shape)).toEqual(expected.map(shape));
    expect(events.find((event) => event.type === 'response.custom_tool_call_input.done')).toMatchObject({
      input: '*** Begin Patch',
    });
  });

  it('a length finish ends with response.incomplete; a failure with response.failed', () => {
    const cut = encode([
      { type: 'text-delta', text: 'Hel' },
      { type: 'finish', finishReason: 'length' },
    ]);
    expect(cut.at(-1)).toMatchObject({
      type: 'response.incomplete',
      response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } },
    });
    const encoder = new ResponsesStreamEncoder(base, new Set());
    encoder.start();
    encoder.part({ type: 'text-delta', text: 'partial' });
    const { event } = encoder.fail({ code: 'server_error', message: 'upstream went away' });
    expect(event).toMatchObject({
      type: 'response.failed',
      sequence_number: 5,
      response: { status: 'failed', error: { code: 'server_error', message: 'upstream went away' } },
    });
  });
});
