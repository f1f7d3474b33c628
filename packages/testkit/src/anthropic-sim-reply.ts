/** What the Anthropic simulator answers to a Messages request: content blocks, stop reason and usage, derived from the body. */
import { randomBytes } from 'node:crypto';
import { countTokens, planReply, type SimulatedReply, splitWords } from './reply.js';
import { sampleFromSchema } from './sim-chat-features.js';
import type { SimRequestBody } from './simulator.js';

type Block = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return Array.isArray(content) ? content.filter(isObject) : [];
}

function textOf(content: unknown): string {
  return blocksOf(content)
    .map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : ''))
    .join('');
}

function messagesOf(body: SimRequestBody): Array<{ role?: unknown; content?: unknown }> {
  return Array.isArray(body.messages) ? body.messages.filter(isObject) : [];
}

/** What the last user turn says: its text, or `Tool said: ...` when it carries tool results. */
function lastUserTurn(body: SimRequestBody): { said: string; toolResult: boolean; images: number } {
  const last = messagesOf(body).findLast((message) => message.role === 'user');
  const blocks = blocksOf(last?.content);
  const results = blocks.filter((block) => block.type === 'tool_result');
  const images = blocks.filter((block) => block.type === 'image').length;
  if (results.length > 0) {
    return {
      said: `Tool said: ${results.map((r) => textOf(r.content)).join(' ')}`,
      toolResult: true,
      images,
    };
  }
  return { said: textOf(last?.content), toolResult: false, images };
}

/** Words of the system prompt and of every text block: the simulator's token count. */
function promptWords(body: SimRequestBody): number {
  let words = countTokens(textOf(body.system));
  for (const message of messagesOf(body)) {
    for (const block of blocksOf(message.content)) {
      if (block.type === 'text') words += countTokens(String(block.text ?? ''));
      if (block.type === 'tool_result') words += countTokens(textOf(block.content));
    }
  }
  return words;
}

/** Words up to the last `cache_control` marker (system first, then messages): the prefix a real cache would hold. */
function cachedPrefix(body: SimRequestBody): { key: string; words: number } | undefined {
  const blocks = [...blocksOf(body.system), ...messagesOf(body).flatMap((m) => blocksOf(m.content))];
  const last = blocks.findLastIndex((block) => isObject(block.cache_control));
  if (last < 0) return undefined;
  const prefix = blocks.slice(0, last + 1);
  const words = prefix.reduce((sum, block) => sum + countTokens(textOf([block])), 0);
  return { key: JSON.stringify(prefix), words };
}

