/** Turns Anthropic's stream events into normalized stream parts, one upstream delta to at most one part, in order. */
import type Anthropic from '@anthropic-ai/sdk';
import type { ChatStreamPart, FinishReason, Usage } from '@llm-gateway/spec';
import { responseFormatToolName } from './anthropic-response-format.js';
import { type AnthropicUsage, convertAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicStopReason } from './map-anthropic-stop-reason.js';

/** An event of the stream: the SDK's union, plus `ping` and whatever a newer API version adds. */
export type AnthropicStreamEvent = Anthropic.Messages.RawMessageStreamEvent | { type: string };

type BlockKind = { kind: 'text' | 'thinking' | 'format' | 'other' } | { kind: 'tool'; call: number };

/** What the stream said so far; `partsOfAnthropicEvent` updates it. */
export interface AnthropicStreamReading {
  blocks: Map<number, BlockKind>;
  toolCalls: number;
  answeredInFormat: boolean;
  usage: AnthropicUsage;
  stopReason?: string | null;
  stopSequence?: string;
  /** `message_stop` arrived: the answer is whole. */
  finished: boolean;
}

export function startAnthropicReading(): AnthropicStreamReading {
  return { blocks: new Map(), toolCalls: 0, answeredInFormat: false, usage: {}, finished: false };
}

/** Copies the counts present in `from` (message_delta's are cumulative, and may leave some out). */
function mergeUsage(into: AnthropicUsage, from: AnthropicUsage | null | undefined): void {
  if (!from) return;
  for (const key of [
    'input_tokens',
    'output_tokens',
    'cache_creation_input_tokens',
    'cache_read_input_tokens',
  ] as const) {
    const value = from[key];
    if (typeof value === 'number') into[key] = value;
  }
}

function* openBlock(
  block: Anthropic.Messages.RawContentBlockStartEvent['content_block'],
  index: number,
  reading: AnthropicStreamReading,
): Generator<ChatStreamPart> {
  if (block.type === 'text') {
    reading.blocks.set(index, { kind: 'text' });
    if (block.text) yield { type: 'text-delta', text: block.text };
  } else if (block.type === 'thinking') {
    reading.blocks.set(index, { kind: 'thinking' });
    if (block.thinking) yield { type: 'reasoning-delta', text: block.thinking };
  } else if (block.type === 'tool_use' && block.name === responseFormatToolName) {
    reading.blocks.set(index, { kind: 'format' });
    reading.answeredInFormat = true;
  } else if (block.type === 'tool_use') {
    const call = reading.toolCalls++;
    reading.blocks.set(index, { kind: 'tool', call });
    yield { type: 'tool-call-delta', index: call, id: block.id, name: block.name };
  } else {
    reading.blocks.set(index, { kind: 'other' });
  }
}

function* blockDelta(
  event: Anthropic.Messages.RawContentBlockDeltaEvent,
  reading: AnthropicStreamReading,
): Generator<ChatStreamPart> {
  const block = reading.blocks.get(event.index);
  const delta = event.delta;
  if (delta.type === 'text_delta') yield { type: 'text-delta', text: delta.text };
  else if (delta.type === 'thinking_delta') yield { type: 'reasoning-delta', text: delta.thinking };
  else if (delta.type === 'input_json_delta' && delta.partial_json) {
    if (block?.kind === 'format') yield { type: 'text-delta', text: delta.partial_json };
    else if (block?.kind === 'tool')
      yield { type: 'tool-call-delta', index: block.call, arguments: delta.partial_json };
  }
}

export function* partsOfAnthropicEvent(
  event: AnthropicStreamEvent,
  reading: AnthropicStreamReading,
): Generator<ChatStreamPart> {
  const known = event as Anthropic.Messages.RawMessageStreamEvent;
  switch (known.type) {
    case 'message_start':
      mergeUsage(reading.usage, known.message.usage);
      yield { type: 'response-metadata', id: known.message.id };
      return;
    case 'content_block_start':
      yield* openBlock(known.content_block, known.index, reading);
      return;
    case 'content_block_delta':
      yield* blockDelta(known, reading);
      return;
    case 'message_delta':
      reading.stopReason = known.delta.stop_reason;
      if (known.delta.stop_sequence) reading.stopSequence = known.delta.stop_sequence;
      mergeUsage(reading.usage, known.usage);
      return;
    case 'message_stop':
      reading.finished = true;
      return;
    default:
      // ping, content_block_stop, and event types added later carry nothing to normalize.
      return;
  }
}

/** The finish reason, and the usage when the stream reported any (without it the gateway estimates). */
export function finishOfAnthropicReading(reading: AnthropicStreamReading): {
  finishReason: FinishReason;
  usage?: Usage;
  stopSequence?: string;
} {
  const finishReason =
    reading.answeredInFormat && reading.toolCalls === 0 ? 'stop' : mapAnthropicStopReason(reading.stopReason);
  const finish: { finishReason: FinishReason; usage?: Usage; stopSequence?: string } = { finishReason };
  if (Object.keys(reading.usage).length > 0) finish.usage = convertAnthropicUsage(reading.usage);
  if (reading.stopReason === 'stop_sequence' && reading.stopSequence)
    finish.stopSequence = reading.stopSequence;
  return finish;
}