export interface AnthropicToolUse {
  id: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicPlan {
  reply: SimulatedReply;
  /** The thinking text when `thinking` is enabled. */
  thinking?: { text: string; signature: string };
  toolUse?: AnthropicToolUse;
  stopReason: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use';
  stopSequence: string | null;
  usage: {
    input_tokens: number;
    cache_creation_input_tokens: number;
    cache_read_input_tokens: number;
    output_tokens: number;
    service_tier: 'standard';
  };
}

/** A free-form object schema gets `{echo}` (as JSON mode does), any other schema a sample that fits it. */
function inputFor(schema: unknown, text: string): Record<string, unknown> {
  if (isObject(schema) && !isObject(schema.properties) && (schema.type ?? 'object') === 'object') {
    return { echo: text };
  }
  const sample = sampleFromSchema(schema ?? {}, text);
  return isObject(sample) ? sample : {};
}

/** The model "uses" a tool when tools are offered, not forbidden, and the last turn is no tool result. */
function plannedToolUse(
  body: SimRequestBody,
  said: string,
  toolResult: boolean,
): AnthropicToolUse | undefined {
  const tools = Array.isArray(body.tools) ? body.tools.filter(isObject) : [];
  const choice = isObject(body.tool_choice) ? body.tool_choice : {};
  if (tools.length === 0 || choice.type === 'none' || toolResult) return undefined;
  const tool = tools.find((t) => choice.type === 'tool' && t.name === choice.name) ?? tools[0]!;
  const id = `toolu_01${randomBytes(12).toString('base64url')}`;
  return { id, name: String(tool.name ?? ''), input: inputFor(tool.input_schema, said) };
}

/** The earliest of `stops` in `text`, if any. */
function firstStop(text: string, stops: unknown): string | null {
  let found: { at: number; stop: string } | undefined;
  for (const stop of Array.isArray(stops) ? stops : []) {
    const at = typeof stop === 'string' && stop ? text.indexOf(stop) : -1;
    if (at >= 0 && (!found || at < found.at)) found = { at, stop };
  }
  return found?.stop ?? null;
}

export interface PlanSettings {
  reply?: (body: SimRequestBody) => string;
  /** Cache prefixes written so far (the simulator's prompt cache). */
  cache: Set<string>;
}

export function planAnthropicReply(body: SimRequestBody, settings: PlanSettings): AnthropicPlan {
  const { said, toolResult, images } = lastUserTurn(body);
  const text = images > 0 ? `${said} [${images} image${images === 1 ? '' : 's'}]` : said;
  const toolUse = plannedToolUse(body, text, toolResult);
  const format = isObject(body.output_config) ? body.output_config.format : undefined;
  const fullText = toolUse
    ? JSON.stringify(toolUse.input)
    : (settings.reply?.(body) ??
      (isObject(format) ? JSON.stringify(sampleFromSchema(format.schema, text)) : `Echo: ${text}`));
  const stopSequence = toolUse ? null : firstStop(fullText, body.stop_sequences);
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  const reply = planReply(fullText, {
    stop: stopSequence ? [stopSequence] : undefined,
    maxTokens,
    promptTokens: promptWords(body),
  });
  const thinkingOn = isObject(body.thinking) && body.thinking.type === 'enabled';
  const thinking = thinkingOn
    ? { text: `Thinking about: ${said}`, signature: randomBytes(48).toString('base64') }
    : undefined;
  const stopReason = toolUse
    ? 'tool_use'
    : reply.finishReason === 'length'
      ? 'max_tokens'
      : stopSequence
        ? 'stop_sequence'
        : 'end_turn';
  const prefix = cachedPrefix(body);
  const cached = prefix && settings.cache.has(prefix.key) ? prefix.words : 0;
  const written = prefix && !settings.cache.has(prefix.key) ? prefix.words : 0;
  if (prefix) settings.cache.add(prefix.key);
  const outputTokens = reply.completionTokens + (thinking ? countTokens(thinking.text) : 0);
  const plan: AnthropicPlan = {
    reply,
    stopReason,
    stopSequence: stopReason === 'stop_sequence' ? stopSequence : null,
    usage: {
      input_tokens: reply.promptTokens - cached - written,
      cache_creation_input_tokens: written,
      cache_read_input_tokens: cached,
      output_tokens: outputTokens,
      service_tier: 'standard',
    },
  };
  if (thinking) plan.thinking = thinking;
  if (toolUse) plan.toolUse = toolUse;
  return plan;
}

/** The message's content blocks, in the order the stream opens them. */
export function contentBlocks(plan: AnthropicPlan): Block[] {
  const blocks: Block[] = [];
  if (plan.thinking) {
    blocks.push({ type: 'thinking', thinking: plan.thinking.text, signature: plan.thinking.signature });
  }
  if (plan.toolUse) blocks.push({ type: 'tool_use', ...plan.toolUse });
  else blocks.push({ type: 'text', text: plan.reply.text });
  return blocks;
}

/** A block's opening form (`content_block_start`) and its deltas, as the real stream splits them. */
export function streamedBlock(block: Block): { start: Block; deltas: Block[] } {
  if (block.type === 'thinking') {
    const pieces = splitWords(String(block.thinking));
    return {
      start: { type: 'thinking', thinking: '', signature: '' },
      deltas: [
        ...pieces.map((thinking) => ({ type: 'thinking_delta', thinking })),
        { type: 'signature_delta', signature: block.signature },
      ],
    };
  }
  if (block.type === 'tool_use') {
    const json = JSON.stringify(block.input);
    // Input arrives in small fragments, as the model writes it, after an empty first one.
    const pieces = ['', ...(json.match(/.{1,4}/gs) ?? [])];
    return {
      start: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      deltas: pieces.map((partial_json) => ({ type: 'input_json_delta', partial_json })),
    };
  }
  return {
    start: { type: 'text', text: '' },
    deltas: splitWords(String(block.text)).map((text) => ({ type: 'text_delta', text })),
  };
}
